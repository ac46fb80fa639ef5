// Reasons for what happens to a run's Jobs and to the resource around them: a deadline, an unreadable report,
// a Job gone before its result was read, a retry, a transient database error, a deletion; and a finished
// backup Job removed by its TTL while the migration runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "api/reasons.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

namespace reason = api::reason;
namespace condition = api::condition;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class JobLifecycleTest : public ControllerTest {};

// What the runner runs now, from the probe, in status.progress and the metrics while the migrate Job runs.
TEST_F(JobLifecycleTest, LiveProgressShowsTheRunningStatementInStatusAndMetrics) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.start_job(kNs, migrate);
  probe.set_heads({"001"});
  probe.set_progress(controller::MigrationProgress{
      .statement = controller::StatementActivity{.statement = "CREATE INDEX CONCURRENTLY a_idx ON a (id)",
                                                 .running_seconds = 42,
                                                 .phase = "building index: scanning table",
                                                 .blocks_done = 300,
                                                 .blocks_total = 1000}});
  reconcile();
  auto s = status();
  ASSERT_TRUE(s.progress.has_value());
  EXPECT_EQ(s.progress->revision, "002");
  EXPECT_EQ(s.progress->running.statement, "CREATE INDEX CONCURRENTLY a_idx ON a (id)");
  EXPECT_EQ(s.progress->running.running_seconds, 42);
  EXPECT_EQ(s.progress->running.phase, "building index: scanning table");
  EXPECT_EQ(s.progress->running.blocks_done, 300);
  EXPECT_EQ(s.progress->running.blocks_total, 1000);
  EXPECT_EQ(s.progress->running.tuples_total, 0);
  ASSERT_TRUE(metrics.running.has_value());
  EXPECT_EQ(metrics.running->revision, "002");
  EXPECT_EQ(metrics.running->running_seconds, 42.0);
  EXPECT_EQ(metrics.running->blocks_done, 300);
  // Between statements the fields go, and so do the series.
  probe.set_progress(controller::MigrationProgress{
      .run_id = "r1", .total = 3, .done = 1, .started_at = "2026-11-30T08:00:00.250Z"});
  reconcile();
  s = status();
  ASSERT_TRUE(s.progress.has_value());
  EXPECT_EQ(s.progress->running.statement, "");
  EXPECT_EQ(s.progress->running.phase, "");
  EXPECT_FALSE(metrics.running.has_value());
}

TEST_F(JobLifecycleTest, BackupJobRemovedByItsTtlDuringTheMigrationIsNotRunAgain) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  finish_backup(backup, true);
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.delete_job(kNs, backup);  // ttlSecondsAfterFinished
  reconcile();
  reconcile();
  EXPECT_THAT(jobs_of("backup"), IsEmpty());
  EXPECT_EQ(cluster.job_creations(), 2);
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kMigrating);
  EXPECT_EQ(s.active_job, migrate);
  ASSERT_TRUE(s.last_backup.has_value());
  EXPECT_EQ(s.last_backup->file, "/backups/app-20261130T080000Z.dump");
  EXPECT_EQ(condition(condition::kBackupSucceeded).status, "True");

  // Even with the migrate Job missing from a lagging list, the status says the migration had started.
  cluster.set_list_lagging(true);
  reconcile();
  cluster.set_list_lagging(false);
  EXPECT_THAT(jobs_of("backup"), IsEmpty());

  finish_migrate(migrate, true, {"003"});
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kSucceeded);
  EXPECT_EQ(cluster.job_creations(), 2);
  EXPECT_EQ(metrics.backups, std::vector<metrics::RunResult>{metrics::RunResult::kSucceeded});
}

// With migrations in an image there is no graph to compare the database with: once the succeeded migrate Job
// has gone with its TTL, the recorded run says it is done, and no backup or migration runs again.
TEST_F(JobLifecycleTest, AnImageMigrationWhoseJobsWentWithTheirTtlIsNotRunAgain) {
  apply({{"migrations",
          {{"configMapRef", nullptr}, {"image", {{"image", "registry.example/app-migrations:1"}}}}}});
  reconcile();
  const std::string backup = only_job("backup");
  finish_backup(backup, true);
  reconcile();
  const std::string migrate = only_job("migrate");
  finish_migrate(migrate, true, {"003"});
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kSucceeded);
  EXPECT_FALSE(status().applied_plan_hash.empty());
  cluster.delete_job(kNs, backup);  // ttlSecondsAfterFinished
  cluster.delete_job(kNs, migrate);
  reconcile();
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 2);
  EXPECT_EQ(status().phase, api::Phase::kSucceeded);
  EXPECT_EQ(condition(condition::kReady).status, "True");

  // A new image is a new run.
  apply({{"migrations",
          {{"configMapRef", nullptr}, {"image", {{"image", "registry.example/app-migrations:2"}}}}}});
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 3);
  EXPECT_THAT(jobs_of("backup"), ::testing::SizeIs(1));
}

// This fake starts every Job in the same second, as two quick runs do: the second run's record comes from
// its own Jobs' reports, not from the first run's record that started in that second too.
TEST_F(JobLifecycleTest, ARunStartedInTheSameSecondAsTheLastOneIsRecordedFromItsOwnJobs) {
  apply({{"targetRevision", "002"}});
  reconcile();
  const std::string first_backup = only_job("backup");
  finish_backup(first_backup, true);
  reconcile();
  const std::string first = only_job("migrate");
  finish_migrate(first, true, {"002"});
  reconcile();
  ASSERT_EQ(status().phase, api::Phase::kSucceeded);
  ASSERT_TRUE(status().last_backup.has_value());

  apply({{"targetRevision", "003"}});
  reconcile();
  const auto backups = jobs_of("backup");
  ASSERT_EQ(backups.size(), 2u);
  const std::string second_backup = backups[0]["metadata"].value("name", "") == first_backup
                                        ? backups[1]["metadata"].value("name", "")
                                        : backups[0]["metadata"].value("name", "");
  cluster.finish_job(kNs, second_backup, true,
                     to_json(JobReport{.kind = "backup",
                                       .command = "backup",
                                       .result = "succeeded",
                                       .backup = ReportBackup{.file = "/backups/app-second.dump",
                                                              .size_bytes = 8192,
                                                              .sha256 = std::string(64, 'b'),
                                                              .heads = {"002"},
                                                              .started_at = "2026-11-30T08:00:00Z",
                                                              .finished_at = "2026-11-30T08:00:00Z"}}));
  reconcile();
  ASSERT_TRUE(status().last_backup.has_value());
  EXPECT_EQ(status().last_backup->file, "/backups/app-second.dump");

  std::string second;
  for (const auto& job : jobs_of("migrate"))
    if (job["metadata"].value("name", "") != first) second = job["metadata"].value("name", "");
  ASSERT_FALSE(second.empty());
  finish_migrate(
      second, false, {"002"},
      ReportError{.revision = "003", .sqlstate = "42703", .message = "column \"x\" does not exist"});
  reconcile();
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kFailed);
  ASSERT_TRUE(s.last_run.has_value());
  EXPECT_EQ(s.last_run->result, api::kRunFailed);
  EXPECT_EQ(s.last_run->revision, "003");
  EXPECT_EQ(s.last_run->sqlstate, "42703");
  EXPECT_THAT(condition(condition::kStalled).message, HasSubstr("at revision 003 (SQLSTATE 42703)"));
  EXPECT_EQ(cluster.event_reasons().back(), "MigrationFailed");
}

TEST_F(JobLifecycleTest, AJobPastItsDeadlineIsJobDeadlineExceeded) {
  apply({{"backup", {{"enabled", false}}}, {"job", {{"activeDeadlineSeconds", 600}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.start_job(kNs, migrate);
  cluster.finish_job(kNs, migrate, false, "", "DeadlineExceeded");
  reconcile();
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kJobDeadlineExceeded);
  EXPECT_THAT(stalled.message, HasSubstr(migrate));
  EXPECT_THAT(stalled.message, HasSubstr("activeDeadlineSeconds 600"));
  EXPECT_EQ(status().phase, api::Phase::kFailed);
  EXPECT_EQ(condition(condition::kMigrationSucceeded).reason, reason::kMigrationFailed);
  // One Warning event for the failure, not a second one for the stall.
  const auto events = cluster.event_reasons();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "MigrationFailed");
  EXPECT_EQ(std::count(events.begin(), events.end(), "Blocked"), 0);
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
}

TEST_F(JobLifecycleTest, ABackupPastItsDeadlineStopsTheRunWithJobDeadlineExceeded) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  cluster.finish_job(kNs, backup, false, "", "DeadlineExceeded");
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kJobDeadlineExceeded);
  EXPECT_THAT(condition(condition::kStalled).message, HasSubstr("no migration ran"));
  EXPECT_EQ(condition(condition::kBackupSucceeded).reason, reason::kBackupFailed);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
}

TEST_F(JobLifecycleTest, AServerNewerThanTheBackupJobsPgDumpIsPgDumpTooOld) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  JobReport report{.kind = "backup", .command = "backup", .result = "failed"};
  report.error = ReportError{.message =
                                 "PostgreSQL 19.1 is newer than every pg_dump available: the newest "
                                 "pg_dump here is 18.6 (/usr/lib/postgresql/18/bin/pg_dump)",
                             .code = std::string(report_code::kPgDumpTooOld)};
  cluster.finish_job(kNs, backup, false, to_json(report));
  reconcile();
  EXPECT_EQ(condition(condition::kBackupSucceeded).reason, reason::kPgDumpTooOld);
  const auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.reason, reason::kPgDumpTooOld);
  EXPECT_THAT(stalled.message, HasSubstr("PostgreSQL 19.1 is newer than every pg_dump"));
  EXPECT_THAT(stalled.message, HasSubstr("no migration ran"));
  EXPECT_EQ(status().phase, api::Phase::kFailed);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  // Announced and counted as a failed backup, once, not as Blocked besides.
  const auto events = cluster.event_reasons();
  EXPECT_EQ(std::count(events.begin(), events.end(), "BackupFailed"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "Blocked"), 0);
  // A failed run waits for a retry: no second backup Job.
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kPgDumpTooOld);
}

TEST_F(JobLifecycleTest, AFailedBackupWithoutTheCodeStaysBackupFailed) {
  apply();
  reconcile();
  JobReport report{.kind = "backup", .command = "backup", .result = "failed"};
  report.error = ReportError{.message = "pg_dump 15.18 is older than the server", .code = "SomethingElse"};
  cluster.finish_job(kNs, only_job("backup"), false, to_json(report));
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kBackupFailed);
  EXPECT_EQ(condition(condition::kBackupSucceeded).reason, reason::kBackupFailed);
}

TEST_F(JobLifecycleTest, ASucceededBackupWithAnUnreadableReportIsJobReportInvalid) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  cluster.finish_job(kNs, backup, true, "pg_dump: done\n{not json");
  reconcile();
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kJobReportInvalid);
  EXPECT_THAT(stalled.message, HasSubstr(backup));
  EXPECT_EQ(condition(condition::kBackupSucceeded).status, "False");
  EXPECT_EQ(condition(condition::kBackupSucceeded).reason, reason::kJobReportInvalid);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_EQ(cluster.event_reasons().back(), "Blocked");

  // Not re-run by itself, even once the Job is gone; a retry takes a new backup.
  cluster.delete_job(kNs, backup);
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kJobReportInvalid);
  apply(Json::object(), {{"pgrevise.dev/retry", "1"}});
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_EQ(cluster.job_creations(), 2);
}

TEST_F(JobLifecycleTest, AFailedJobWithAnUnreadableReportIsStillItsStageFailure) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.finish_job(kNs, migrate, false, "Traceback (most recent call last): ...");
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kMigrationFailed);
  EXPECT_THAT(condition(condition::kStalled).message, HasSubstr("BackoffLimitExceeded"));
}

TEST_F(JobLifecycleTest, ARunningJobThatDisappearedIsCreatedAgainAsJobDisappeared) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.start_job(kNs, migrate);
  reconcile();
  cluster.clear_events();
  cluster.delete_job(kNs, migrate);
  reconcile();
  auto reconciling = condition(condition::kReconciling);
  EXPECT_EQ(reconciling.status, "True");
  EXPECT_EQ(reconciling.reason, reason::kJobDisappeared);
  EXPECT_THAT(reconciling.message, HasSubstr(migrate));
  EXPECT_EQ(only_job("migrate"), migrate);
  EXPECT_EQ(cluster.job_creations(), 2);
  EXPECT_EQ(status().active_job, migrate);
  // Said as a Warning event too, like the other failures, with the status's message; once.
  const auto events = cluster.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, controller::EventType::kWarning);
  EXPECT_EQ(events[0].reason, "JobDisappeared");
  EXPECT_EQ(events[0].message, reconciling.message);
  reconcile();
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kMigrationRunning);
  EXPECT_EQ(cluster.job_creations(), 2);
  EXPECT_EQ(cluster.event_reasons(), std::vector<std::string>{"JobDisappeared"});
}

TEST_F(JobLifecycleTest, ANewRetryValueIsAcknowledgedAsRetryRequested) {
  apply();
  reconcile();
  finish_backup(only_job("backup"), false);
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kBackupFailed);

  apply(Json::object(), {{"pgrevise.dev/retry", "2026-11-30"}});
  reconcile();
  auto reconciling = condition(condition::kReconciling);
  EXPECT_EQ(reconciling.status, "True");
  EXPECT_EQ(reconciling.reason, reason::kRetryRequested);
  EXPECT_THAT(reconciling.message, HasSubstr("2026-11-30"));
  EXPECT_EQ(status().last_retry_token, "2026-11-30");
  EXPECT_EQ(status().phase, api::Phase::kBackingUp);
  EXPECT_EQ(jobs_of("backup").size(), 2u);
  reconcile();
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kBackupRunning);
}

TEST_F(JobLifecycleTest, AFirstRunWithARetryAnnotationIsNotARetry) {
  apply(Json::object(), {{"pgrevise.dev/retry", "1"}});
  reconcile();
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kBackupRunning);
}

TEST_F(JobLifecycleTest, ATransientDatabaseErrorIsTransientErrorAndRetried) {
  probe.set_error(
      Error(ErrorKind::kTransient,
            "reading the version table of db:5432: canceling statement due to statement timeout"));
  apply();
  auto result = reconcile();
  EXPECT_TRUE(result.error);
  EXPECT_TRUE(result.transient);
  auto reconciling = condition(condition::kReconciling);
  EXPECT_EQ(reconciling.status, "True");
  EXPECT_EQ(reconciling.reason, reason::kTransientError);
  EXPECT_THAT(reconciling.message, HasSubstr("statement timeout"));
  EXPECT_EQ(condition(condition::kStalled).status, "False");
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());

  probe.set_error(Error(ErrorKind::kBadInput, "reading the version table of db:5432: permission denied"));
  reconcile();
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kVersionTableUnreadable);

  probe.set_error(std::nullopt);
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
}

TEST_F(JobLifecycleTest, AResourceBeingDeletedSaysDeletingAndStartsNothing) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  auto object = resource_json();
  object["metadata"]["deletionTimestamp"] = "2026-11-30T09:00:00Z";
  object["metadata"]["finalizers"] = Json::array({"foregroundDeletion"});
  cluster.apply_resource(object);
  finish_backup(backup, true);
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_FALSE(result.requeue_after.has_value());
  auto reconciling = condition(condition::kReconciling);
  EXPECT_EQ(reconciling.status, "True");
  EXPECT_EQ(reconciling.reason, reason::kDeleting);
  EXPECT_THAT(reconciling.message, HasSubstr(backup));
  EXPECT_EQ(condition(condition::kReady).status, "False");
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_EQ(status().active_job, backup);
  const int writes = cluster.status_writes();
  reconcile();
  EXPECT_EQ(cluster.status_writes(), writes);
  EXPECT_EQ(cluster.job_creations(), 1);
}

TEST_F(JobLifecycleTest, ConditionMessagesAreBoundedAndRedacted) {
  std::map<std::string, std::string> files = linear_migrations();
  for (int i = 0; i < 300; ++i) files["bad_" + std::to_string(100 + i) + ".sql"] = "not a migration\n";
  cluster.put_config_map(kNs, "app-migrations", files);
  apply();
  reconcile();
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.reason, reason::kInvalidMigrations);
  EXPECT_LE(stalled.message.size(), 4096u);
  EXPECT_THAT(stalled.message, HasSubstr("bad_100.sql"));
  EXPECT_THAT(stalled.message, HasSubstr("shortened"));
}

// The database reaches the target as the migrate Job commits its last revision, a moment before the Job's Pod
// has stopped and its report can be read: the run is not done until then, and its record comes from that
// report.
TEST_F(JobLifecycleTest, ADatabaseAtTargetWhileItsMigrateJobStillRunsIsStillMigrating) {
  apply();
  reconcile();
  finish_backup(only_job("backup"), true);
  reconcile();
  const std::string migrate = only_job("migrate");
  probe.set_heads({"003"});  // committed; the runner has not exited yet
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
  EXPECT_EQ(condition(condition::kReady).status, "False");
  EXPECT_EQ(status().active_job, migrate);

  finish_migrate(migrate, true, {"003"});
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kSucceeded);
  EXPECT_EQ(condition(condition::kReady).reason, reason::kUpToDate);
  ASSERT_TRUE(status().last_run.has_value());
  EXPECT_EQ(status().last_run->result, api::kRunSucceeded);
  EXPECT_EQ(cluster.job_creations(), 2);
}

}  // namespace
}  // namespace pgrevise::testing
