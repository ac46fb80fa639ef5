#include "api/conditions.h"

#include <gtest/gtest.h>

#include "api/reasons.h"

namespace pgrevise::api {
namespace {

constexpr std::string_view kT1 = "2026-11-30T08:00:00Z";
constexpr std::string_view kT2 = "2026-11-30T08:05:00Z";
constexpr std::string_view kT3 = "2026-11-30T08:10:00Z";

TEST(Conditions, AddsANewConditionWithTransitionTimeAndGeneration) {
  std::vector<Condition> conditions;
  EXPECT_TRUE(
      set_condition(conditions, condition::kReady, false, reason::kMigrationRunning, "running 0003", 2, kT1));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].type, "Ready");
  EXPECT_EQ(conditions[0].status, "False");
  EXPECT_EQ(conditions[0].reason, "MigrationRunning");
  EXPECT_EQ(conditions[0].last_transition_time, kT1);
  EXPECT_EQ(conditions[0].observed_generation, 2);
}

TEST(Conditions, TransitionTimeMovesOnlyWhenStatusChanges) {
  std::vector<Condition> conditions;
  set_condition(conditions, condition::kReady, false, reason::kBackupRunning, "backup", 1, kT1);
  EXPECT_TRUE(
      set_condition(conditions, condition::kReady, false, reason::kMigrationRunning, "migrate", 1, kT2));
  EXPECT_EQ(conditions[0].last_transition_time, kT1);
  EXPECT_EQ(conditions[0].reason, "MigrationRunning");
  EXPECT_EQ(conditions[0].message, "migrate");
  EXPECT_TRUE(set_condition(conditions, condition::kReady, true, reason::kMigrated, "at 0016", 1, kT3));
  EXPECT_EQ(conditions[0].last_transition_time, kT3);
  EXPECT_EQ(conditions[0].status, "True");
}

TEST(Conditions, ObservedGenerationAlwaysFollows) {
  std::vector<Condition> conditions;
  set_condition(conditions, condition::kReady, true, reason::kUpToDate, "", 1, kT1);
  EXPECT_TRUE(set_condition(conditions, condition::kReady, true, reason::kUpToDate, "", 2, kT2));
  EXPECT_EQ(conditions[0].observed_generation, 2);
  EXPECT_EQ(conditions[0].last_transition_time, kT1);
  EXPECT_TRUE(conditions_current(conditions, 2));
  EXPECT_FALSE(conditions_current(conditions, 3));
}

TEST(Conditions, SettingTheSameValuesChangesNothing) {
  std::vector<Condition> conditions;
  set_condition(conditions, condition::kStalled, true, reason::kInvalidTarget, "unknown revision", 4, kT1);
  const auto before = conditions;
  EXPECT_FALSE(set_condition(conditions, condition::kStalled, true, reason::kInvalidTarget,
                             "unknown revision", 4, kT2));
  EXPECT_EQ(conditions, before);
}

TEST(Conditions, FindIsTrueIsFalseAndRemove) {
  std::vector<Condition> conditions;
  set_condition(conditions, condition::kReady, false, reason::kProgressing, "", 1, kT1);
  set_condition(conditions, condition::kReconciling, true, reason::kProgressing, "", 1, kT1);
  EXPECT_TRUE(is_true(conditions, condition::kReconciling));
  EXPECT_TRUE(is_false(conditions, condition::kReady));
  EXPECT_FALSE(is_true(conditions, condition::kStalled));
  EXPECT_FALSE(is_false(conditions, condition::kStalled));
  ASSERT_NE(find_condition(conditions, condition::kReconciling), nullptr);
  EXPECT_EQ(find_condition(conditions, condition::kStalled), nullptr);
  EXPECT_TRUE(remove_condition(conditions, condition::kReconciling));
  EXPECT_FALSE(remove_condition(conditions, condition::kReconciling));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].type, "Ready");
}

TEST(Conditions, UnknownStatusIsNeitherTrueNorFalse) {
  std::vector<Condition> conditions;
  set_condition(conditions, condition::kReady, kConditionUnknown, reason::kProgressing, "", 1, kT1);
  EXPECT_FALSE(is_true(conditions, condition::kReady));
  EXPECT_FALSE(is_false(conditions, condition::kReady));
}

TEST(Reasons, AWrongSpecSecretConfigMapOrMigrationSetIsBadInput) {
  for (std::string_view bad_input :
       {reason::kInvalidSpec, reason::kInvalidTarget, reason::kDowngradeNotAllowed, reason::kSecretNotFound,
        reason::kSecretKeyNotFound, reason::kConfigMapNotFound, reason::kInvalidMigrations,
        reason::kJobCreateFailed, reason::kOutOfBandChange})
    EXPECT_TRUE(reason::is_bad_input(bad_input)) << bad_input;
}

TEST(Reasons, AFailedRunOrAnUnreachableDatabaseIsNotBadInput) {
  for (std::string_view other :
       {reason::kMigrationFailed, reason::kBackupFailed, reason::kJobDeadlineExceeded,
        reason::kJobReportInvalid, reason::kDatabaseUnreachable, std::string_view()})
    EXPECT_FALSE(reason::is_bad_input(other)) << other;
}

}  // namespace
}  // namespace pgrevise::api
