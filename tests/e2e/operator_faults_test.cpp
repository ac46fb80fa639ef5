// The operator against an API server having a bad day: watches cut every few seconds, watch history
// forgotten (410 Gone on resume), 30% of writes answered 409, 429 with Retry-After, 500s and slow answers.
// Fifty resources in five namespaces must still all reach their target, with exactly one backup Job and one
// migrate Job per target change, and no status going back to an older generation.
#include <atomic>
#include <random>
#include <thread>

#include "e2e/fleet.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

constexpr int kResources = 50;
constexpr const char* kOperatorUser = "system:serviceaccount:pgrevise:operator";
const std::vector<std::string> kNamespaces = {"team-a", "team-b", "team-c", "team-d", "team-e"};

testing::FaultConfig api_faults(std::uint64_t seed) {
  testing::FaultConfig f;
  f.seed = seed;
  f.users = {kOperatorUser};  // the kubelet stands for the rest of the cluster
  for (const char* verb : {"create", "update", "patch", "delete"}) f.conflict_share[verb] = 0.3;
  f.throttle_share["*"] = 0.03;
  f.error_share["*"] = 0.03;
  f.retry_after_seconds = 1;
  f.delay = std::chrono::milliseconds(10);
  f.drop_watch_after = std::chrono::seconds(3);
  return f;
}

// Cuts every watch and forgets the watch history, alternately, on a schedule drawn from the seed.
class WatchChaos {
 public:
  WatchChaos(testing::FakeApiServer& server, std::uint64_t seed)
      : thread_([this, &server, seed] {
          std::mt19937_64 rng(seed);
          std::uniform_int_distribution<int> pause_ms(1000, 4000);
          for (int round = 0; !stop_.load(); ++round) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms(rng));
            while (!stop_.load() && std::chrono::steady_clock::now() < until)
              std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (round % 2 == 0) {
              server.expire_history();
              ++expired_;
            }
            server.drop_watches();
          }
        }) {}
  ~WatchChaos() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int history_expiries() const { return expired_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> expired_{0};
  std::thread thread_;
};

TEST_F(OperatorE2eTest, FiftyResourcesReachTheirTargetThroughApiFaults) {
  const std::uint64_t seed = test_seed(8);
  server_.record_written_objects(true);
  Fleet fleet(*client_, write_chain(dir_, "chain", 2));
  server_.set_faults(api_faults(seed));
  WatchChaos chaos(server_, seed + 1);
  // The client-side rate limit is not what is under test: at its default (20/s) the run's length would be
  // the request count over 20.
  start_operator(
      {"--log-level", "info", "--max-concurrent-reconciles", "6", "--qps", "50", "--burst", "100"});

  // First install of every resource, then one target change for all.
  const auto started = std::chrono::steady_clock::now();
  fleet.create(kResources, kNamespaces, chain_revision(0));
  ASSERT_TRUE(fleet.wait_converged(chain_revision(0), std::chrono::seconds(150)));
  const auto installed = std::chrono::steady_clock::now();
  fleet.set_target(chain_revision(1));
  ASSERT_TRUE(fleet.wait_converged(chain_revision(1), std::chrono::seconds(150)));
  const auto bumped = std::chrono::steady_clock::now();
  std::map<std::string, int> by_verb;
  for (const auto& r : server_.requests())
    if (r.user == kOperatorUser)
      ++by_verb[r.verb + " " + r.resource + (r.subresource.empty() ? "" : "/" + r.subresource) + " " +
                std::to_string(r.code)];
  for (const auto& [what, n] : by_verb) std::printf("operator requests: %s: %d\n", what.c_str(), n);
  std::printf("install %.0fs, bump %.0fs\n", std::chrono::duration<double>(installed - started).count(),
              std::chrono::duration<double>(bumped - installed).count());
  chaos.stop();
  server_.clear_faults();
  kubelet_->wait_idle(std::chrono::seconds(30));

  EXPECT_EQ(joined(fleet.databases_not_at(chain_revision(1))), "");
  // Exactly one backup and one migrate Job per target change, in the API and in the record of creates.
  const auto existing = jobs_by_run(*client_);
  const auto created = job_creates(server_.requests());
  int duplicates = 0;
  for (const auto& m : fleet.members()) {
    for (int target = 0; target < 2; ++target) {
      for (const char* kind : {"backup", "migrate"}) {
        const JobKey key{m.key(), kind, chain_revision(target)};
        const auto count = [&](const std::map<JobKey, int>& by_run) {
          const auto it = by_run.find(key);
          return it == by_run.end() ? 0 : it->second;
        };
        EXPECT_EQ(count(existing), 1) << m.key() << " " << kind << " " << chain_revision(target);
        EXPECT_EQ(count(created), 1) << m.key() << " " << kind << " " << chain_revision(target);
        duplicates += std::max(0, count(created) - 1);
      }
    }
  }
  EXPECT_EQ(existing.size(), static_cast<std::size_t>(kResources * 4));
  // The server's Retry-After is honoured: a throttled request is not sent again before it has passed.
  const auto hasty = repeated_before_retry_after(server_.requests(), kOperatorUser, std::chrono::seconds(1));
  EXPECT_TRUE(hasty.empty()) << hasty.size() << " request(s) repeated too soon: " << joined(hasty);
  std::size_t status_writes = 0;
  const auto regressions = status_regressions(server_.requests(), &status_writes);
  EXPECT_TRUE(regressions.empty()) << joined(regressions);

  const auto faults = server_.fault_counts();
  std::printf(
      "resources converged: %d of %d; duplicate Jobs: %d; status writes: %zu, regressions: %zu\n"
      "faults injected: 409 %zu, 429 %zu, 500 %zu, delayed %zu, watches cut %zu, watches answered 410 %zu "
      "(history forgotten %d times)\n",
      kResources - static_cast<int>(fleet.lagging(chain_revision(1)).size()), kResources, duplicates,
      status_writes, regressions.size(), faults.conflicts, faults.throttled, faults.server_errors,
      faults.delayed, faults.dropped_watches, faults.expired_watches, chaos.history_expiries());
  // The faults did happen.
  EXPECT_GT(faults.conflicts, 0u);
  EXPECT_GT(faults.throttled, 0u);
  EXPECT_GT(faults.server_errors, 0u);
  EXPECT_GT(faults.dropped_watches, 0u);
  EXPECT_GT(faults.expired_watches, 0u);
}

}  // namespace
}  // namespace pgrevise::e2e
