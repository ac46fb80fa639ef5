// The operator SIGKILLed at random points (drawn from a printed seed) while three resources go through 20
// target bumps: each bump must still end at its target with exactly one backup Job and one migrate Job, no
// Job created twice, and no status write going back to an older generation.
#include <signal.h>

#include <random>
#include <thread>

#include "e2e/fleet.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

constexpr int kBumps = 20;

TEST_F(OperatorE2eTest, SigkilledAtRandomPointsThroughTwentyBumpsConvergesWithoutDuplicates) {
  const std::uint64_t seed = test_seed(20);
  std::mt19937_64 rng(seed);
  server_.record_written_objects(true);
  Fleet fleet(*client_, write_chain(dir_, "chain", kBumps + 1));
  const std::vector<std::string> args = {"--log-level", "info", "--max-concurrent-reconciles", "3"};
  OperatorProcess* op = &start_operator(args);
  fleet.create(3, {"alpha", "beta"}, chain_revision(0));
  ASSERT_TRUE(fleet.wait_converged(chain_revision(0), std::chrono::seconds(60)));

  int kills = 0;
  std::bernoulli_distribution kill_now(0.6);
  std::uniform_int_distribution<int> kill_after_ms(0, 2500);
  std::uniform_int_distribution<int> restart_after_ms(0, 1000);
  for (int bump = 1; bump <= kBumps; ++bump) {
    fleet.set_target(chain_revision(bump));
    // A kill lands anywhere in the run: before the backup Job exists, while it or the migrate Job runs, or
    // between a Job's end and the status write that records it.
    if (kill_now(rng)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
      ASSERT_EQ(op->stop(SIGKILL), 128 + SIGKILL);
      ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(restart_after_ms(rng)));
      op = &start_operator(args);
    }
    ASSERT_TRUE(fleet.wait_converged(chain_revision(bump), std::chrono::seconds(60))) << "bump " << bump;
  }
  kubelet_->wait_idle(std::chrono::seconds(30));

  EXPECT_EQ(joined(fleet.databases_not_at(chain_revision(kBumps))), "");
  const auto existing = jobs_by_run(*client_);
  const auto created = job_creates(server_.requests());
  int duplicates = 0;
  for (const auto& [key, n] : created) duplicates += n - 1;
  for (const auto& m : fleet.members()) {
    for (int target = 0; target <= kBumps; ++target) {
      for (const char* kind : {"backup", "migrate"}) {
        const JobKey key{m.key(), kind, chain_revision(target)};
        EXPECT_EQ(existing.count(key) ? existing.at(key) : 0, 1)
            << std::get<0>(key) << " " << kind << " " << std::get<2>(key);
        EXPECT_EQ(created.count(key) ? created.at(key) : 0, 1)
            << std::get<0>(key) << " " << kind << " " << std::get<2>(key);
      }
    }
  }
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(existing.size(), fleet.members().size() * (kBumps + 1) * 2);
  std::size_t status_writes = 0;
  const auto regressions = status_regressions(server_.requests(), &status_writes);
  EXPECT_TRUE(regressions.empty()) << joined(regressions);
  EXPECT_GT(kills, 0);
  std::printf(
      "bumps: %d; SIGKILLs: %d; Jobs: %zu, duplicate creates: %d; status writes: %zu, regressions: %zu\n",
      kBumps, kills, existing.size(), duplicates, status_writes, regressions.size());
}

}  // namespace
}  // namespace pgrevise::e2e
