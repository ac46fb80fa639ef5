// Leader election under SIGKILL: two replicas, the leader killed mid-run; the standby takes over within the
// lease's bound and finishes the work; then again with a third replica. Each replica authenticates with its
// own token, so the fake API server's record of requests says which process wrote what: writes by two
// replicas never interleave, and a standby writes nothing before it holds the lease. Then a leader whose
// lease requests hang: it stops acting before the standby takes over.
#include <signal.h>

#include <random>
#include <thread>

#include "e2e/fleet.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Short lease timings keep the test quick; they keep client-go's proportions (renew deadline below the lease
// duration, several tries within the deadline).
constexpr auto kLeaseDuration = std::chrono::seconds(8);
constexpr auto kRetryPeriod = std::chrono::seconds(1);
// A standby measures the lease's age on its own clock from the moment it first saw the last renewal, which
// it looks for once per retry period (up to one period late), and then tries to take over once per retry
// period (up to one more): it acquires at most lease duration + 2 retry periods after the leader's last
// renewal, which came before the kill. 3 s more cover scheduling and request latency on a loaded machine.
constexpr auto kTakeoverBound = kLeaseDuration + 2 * kRetryPeriod + std::chrono::seconds(3);

std::vector<std::string> election_args() {
  return {"--leader-elect",
          "--leader-elect-lease-namespace",
          "alpha",
          "--leader-elect-lease-duration",
          "8s",
          "--leader-elect-renew-deadline",
          "5s",
          "--leader-elect-retry-period",
          "1s",
          "--log-level",
          "info"};
}

bool is_lease_write(const testing::RecordedRequest& r) {
  return r.resource == "coordination.k8s.io/leases" && (r.verb == "create" || r.verb == "update") &&
         r.code < 300;
}

// The first successful lease write (its acquisition or renewal) by `user`, at or after `from`.
std::optional<SteadyTime> first_lease_write(const std::vector<testing::RecordedRequest>& log,
                                            const std::string& user, SteadyTime from) {
  for (const auto& r : log)
    if (is_lease_write(r) && r.user == user && r.at >= from) return r.at;
  return std::nullopt;
}

struct ActingSpan {
  SteadyTime first{SteadyTime::max()};
  SteadyTime last{SteadyTime::min()};
  int writes = 0;
};

std::map<std::string, ActingSpan> acting_spans(const std::vector<testing::RecordedRequest>& log) {
  std::map<std::string, ActingSpan> spans;
  for (const auto& r : log) {
    if (!is_acting_write(r) || r.user.rfind("system:serviceaccount:pgrevise:replica-", 0) != 0) continue;
    auto& span = spans[r.user];
    span.first = std::min(span.first, r.at);
    span.last = std::max(span.last, r.at);
    ++span.writes;
  }
  return spans;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class LeaderElectionKillTest : public OperatorE2eTest {
 protected:
  // The replica whose user wrote the lease last: the leader.
  int leader() const {
    std::string user;
    for (const auto& r : server_.requests())
      if (is_lease_write(r)) user = r.user;
    for (int i = 0; i < 3; ++i)
      if (user == replica_user(i)) return i;
    return -1;
  }

  // Whether replica `index` is the last to write the lease within `limit`. A standby takes over only when the
  // killed leader's lease expires, which may come after the run it was killed in has converged.
  bool becomes_leader(int index, std::chrono::seconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (leader() != index) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  // Replicas 0 and 1 acting on `fleet`, which gets four resources in two namespaces, converged at r00;
  // returns the index of the one that leads (-1 when neither wrote the lease).
  int converge_under_two_replicas(Fleet& fleet) {
    replicas_[0] = &start_operator(election_args(), kReplicaTokens[0]);
    replicas_[1] = &start_operator(election_args(), kReplicaTokens[1]);
    fleet.create(4, {"alpha", "beta"}, chain_revision(0));
    if (!fleet.wait_converged(chain_revision(0), std::chrono::seconds(90))) return -1;
    return leader();
  }

  // SIGKILLs replica `index` at a seeded random point of the run just started: after it created the k-th of
  // the run's Jobs (k from 1 to all but two), so the run is unfinished and its successor has work left to do.
  // Returns when it was killed.
  SteadyTime kill_during_run(int index, std::mt19937_64& rng, std::size_t jobs_in_run) {
    const SteadyTime bumped = std::chrono::steady_clock::now();
    const auto k = std::uniform_int_distribution<std::size_t>(1, jobs_in_run - 2)(rng);
    const auto deadline = bumped + std::chrono::seconds(60);
    while (jobs_created_since(bumped) < k && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const SteadyTime killed = std::chrono::steady_clock::now();
    EXPECT_EQ(replicas_[index]->stop(SIGKILL), 128 + SIGKILL);
    return killed;
  }

  std::size_t jobs_created_since(SteadyTime since) const {
    std::size_t n = 0;
    for (const auto& r : server_.requests())
      n += r.at >= since && r.resource == "batch/jobs" && r.verb == "create" && r.code == 201;
    return n;
  }

  std::map<int, OperatorProcess*> replicas_;
};

TEST_F(LeaderElectionKillTest, StandbyTakesOverFromAKilledLeaderAndTwoNeverAct) {
  std::mt19937_64 rng(test_seed(3));
  server_.record_written_objects(true);
  Fleet fleet(*client_, write_chain(dir_, "chain", 3));
  const int first = converge_under_two_replicas(fleet);
  ASSERT_GE(first, 0);

  // Handover 1: the leader of the two dies while the bump to r01 runs.
  const int second = 1 - first;
  fleet.set_target(chain_revision(1));
  const SteadyTime kill1 = kill_during_run(first, rng, fleet.members().size() * 2);
  ASSERT_TRUE(fleet.wait_converged(chain_revision(1), std::chrono::seconds(90)));

  // Handover 2: a third replica joins as the standby; the leader dies during the bump to r02.
  ASSERT_TRUE(becomes_leader(second, std::chrono::seconds(30))) << "leader: " << leader();
  replicas_[2] = &start_operator(election_args(), kReplicaTokens[2]);
  fleet.set_target(chain_revision(2));
  const SteadyTime kill2 = kill_during_run(second, rng, fleet.members().size() * 2);
  ASSERT_TRUE(fleet.wait_converged(chain_revision(2), std::chrono::seconds(90)));
  EXPECT_TRUE(becomes_leader(2, std::chrono::seconds(30))) << "leader: " << leader();
  kubelet_->wait_idle(std::chrono::seconds(30));

  const auto log = server_.requests();
  const auto takeover1 = first_lease_write(log, replica_user(second), kill1);
  const auto takeover2 = first_lease_write(log, replica_user(2), kill2);
  ASSERT_TRUE(takeover1 && takeover2);
  EXPECT_LE(*takeover1 - kill1, kTakeoverBound);
  EXPECT_LE(*takeover2 - kill2, kTakeoverBound);
  // Nobody but the holder of the moment wrote: replica `first` only before kill1, `second` only between its
  // takeover and kill2, the third only after its takeover.
  const auto spans = acting_spans(log);
  ASSERT_EQ(spans.count(replica_user(first)), 1u);
  ASSERT_EQ(spans.count(replica_user(second)), 1u);
  ASSERT_EQ(spans.count(replica_user(2)), 1u);
  const auto& a = spans.at(replica_user(first));
  const auto& b = spans.at(replica_user(second));
  const auto& c = spans.at(replica_user(2));
  EXPECT_LT(a.last, b.first);
  EXPECT_LT(b.last, c.first);
  EXPECT_LE(a.last, kill1 + std::chrono::seconds(1));  // at most a request already sent when it died
  EXPECT_GE(b.first, *takeover1);
  EXPECT_LE(b.last, kill2 + std::chrono::seconds(1));
  EXPECT_GE(c.first, *takeover2);

  EXPECT_EQ(joined(fleet.databases_not_at(chain_revision(2))), "");
  int duplicates = 0;
  for (const auto& [key, n] : job_creates(log)) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(jobs_by_run(*client_).size(), fleet.members().size() * 3 * 2);
  const auto regressions = status_regressions(log);
  EXPECT_TRUE(regressions.empty()) << joined(regressions);
  std::printf(
      "takeover after SIGKILL: %.1fs and %.1fs (bound %.0fs); writes: replica %d %d, replica %d %d, "
      "replica 2 %d; duplicate Jobs %d\n",
      seconds(*takeover1 - kill1), seconds(*takeover2 - kill2), seconds(kTakeoverBound), first, a.writes,
      second, b.writes, c.writes, duplicates);
}

// The leader's lease requests hang (a slow API server, for that process's lease only) while the rest of its
// API access works: it must stop writing when it can no longer renew within the renew deadline, before the
// standby takes the lease over after the lease duration. A bump while its renewal hangs gives it work in
// flight; a second bump once the standby holds the lease shows that it does not act beside the new leader
// (stuck in a renewal, it would still see the change through its watches). It exits on its own (exit code 1)
// and the new leader finishes the work without duplicates.
TEST_F(LeaderElectionKillTest, LeaderThatCannotRenewStopsActingBeforeTheStandbyTakesOver) {
  server_.record_written_objects(true);
  Fleet fleet(*client_, write_chain(dir_, "chain", 3));
  const int first = converge_under_two_replicas(fleet);
  ASSERT_GE(first, 0);
  const int second = 1 - first;

  // Its lease requests are answered after 20 s, longer than the lease lasts.
  const SteadyTime faulted = std::chrono::steady_clock::now();
  server_.set_faults({.delay = std::chrono::seconds(20),
                      .users = {replica_user(first)},
                      .resources = {"coordination.k8s.io/leases"}});
  fleet.set_target(chain_revision(1));
  const auto takeover_until = faulted + kTakeoverBound;
  while (leader() != second && std::chrono::steady_clock::now() < takeover_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(leader(), second) << "the standby did not take the lease over";
  fleet.set_target(chain_revision(2));
  ASSERT_TRUE(fleet.wait_converged(chain_revision(2), std::chrono::seconds(90)));
  kubelet_->wait_idle(std::chrono::seconds(30));
  const auto exit_until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (replicas_[first]->running() && std::chrono::steady_clock::now() < exit_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(replicas_[first]->stop(SIGKILL), 1) << "the old leader did not exit on losing its lease";
  EXPECT_NE(replicas_[first]->log().find("leader lease lost"), std::string::npos);

  const auto log = server_.requests();
  const auto takeover = first_lease_write(log, replica_user(second), faulted);
  ASSERT_TRUE(takeover);
  int late = 0;
  for (const auto& r : log) {
    if (is_acting_write(r) && r.user == replica_user(first) && r.at >= *takeover) {
      ++late;
      ADD_FAILURE() << "the old leader wrote after the takeover: " << r.verb << " " << r.resource << " "
                    << r.ns << "/" << r.name << " " << r.subresource << ", " << seconds(r.at - *takeover)
                    << "s after";
    }
  }
  EXPECT_EQ(late, 0);
  const auto spans = acting_spans(log);
  ASSERT_EQ(spans.count(replica_user(second)), 1u);
  EXPECT_GE(spans.at(replica_user(second)).first, *takeover);

  EXPECT_EQ(joined(fleet.databases_not_at(chain_revision(2))), "");
  int duplicates = 0;
  for (const auto& [key, n] : job_creates(log)) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(jobs_by_run(*client_).size(), fleet.members().size() * 3 * 2);
  const auto regressions = status_regressions(log);
  EXPECT_TRUE(regressions.empty()) << joined(regressions);
  std::printf("lease requests of replica %d held 20 s: replica %d took over %.1fs later\n", first, second,
              seconds(*takeover - faulted));
}

}  // namespace
}  // namespace pgrevise::e2e
