#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <thread>

#include "kube_test_support.h"

namespace pgrevise::kube {
namespace {

using std::chrono::milliseconds;

class LeaderElectionTest : public ::testing::Test {
 protected:
  testing::FakeApiServer server{test::default_server_options()};
  std::unique_ptr<RestClient> client_a = test::client_for(server);
  std::unique_ptr<RestClient> client_b = test::client_for(server, "test-token-2");

  LeaderElectionConfig config(const std::string& identity) {
    return {.lease_namespace = "default", .lease_name = "pgrevise-operator", .identity = identity};
  }
  Json lease() {
    return *server.state().object("coordination.k8s.io/leases", "default", "pgrevise-operator");
  }
};

// Decisions on virtual time: the lease is taken over only after leaseDuration without any change to it.
TEST_F(LeaderElectionTest, TakeOverAfterExpiryOnVirtualTime) {
  ManualClock clock;
  LeaderElector a(*client_a, clock, config("a"));
  LeaderElector b(*client_b, clock, config("b"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease()["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 0);
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_EQ(b.observed_holder(), "a");
  for (int i = 0; i < 10; ++i) {  // a keeps renewing: b never gets it
    clock.advance(milliseconds(2000));
    ASSERT_TRUE(a.try_acquire_or_renew());
    EXPECT_FALSE(b.try_acquire_or_renew());
  }
  clock.advance(milliseconds(14000));  // a stops renewing; not expired yet from b's point of view
  EXPECT_FALSE(b.try_acquire_or_renew());
  clock.advance(milliseconds(1000));
  EXPECT_TRUE(b.try_acquire_or_renew());
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 1);
  EXPECT_FALSE(a.try_acquire_or_renew());  // a comes back: it must not steal the lease
}

TEST_F(LeaderElectionTest, ReleaseLetsTheOtherTakeOverAtOnce) {
  ManualClock clock;
  LeaderElector a(*client_a, clock, config("a"));
  LeaderElector b(*client_b, clock, config("b"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_TRUE(a.release());
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "");
  EXPECT_TRUE(b.try_acquire_or_renew());
  EXPECT_FALSE(a.release());  // no longer the holder
}

TEST_F(LeaderElectionTest, TimestampsAreMicroTime) {
  ManualClock clock;
  LeaderElector a(*client_a, clock, config("a"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  const std::string renew = lease()["spec"]["renewTime"];
  ASSERT_EQ(renew.size(), std::string("2026-11-22T20:40:00.000000Z").size()) << renew;
  EXPECT_EQ(renew[19], '.');
  EXPECT_EQ(renew.back(), 'Z');
}

// Two electors running on real time with short durations: only one leads at a time; when the leader stops,
// the other takes over (at once, since the lease is released); when the leader's API access breaks, it steps
// down and the other takes over within the lease duration.
TEST_F(LeaderElectionTest, HandOverBetweenTwoRunningElectors) {
  std::atomic<int> leaders{0};
  std::atomic<int> max_leaders{0};
  std::atomic<int> started_a{0}, started_b{0}, stopped_a{0};
  const auto callbacks = [&](std::atomic<int>& started, std::atomic<int>* stopped) {
    return LeaderCallbacks{[&] {
                             ++started;
                             max_leaders = std::max(max_leaders.load(), ++leaders);
                           },
                           [&, stopped] {
                             --leaders;
                             if (stopped) ++(*stopped);
                           }};
  };
  const auto fast = [&](const std::string& id) {
    auto c = config(id);
    c.lease_duration = milliseconds(1000);
    c.renew_deadline = milliseconds(600);
    c.retry_period = milliseconds(100);
    return c;
  };
  LeaderElector a(*client_a, SystemClock::instance(), fast("a"), callbacks(started_a, &stopped_a));
  std::thread ta([&] { a.run(); });
  const auto wait_for = [](const std::function<bool()>& cond) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cond() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
    return cond();
  };
  ASSERT_TRUE(wait_for([&] { return a.is_leader(); }));
  LeaderElector b(*client_b, SystemClock::instance(), fast("b"), callbacks(started_b, nullptr));
  std::thread tb([&] { b.run(); });
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_FALSE(b.is_leader());
  const auto stop_time = std::chrono::steady_clock::now();
  a.stop();
  ta.join();
  EXPECT_EQ(stopped_a.load(), 1);
  ASSERT_TRUE(wait_for([&] { return b.is_leader(); }));
  // Released: b took over after at most a retry period or two, far less than the lease duration.
  EXPECT_LT(std::chrono::steady_clock::now() - stop_time, milliseconds(1000));
  EXPECT_EQ(max_leaders.load(), 1);

  // The leader loses API access (every write refused): it steps down after the renew deadline.
  server.set_faults({.error_share = {{"update", 1.0}}});
  ASSERT_TRUE(wait_for([&] { return !b.is_leader(); }));
  tb.join();
  EXPECT_EQ(leaders.load(), 0);
}

}  // namespace
}  // namespace pgrevise::kube
