// The rules by which `pgrevise apply` settles a resource (local/settler.h), on virtual time.
#include "local/settler.h"

#include <gtest/gtest.h>

namespace pgrevise::local {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SettleRules : public ::testing::Test {
 protected:
  ManualClock clock;
  Settling resource{.resource = {"team", "app"}};

  SettleVerdict observe(const SettleObservation& seen) {
    return settle_step(resource, seen, clock.steady_now());
  }
  milliseconds until_next() const {
    return std::chrono::duration_cast<milliseconds>(resource.next - clock.steady_now());
  }
};

TEST_F(SettleRules, AResourceNoLongerReconcilingHasSettled) {
  EXPECT_EQ(observe({.reconciling = false}), SettleVerdict::kSettled);
  EXPECT_TRUE(resource.settled);
  EXPECT_FALSE(resource.unreachable);
}

TEST_F(SettleRules, FailedReconcilesAreRetriedAfterOneTwoAndFourSeconds) {
  for (const auto delay : {seconds(1), seconds(2), seconds(4)}) {
    EXPECT_EQ(observe({.error = true}), SettleVerdict::kAgain);
    EXPECT_EQ(until_next(), delay);
    EXPECT_FALSE(resource.settled);
  }
}

TEST_F(SettleRules, AFourthFailureInARowGivesUpAsUnreachable) {
  for (int i = 0; i < kMaxFailures; ++i) observe({.error = true});
  EXPECT_EQ(observe({.error = true}), SettleVerdict::kGaveUp);
  EXPECT_TRUE(resource.settled);
  EXPECT_TRUE(resource.unreachable);
}

TEST_F(SettleRules, AReconcileThatFinishesStartsTheFailureCountAgain) {
  for (int i = 0; i < kMaxFailures; ++i) observe({.error = true});
  observe({.job_ran = true});
  EXPECT_EQ(resource.failures, 0);
  EXPECT_EQ(observe({.error = true}), SettleVerdict::kAgain);
}

TEST_F(SettleRules, WhileAJobRunsTheResourceIsLookedAtAsAskedButAtLeastEverySecond) {
  EXPECT_EQ(observe({.job_ran = true, .requeue_after = milliseconds(300)}), SettleVerdict::kAgain);
  EXPECT_EQ(until_next(), milliseconds(300));
  observe({.job_ran = true, .requeue_after = seconds(30)});
  EXPECT_EQ(until_next(), seconds(1));
  observe({.job_ran = true});
  EXPECT_EQ(until_next(), seconds(1));
}

TEST_F(SettleRules, WithoutAJobTheResourceIsLookedAtAgainAfterATick) {
  observe({.changed = true, .requeue_after = seconds(30)});
  EXPECT_EQ(until_next(), kSettleTick);
}

TEST_F(SettleRules, ResourceIdleForFiveReconcilesWaitsForNothingThatCanHappenHere) {
  for (int i = 1; i < kMaxIdleRounds; ++i) EXPECT_EQ(observe({}), SettleVerdict::kAgain);
  EXPECT_EQ(observe({}), SettleVerdict::kNothingCanHappen);
  EXPECT_TRUE(resource.settled);
  EXPECT_FALSE(resource.unreachable);
}

TEST_F(SettleRules, AChangedPhaseOrAJobStartsTheIdleCountAgain) {
  for (int i = 1; i < kMaxIdleRounds; ++i) observe({});
  observe({.changed = true});
  EXPECT_EQ(resource.idle_rounds, 0);
  for (int i = 1; i < kMaxIdleRounds; ++i) observe({});
  observe({.job_ran = true});
  EXPECT_EQ(resource.idle_rounds, 0);
}

TEST(ConditionTrue, ReadsTheNamedConditionOfTheStatus) {
  const nlohmann::json resource = {
      {"status",
       {{"conditions",
         {{{"type", "Ready"}, {"status", "True"}}, {{"type", "Stalled"}, {"status", "False"}}}}}}};
  EXPECT_TRUE(condition_true(resource, "Ready"));
  EXPECT_FALSE(condition_true(resource, "Stalled"));
  EXPECT_FALSE(condition_true(resource, "Reconciling"));
  EXPECT_FALSE(condition_true(nlohmann::json::object(), "Ready"));
}

}  // namespace
}  // namespace pgrevise::local
