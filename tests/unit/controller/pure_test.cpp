#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/conditions.h"
#include "api/reasons.h"
#include "common/base64.h"
#include "controller/dry_run.h"
#include "controller/events.h"
#include "controller/job_view.h"
#include "controller/migration_set.h"
#include "controller/records.h"
#include "controller/status.h"
#include "revision/errors.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace reason = api::reason;
namespace condition = api::condition;

Json job_with(const Json& status) {
  return {{"metadata", {{"name", "j"}, {"ownerReferences", {{{"uid", "u1"}}}}}}, {"status", status}};
}

TEST(JobViewTest, ReadsThePhaseFromConditions) {
  EXPECT_EQ(controller::view_job(job_with(Json::object())).phase, controller::JobPhase::kActive);
  auto done = controller::view_job(job_with({{"startTime", "t0"},
                                             {"completionTime", "t1"},
                                             {"conditions", {{{"type", "Complete"}, {"status", "True"}}}}}));
  EXPECT_EQ(done.phase, controller::JobPhase::kSucceeded);
  EXPECT_EQ(done.completion_time, "t1");
  // FailureTarget alone: the Pods are still being stopped, so the Job is not over yet.
  const Json failure_target = {
      {"type", "FailureTarget"}, {"status", "True"}, {"reason", "DeadlineExceeded"}, {"message", "too long"}};
  auto stopping = controller::view_job(job_with({{"conditions", {failure_target}}}));
  EXPECT_EQ(stopping.phase, controller::JobPhase::kActive);
  EXPECT_TRUE(stopping.failure_pending);
  EXPECT_FALSE(stopping.finished());
  Json failed_condition = failure_target;
  failed_condition["type"] = "Failed";
  auto failed = controller::view_job(job_with({{"conditions", {failure_target, failed_condition}}}));
  EXPECT_EQ(failed.phase, controller::JobPhase::kFailed);
  EXPECT_FALSE(failed.failure_pending);
  EXPECT_EQ(failed.failure_reason, "DeadlineExceeded");
  auto not_yet =
      controller::view_job(job_with({{"conditions", {{{"type", "Failed"}, {"status", "False"}}}}}));
  EXPECT_EQ(not_yet.phase, controller::JobPhase::kActive);
}

// A Pod of a migrate Job as the kubelet reports it with injected sidecars: containerStatuses sorted by name
// (so the proxies come first), a native sidecar among the init containers, still running after the main
// container ended.
Json pod_with_sidecars(const std::string& name, const std::string& created, const std::string& report) {
  auto status = [](const std::string& container, const Json& state) {
    return Json{{"name", container}, {"restartCount", 0}, {"state", state}};
  };
  const Json running = {{"running", {{"startedAt", created}}}};
  return {{"metadata",
           {{"name", name},
            {"creationTimestamp", created},
            {"labels", {{"job-name", "app-migrate-1"}, {"app.kubernetes.io/component", "migrate"}}}}},
          {"status",
           {{"phase", "Running"},
            {"initContainerStatuses", {status("linkerd-proxy", running)}},
            {"containerStatuses",
             {status("cloud-sql-proxy", running), status("istio-proxy", running),
              status("migrate", {{"terminated", {{"exitCode", 0}, {"message", report}}}})}}}}};
}

TEST(PodReportTest, IsReadFromTheMainContainerByNameWhateverSortsFirst) {
  const Json older = pod_with_sidecars("app-migrate-1-a", "2026-11-30T08:00:00Z", "first attempt");
  const Json newer = pod_with_sidecars("app-migrate-1-b", "2026-11-30T08:00:07Z", "second attempt");
  ASSERT_NE(controller::main_container_status(newer), nullptr);
  EXPECT_EQ(controller::main_container_status(newer)->value("name", ""), "migrate");
  EXPECT_EQ(controller::latest_pod_report({newer, older}), "second attempt");
  EXPECT_EQ(controller::latest_pod_report({older}), "first attempt");

  // A Pod of a backup Job has no container named migrate: its own main container counts.
  Json backup = older;
  backup["metadata"]["labels"]["app.kubernetes.io/component"] = "backup";
  EXPECT_EQ(controller::latest_pod_report({backup}), std::nullopt);
  backup["status"]["containerStatuses"][2]["name"] = "backup";
  EXPECT_EQ(controller::latest_pod_report({backup}), "first attempt");
}

TEST(JobViewTest, OwnershipByUid) {
  EXPECT_TRUE(controller::owned_by(job_with(Json::object()), "u1"));
  EXPECT_FALSE(controller::owned_by(job_with(Json::object()), "u2"));
  EXPECT_TRUE(controller::owned_by(job_with(Json::object()), ""));
}

TEST(MigrationSetTest, ReadsSqlKeysFromDataAndBinaryData) {
  Json cm = {{"data", {{"001_a.sql", migration("001", "", "a")}, {"README.md", "# notes"}}},
             {"binaryData", {{"002_b.sql", base64_encode(migration("002", "001", "b"))}}}};
  auto set = controller::load_migration_set(cm);
  EXPECT_THAT(set.keys, ElementsAre("001_a.sql", "002_b.sql"));
  EXPECT_EQ(set.graph.size(), 2u);
}

TEST(MigrationSetTest, ProblemsNameTheKey) {
  Json cm = {{"data", {{"001_a.sql", "-- revision: 001\nno sections here\n"}}}};
  try {
    controller::load_migration_set(cm);
    FAIL() << "expected a RevisionError";
  } catch (const revision::RevisionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("001_a.sql"));
  }
  EXPECT_THROW(controller::load_migration_set(Json{{"data", {{"README.md", "x"}}}}), revision::RevisionError);
}

api::Status status_with(std::optional<api::Phase> phase, std::string active_job = "") {
  api::Status s;
  s.phase = phase;
  s.active_job = std::move(active_job);
  return s;
}

TEST(TransitionEventsTest, StartedOnceAndOnlyOnChange) {
  auto before = status_with(api::Phase::kPending);
  auto after = status_with(api::Phase::kBackingUp, "b1");
  auto events = controller::transition_events(before, after);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "BackupStarted");
  EXPECT_TRUE(controller::transition_events(after, after).empty());
}

TEST(TransitionEventsTest, FailedRunIsAWarningWithRevisionAndSqlstate) {
  auto after = status_with(api::Phase::kFailed);
  after.last_run = api::LastRun{
      .result = std::string(api::kRunFailed), .message = "boom", .revision = "0007", .sqlstate = "23505"};
  auto events = controller::transition_events(status_with(api::Phase::kMigrating, "m1"), after);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, controller::EventType::kWarning);
  EXPECT_THAT(events[0].message, HasSubstr("0007"));
  EXPECT_THAT(events[0].message, HasSubstr("23505"));
}

TEST(TransitionEventsTest, AJobThatDisappearedIsAWarningOnce) {
  auto before = status_with(api::Phase::kMigrating, "m1");
  before.conditions.push_back({.type = std::string(condition::kReconciling),
                               .status = std::string(api::kConditionTrue),
                               .reason = std::string(reason::kMigrationRunning),
                               .message = "running"});
  auto after = before;
  after.conditions[0].reason = std::string(reason::kJobDisappeared);
  after.conditions[0].message = "Job m1 disappeared before its result was read";
  auto events = controller::transition_events(before, after);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, controller::EventType::kWarning);
  EXPECT_EQ(events[0].reason, "JobDisappeared");
  EXPECT_EQ(events[0].message, "Job m1 disappeared before its result was read");
  EXPECT_TRUE(controller::transition_events(after, after).empty());
}

TEST(ComputeStatusTest, TransitionTimeMovesOnlyWhenTheStatusDoes) {
  controller::Facts facts;
  auto first = controller::compute_status(
      {}, facts, controller::Outcome::progressing(api::Phase::kBackingUp, reason::kBackupRunning, "a"), 3,
      "2026-11-30T08:00:00Z");
  auto second = controller::compute_status(
      first, facts, controller::Outcome::progressing(api::Phase::kMigrating, reason::kMigrationRunning, "b"),
      3, "2026-11-30T08:05:00Z");
  const auto* reconciling = api::find_condition(second.conditions, condition::kReconciling);
  ASSERT_NE(reconciling, nullptr);
  EXPECT_EQ(reconciling->last_transition_time, "2026-11-30T08:00:00Z");
  EXPECT_EQ(reconciling->reason, reason::kMigrationRunning);
  auto third = controller::compute_status(
      second, facts, controller::Outcome::ready(reason::kUpToDate, "c", api::Phase::kSucceeded), 4,
      "2026-11-30T08:10:00Z");
  EXPECT_EQ(api::find_condition(third.conditions, condition::kReady)->last_transition_time,
            "2026-11-30T08:10:00Z");
  EXPECT_TRUE(api::conditions_current(third.conditions, 4));
  EXPECT_EQ(third.observed_generation, 4);
  // Nothing new: the same status, so the write is skipped.
  EXPECT_EQ(controller::compute_status(
                third, facts, controller::Outcome::ready(reason::kUpToDate, "c", api::Phase::kSucceeded), 4,
                "2026-11-30T09:00:00Z"),
            third);
}

// The safety gate's condition, from the outcome and the facts alone.
TEST(ComputeStatusTest, BlockedFollowsTheGate) {
  const auto blocked_outcome =
      controller::Outcome::stalled(api::Phase::kBlocked, reason::kLintBlocked, "1 lint finding(s) ...");
  controller::Facts analysed;
  analysed.lint = api::LintStatus{"abc123", 1, {}};
  auto held = controller::compute_status({}, analysed, blocked_outcome, 2, "2026-11-30T08:00:00Z");
  const auto* blocked = api::find_condition(held.conditions, condition::kBlocked);
  ASSERT_NE(blocked, nullptr);
  EXPECT_EQ(blocked->status, api::kConditionTrue);
  EXPECT_EQ(blocked->reason, reason::kLintBlocked);
  EXPECT_EQ(blocked->message, "1 lint finding(s) ...");
  EXPECT_TRUE(api::is_true(held.conditions, condition::kStalled));  // kstatus: a person must act

  // Approved: False with LintApproved, naming the plan; then kept while the run goes on without an analysis,
  // observed at each generation.
  controller::Facts approved = analysed;
  approved.lint_approved = "abc123";
  const auto running = controller::Outcome::progressing(api::Phase::kBackingUp, reason::kBackupRunning, "b");
  auto going = controller::compute_status(held, approved, running, 2, "2026-11-30T08:01:00Z");
  blocked = api::find_condition(going.conditions, condition::kBlocked);
  ASSERT_NE(blocked, nullptr);
  EXPECT_EQ(blocked->status, api::kConditionFalse);
  EXPECT_EQ(blocked->reason, reason::kLintApproved);
  EXPECT_THAT(blocked->message, HasSubstr("plan abc123"));
  EXPECT_EQ(blocked->last_transition_time, "2026-11-30T08:01:00Z");
  auto later = controller::compute_status(going, {}, running, 3, "2026-11-30T08:02:00Z");
  api::Condition kept = *blocked;
  kept.observed_generation = 3;
  ASSERT_NE(api::find_condition(later.conditions, condition::kBlocked), nullptr);
  EXPECT_EQ(*api::find_condition(later.conditions, condition::kBlocked), kept);
  EXPECT_TRUE(api::conditions_current(later.conditions, 3));

  // The next analysis that holds nothing removes it.
  auto next = controller::compute_status(later, analysed, running, 3, "2026-11-30T08:03:00Z");
  EXPECT_EQ(api::find_condition(next.conditions, condition::kBlocked), nullptr);

  // A block lifted without an approval or an analysis (the lint turned off, nothing left to do) goes too.
  auto lifted = controller::compute_status(
      held, {}, controller::Outcome::ready(reason::kUpToDate, "c", api::Phase::kSucceeded), 3,
      "2026-11-30T08:04:00Z");
  EXPECT_EQ(api::find_condition(lifted.conditions, condition::kBlocked), nullptr);

  // Never blocked: no condition at all.
  EXPECT_EQ(api::find_condition(
                controller::compute_status({}, analysed, running, 1, "2026-11-30T08:00:00Z").conditions,
                condition::kBlocked),
            nullptr);
}

TEST(LiveProgressTest, IgnoresARunOlderThanTheJob) {
  controller::JobView job{.name = "m", .start_time = "2026-11-30T08:00:10Z"};
  revision::Plan plan;
  plan.steps.push_back({0, "0002", Direction::kUpgrade, {}, {}});
  plan.steps.push_back({1, "0003", Direction::kUpgrade, {}, {}});
  controller::MigrationProgress old_run{
      .run_id = "r0", .total = 5, .done = 5, .started_at = "2026-11-30T07:00:00.000Z"};
  auto p = controller::live_progress(job, old_run, plan);
  EXPECT_EQ(p.done, 0);
  EXPECT_EQ(p.total, 2);
  EXPECT_EQ(p.revision, "0002");
  controller::MigrationProgress current{
      .run_id = "r1", .total = 3, .done = 1, .started_at = "2026-11-30T08:00:10.500Z"};
  p = controller::live_progress(job, current, plan);
  EXPECT_EQ(p.done, 1);
  EXPECT_EQ(p.total, 3);
}

TEST(DryRunTest, LongScriptsAreCutAtALineWithANote) {
  auto set = controller::load_migration_set(Json{{"data", {{"001.sql", migration("001", "", "a")}}}});
  auto plan = revision::plan_to_target(set.graph, "heads", {});
  api::Spec spec;
  spec.target_revision = "heads";
  auto full = controller::render_dry_run_sql(set, plan, spec, "test", 1 << 20);
  EXPECT_THAT(full, HasSubstr("CREATE TABLE a"));
  auto cut = controller::render_dry_run_sql(set, plan, spec, "test", 200);
  EXPECT_LE(cut.size(), 200u);
  EXPECT_THAT(cut, HasSubstr("left out"));
}

// A resource may have a name of 253 characters; its dry run's ConfigMap must still be a valid object name.
TEST(DryRunTest, TheConfigMapNameOfALongResourceNameStaysWithinTheLimit) {
  EXPECT_EQ(controller::dry_run_config_map_name("app"), "app-dry-run");
  const std::string longest(253, 'x');
  const std::string name = controller::dry_run_config_map_name(longest);
  EXPECT_EQ(name.size(), 253u);
  EXPECT_THAT(name, ::testing::EndsWith("-dry-run"));
  EXPECT_EQ(controller::dry_run_config_map_name(longest), name);
  EXPECT_NE(controller::dry_run_config_map_name(longest.substr(0, 252) + "y"), name);
}

}  // namespace
}  // namespace pgrevise::testing
