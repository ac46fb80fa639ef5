#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace pgrevise::kube {
namespace {

using std::chrono::milliseconds;

TEST(WorkQueueTest, DeduplicatesKeys) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.stats().depth, 2u);
  EXPECT_EQ(q.try_get(), "a");
  EXPECT_EQ(q.try_get(), "b");
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(WorkQueueTest, NeverHandsOutAKeyBeingProcessed) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  ASSERT_EQ(q.try_get(), "a");
  q.add("a");
  q.add("a");
  EXPECT_EQ(q.try_get(), std::nullopt);  // deferred until done
  EXPECT_EQ(q.stats().in_flight, 1u);
  q.done("a");
  EXPECT_EQ(q.try_get(), "a");  // once, however many adds happened meanwhile
  q.done("a");
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(WorkQueueTest, HighPriorityKeysAreHandedOutFirstInTheirOwnOrder) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("job-churn-1");
  q.add("bumped-1", Priority::kHigh);
  q.add("job-churn-2");
  q.add("bumped-2", Priority::kHigh);
  EXPECT_EQ(q.stats().depth, 4u);
  EXPECT_EQ(q.try_get(), "bumped-1");
  EXPECT_EQ(q.try_get(), "bumped-2");
  EXPECT_EQ(q.try_get(), "job-churn-1");
  EXPECT_EQ(q.try_get(), "job-churn-2");
}

TEST(WorkQueueTest, AQueuedKeyAddedWithHighPriorityMovesAheadAndNeverBack) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  q.add("b");
  q.add("b", Priority::kHigh);
  q.add("b");  // a later normal add does not send it back
  EXPECT_EQ(q.stats().depth, 2u);
  EXPECT_EQ(q.try_get(), "b");
  EXPECT_EQ(q.try_get(), "a");
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(WorkQueueTest, AKeyRaisedWhileProcessedComesBackAheadOnce) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  ASSERT_EQ(q.try_get(), "a");
  q.add("b");
  q.add("a", Priority::kHigh);
  EXPECT_EQ(q.try_get(), "b");  // "a" is still being processed
  q.done("a");
  q.add("c");
  EXPECT_EQ(q.try_get(), "a");
  q.done("a");
  EXPECT_EQ(q.try_get(), "c");
  q.done("b");
  q.done("c");
  q.add("a");  // handed out once: its priority was spent, so it queues as normal now
  q.add("d");
  EXPECT_EQ(q.try_get(), "a");
  EXPECT_EQ(q.try_get(), "d");
}

TEST(WorkQueueTest, PerKeyExponentialBackoffAndForget) {
  ManualClock clock;
  WorkQueue q(clock, {.base_delay = milliseconds(5), .max_delay = milliseconds(40)});
  const std::vector<int> expected = {5, 10, 20, 40, 40};
  for (const int delay : expected) {
    q.add_rate_limited("a");
    clock.advance(milliseconds(delay - 1));
    EXPECT_EQ(q.try_get(), std::nullopt) << delay;
    clock.advance(milliseconds(1));
    ASSERT_EQ(q.try_get(), "a") << delay;
    q.done("a");
  }
  EXPECT_EQ(q.failures("a"), 5);
  q.add_rate_limited("b");  // another key has its own count
  clock.advance(milliseconds(5));
  EXPECT_EQ(q.try_get(), "b");
  q.forget("a");
  EXPECT_EQ(q.failures("a"), 0);
  q.add_rate_limited("a");
  clock.advance(milliseconds(5));
  EXPECT_EQ(q.try_get(), "a");
}

TEST(WorkQueueTest, AddAfterKeepsTheEarliestAndAnImmediateAddWins) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add_after("a", milliseconds(1000));
  q.add_after("a", milliseconds(100));
  EXPECT_EQ(q.stats().waiting, 1u);
  clock.advance(milliseconds(99));
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.try_get(), "a");
  q.done("a");
  q.add_after("b", milliseconds(500));
  q.add("b");
  EXPECT_EQ(q.try_get(), "b");
}

TEST(WorkQueueTest, LatencyIsMeasuredOnTheInjectedClock) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  clock.advance(milliseconds(250));
  q.try_get();
  const auto stats = q.stats();
  EXPECT_EQ(stats.queue_latency_max, milliseconds(250));
  EXPECT_EQ(stats.gets_total, 1u);
  EXPECT_EQ(stats.adds_total, 1u);
}

TEST(WorkQueueTest, ShutdownStopsGetAndIgnoresAdds) {
  ManualClock clock;
  WorkQueue q(clock);
  std::thread waiter([&] { EXPECT_EQ(q.get(), std::nullopt); });
  q.shut_down();
  waiter.join();
  q.add("a");
  EXPECT_EQ(q.stats().depth, 0u);
}

// Many keys added over and over by several threads while 3 workers process them: a key is never processed
// twice at once, at most 3 run together, every key is processed after its last add, and stop() drains.
TEST(WorkerPoolTest, BoundedWorkersOneKeyAtATime) {
  ManualClock clock;
  WorkQueue q(clock);
  std::mutex mu;
  std::set<std::string> running;
  std::map<std::string, int> processed;
  int max_running = 0;
  std::atomic<int> overlaps{0};
  WorkerPool pool(q, 3, [&](const std::string& key) {
    {
      std::lock_guard lock(mu);
      if (!running.insert(key).second) ++overlaps;
      max_running = std::max<int>(max_running, static_cast<int>(running.size()));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::lock_guard lock(mu);
    running.erase(key);
    ++processed[key];
    return ReconcileResult{};
  });
  pool.start();
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 500; ++i) q.add("key-" + std::to_string(i % 10));
    });
  }
  for (auto& t : producers) t.join();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((q.stats().depth > 0 || q.stats().in_flight > 0) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  pool.stop();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_LE(max_running, 3);
  EXPECT_EQ(processed.size(), 10u);
}

TEST(WorkerPoolTest, ErrorsRequeueWithBackoffAndRequeueAfterIsHonoured) {
  ManualClock clock;
  WorkQueue q(clock, {.base_delay = milliseconds(10)});
  std::atomic<int> calls{0};
  WorkerPool pool(q, 1, [&](const std::string& key) -> ReconcileResult {
    const int n = ++calls;
    if (key == "failing" && n <= 2) throw std::runtime_error("transient");
    if (key == "failing") return {.requeue_after = milliseconds(60000)};
    return {};
  });
  pool.start();
  q.add("failing");
  const auto wait_calls = [&](int n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (calls.load() < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(1));
    return calls.load();
  };
  EXPECT_EQ(wait_calls(1), 1);
  EXPECT_EQ(q.stats().waiting, 1u);  // backing off 10 ms of virtual time
  clock.advance(milliseconds(10));
  q.wake();
  EXPECT_EQ(wait_calls(2), 2);
  clock.advance(milliseconds(20));
  q.wake();
  EXPECT_EQ(wait_calls(3), 3);  // succeeded, asked to come back in a minute
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (q.stats().waiting != 1u && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(q.failures("failing"), 0);
  clock.advance(milliseconds(60000));
  q.wake();
  EXPECT_EQ(wait_calls(4), 4);
  pool.stop();
}

}  // namespace
}  // namespace pgrevise::kube
