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
  // Short timings for electors running on real time.
  LeaderElectionConfig config(const std::string& identity, milliseconds lease_duration,
                              milliseconds renew_deadline, milliseconds retry_period) {
    auto c = config(identity);
    c.lease_duration = lease_duration;
    c.renew_deadline = renew_deadline;
    c.retry_period = retry_period;
    return c;
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
    return config(id, milliseconds(1000), milliseconds(600), milliseconds(100));
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

// The grant lapses by itself at its deadline, with nobody revoking it.
TEST(LeadershipTest, LapsesAtTheDeadlineOnVirtualTime) {
  ManualClock clock;
  Leadership leadership(clock);
  EXPECT_FALSE(leadership.held());
  leadership.grant_until(clock.steady_now() + milliseconds(10000));
  EXPECT_TRUE(leadership.held());
  clock.advance(milliseconds(9999));
  EXPECT_TRUE(leadership.held());
  clock.advance(milliseconds(1));
  EXPECT_FALSE(leadership.held());
  leadership.grant_until(clock.steady_now() + milliseconds(10000));
  leadership.revoke();
  EXPECT_FALSE(leadership.held());
}

// A client whose writes need `leadership`: a refused write is not sent at all; reads go through.
std::unique_ptr<RestClient> gated_client(testing::FakeApiServer& server, const Leadership& leadership) {
  RestClientOptions options;
  options.qps = 0;
  options.request_timeout = std::chrono::seconds(10);
  options.may_write = [&leadership] { return leadership.held(); };
  return std::make_unique<RestClient>(test::transport_for(server), options, SystemClock::instance());
}

std::size_t successful_writes(const testing::FakeApiServer& server, const std::string& resource) {
  std::size_t n = 0;
  for (const auto& r : server.requests())
    if (r.resource == resource && r.verb != "get" && r.verb != "list" && r.verb != "watch" && r.code < 300)
      ++n;
  return n;
}

TEST_F(LeaderElectionTest, WritesWithoutLeadershipAreNotSent) {
  ManualClock clock;
  Leadership leadership(clock);
  auto client = gated_client(server, leadership);
  EXPECT_THROW(client->create(resources::config_maps(), "default", test::config_map("refused")),
               NotLeaderError);
  EXPECT_FALSE(client->try_get(resources::config_maps(), "default", "refused"));  // reads still work
  leadership.grant_until(clock.steady_now() + milliseconds(1000));
  client->create(resources::config_maps(), "default", test::config_map("sent"));
  clock.advance(milliseconds(1000));
  Json updated = client->get(resources::config_maps(), "default", "sent");
  updated["data"]["k"] = "changed";
  EXPECT_THROW(client->update(resources::config_maps(), "default", updated), NotLeaderError);
  EXPECT_THROW(client->remove(resources::config_maps(), "default", "sent"), NotLeaderError);
  EXPECT_EQ(successful_writes(server, "/configmaps"), 1u);
  EXPECT_EQ(server.count("update", "/configmaps") + server.count("delete", "/configmaps"), 0u);
}

using SteadyTime = std::chrono::steady_clock::time_point;

// The first successful lease write by `user` at or after `from`; max() when there is none.
SteadyTime first_lease_write(const testing::FakeApiServer& server, const std::string& user, SteadyTime from) {
  for (const auto& r : server.requests())
    if (r.resource == "coordination.k8s.io/leases" && r.user == user && r.verb != "get" && r.code < 300 &&
        r.at >= from)
      return r.at;
  return SteadyTime::max();
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!cond() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
  return cond();
}

// The leader's lease renewals fail (its API access to the lease breaks) while its other writes would still
// go through: its leadership lapses at the renew deadline, before the standby can take the lease over, and
// from then on it sends no write at all. So the two never act at once, as the server's record shows.
TEST_F(LeaderElectionTest, LeaderThatCannotRenewStopsWritingBeforeTheStandbyTakesOver) {
  const auto timings = [&](const std::string& id) {
    return config(id, milliseconds(2000), milliseconds(800), milliseconds(100));
  };
  std::atomic<bool> a_stopped{false};
  LeaderElector a(*client_a, SystemClock::instance(), timings("a"), {nullptr, [&] { a_stopped = true; }});
  LeaderElector b(*client_b, SystemClock::instance(), timings("b"));
  auto writer = gated_client(server, a.leadership());  // a's writes as the leader, as user "operator"
  std::thread ta([&] { a.run(); });
  ASSERT_TRUE(wait_until([&] { return a.is_leader(); }, std::chrono::seconds(10)));
  std::thread tb([&] { b.run(); });
  writer->create(resources::config_maps(), "default", test::config_map("while-leading"));

  // Only "update" is faulted, only for a's user: a's lease renewals fail, its creates would not.
  const SteadyTime faulted = std::chrono::steady_clock::now();
  server.set_faults({.error_share = {{"update", 1.0}}, .users = {"operator"}});
  int sent = 0, refused = 0, refused_after_stop = 0;
  for (int i = 0; refused_after_stop < 5 && i < 2000; ++i) {
    const bool stopped = a_stopped.load();
    try {
      writer->create(resources::config_maps(), "default", test::config_map("w-" + std::to_string(i)));
      ++sent;
      EXPECT_FALSE(stopped) << "a write was sent after the leader stopped leading";
      EXPECT_EQ(refused, 0) << "a write was sent after an earlier one was refused";
    } catch (const NotLeaderError&) {
      ++refused;
      if (stopped) ++refused_after_stop;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_GT(sent, 0);
  EXPECT_EQ(refused_after_stop, 5);
  ASSERT_TRUE(wait_until([&] { return b.is_leader(); }, std::chrono::seconds(10)));
  b.stop();
  ta.join();
  tb.join();
  EXPECT_EQ(server.count("create", "/configmaps"), static_cast<std::size_t>(sent + 1));

  const SteadyTime takeover = first_lease_write(server, "other", faulted);
  ASSERT_NE(takeover, SteadyTime::max());
  for (const auto& r : server.requests()) {
    if (r.resource == "/configmaps" && r.verb == "create") {
      EXPECT_LT(r.at, takeover) << "the old leader wrote " << r.name << " after the standby took the lease";
    }
  }
}

// Another candidate holds the lease (here, written over the leader's record): the leader learns it at its
// next renewal and stops at once, long before its renew deadline would have ended it.
TEST_F(LeaderElectionTest, LeaderStopsAtOnceWhenAnotherHoldsTheLease) {
  std::atomic<bool> a_stopped{false};
  LeaderElector a(*client_a, SystemClock::instance(),
                  config("a", milliseconds(60000), milliseconds(40000), milliseconds(100)),
                  {nullptr, [&] { a_stopped = true; }});
  auto writer = gated_client(server, a.leadership());
  std::thread ta([&] { a.run(); });
  ASSERT_TRUE(wait_until([&] { return a.is_leader(); }, std::chrono::seconds(10)));
  writer->create(resources::config_maps(), "default", test::config_map("while-leading"));

  for (int attempt = 1;; ++attempt) {  // a renews meanwhile: retry on its conflicting writes
    Json taken = lease();
    taken["spec"]["holderIdentity"] = "b";
    taken["spec"]["renewTime"] = format_micro_time(std::chrono::system_clock::now());
    try {
      client_b->update(resources::leases(), "default", taken);
      break;
    } catch (const ApiError& e) {
      ASSERT_TRUE(is_conflict(e) && attempt < 20) << e.what();
    }
  }
  EXPECT_TRUE(wait_until([&] { return a_stopped.load(); }, std::chrono::seconds(10)));
  ta.join();
  EXPECT_FALSE(a.leadership().held());
  EXPECT_THROW(writer->create(resources::config_maps(), "default", test::config_map("after")),
               NotLeaderError);
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "b");  // and a did not take it back
  EXPECT_EQ(server.count("create", "/configmaps"), 1u);
}

}  // namespace
}  // namespace pgrevise::kube
