#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/reasons.h"
#include "controller/events.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

namespace reason = api::reason;
namespace condition = api::condition;
namespace event = controller::event;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ReconcilerTest : public ControllerTest {};

// A first install goes through a backup, then a migration, then Ready: one behaviour per step below.
class FirstInstall : public ReconcilerTest {
 protected:
  // The backup Job the first reconcile creates, started.
  std::string backup_started() {
    apply();
    reconcile();
    const std::string backup = only_job("backup");
    cluster.start_job(kNs, backup);
    return backup;
  }
  // The migrate Job created once the backup succeeded.
  std::string migrate_created() {
    finish_backup(backup_started(), true);
    reconcile();
    return only_job("migrate");
  }
  // The reconcile after the migration succeeded.
  ReconcileResult migration_finished() {
    finish_migrate(migrate_created(), true, {"003"});
    return reconcile();
  }
};

TEST_F(FirstInstall, FirstReconcileCreatesOnlyTheBackupJobAndPollsIt) {
  apply();
  const auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_EQ(result.requeue_after, options.job_poll_interval);
  const std::string backup = only_job("backup");
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_THAT(cluster.event_reasons(), ElementsAre(event::kBackupStarted));
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kBackingUp);
  EXPECT_EQ(s.active_job, backup);
}

TEST_F(FirstInstall, BackingUpStatusNamesThePendingRevisionsAndTarget) {
  apply();
  reconcile();
  const auto s = status();
  EXPECT_THAT(s.pending_revisions, ElementsAre("001", "002", "003"));
  EXPECT_THAT(s.target_heads, ElementsAre("003"));
  EXPECT_EQ(condition(condition::kReconciling).status, api::kConditionTrue);
  EXPECT_EQ(condition(condition::kReady).status, api::kConditionFalse);
}

TEST_F(FirstInstall, SucceededBackupIsRecordedAndStartsTheMigrateJob) {
  const std::string migrate = migrate_created();
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kMigrating);
  EXPECT_EQ(s.active_job, migrate);
  ASSERT_TRUE(s.last_backup.has_value());
  EXPECT_EQ(s.last_backup->file, "/backups/app-20261130T080000Z.dump");
  EXPECT_EQ(s.last_backup->size_bytes, 4096);
  EXPECT_EQ(condition(condition::kBackupSucceeded).status, api::kConditionTrue);
  EXPECT_THAT(cluster.event_reasons(),
              ElementsAre(event::kBackupStarted, event::kBackupSucceeded, event::kMigrationStarted));
}

TEST_F(FirstInstall, MigratingStatusShowsProgressFromTheFirstPendingRevision) {
  migrate_created();
  const auto s = status();
  ASSERT_TRUE(s.progress.has_value());
  EXPECT_EQ(s.progress->revision, "001");
  EXPECT_EQ(s.progress->total, 3);
}

TEST_F(FirstInstall, SucceededMigrationMakesTheResourceReadyAtTheTarget) {
  EXPECT_FALSE(migration_finished().error);
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kSucceeded);
  EXPECT_THAT(s.current_heads, ElementsAre("003"));
  EXPECT_THAT(s.pending_revisions, IsEmpty());
  EXPECT_EQ(s.active_job, "");
  EXPECT_FALSE(s.progress.has_value());
  EXPECT_EQ(condition(condition::kReady).status, api::kConditionTrue);
  EXPECT_EQ(condition(condition::kReady).reason, reason::kUpToDate);
  EXPECT_EQ(condition(condition::kStalled).status, api::kConditionFalse);
  EXPECT_EQ(condition(condition::kMigrationSucceeded).status, api::kConditionTrue);
}

TEST_F(FirstInstall, SucceededMigrationIsRecordedAsTheLastRunWithItsSteps) {
  migration_finished();
  const auto s = status();
  ASSERT_TRUE(s.last_run.has_value());
  EXPECT_EQ(s.last_run->result, api::kRunSucceeded);
  ASSERT_EQ(s.last_run->steps.size(), 3u);
  EXPECT_EQ(s.last_run->steps[2].revision, "003");
  EXPECT_THAT(cluster.event_reasons(), ElementsAre(event::kBackupStarted, event::kBackupSucceeded,
                                                   event::kMigrationStarted, event::kMigrated));
  EXPECT_EQ(cluster.job_creations(), 2);
}

TEST_F(FirstInstall, SucceededMigrationIsCountedInTheMetrics) {
  migration_finished();
  EXPECT_EQ(metrics.phase, metrics::Phase::kSucceeded);
  EXPECT_EQ(metrics.runs, std::vector<metrics::RunResult>{metrics::RunResult::kSucceeded});
  EXPECT_EQ(metrics.backups, std::vector<metrics::RunResult>{metrics::RunResult::kSucceeded});
  EXPECT_THAT(metrics.steps, ElementsAre("001", "002", "003"));
  EXPECT_EQ(metrics.successes, 1);
}

TEST_F(ReconcilerTest, LiveProgressComesFromTheHistoryTableOfTheCurrentRun) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.start_job(kNs, migrate);
  probe.set_heads({"001"});
  probe.set_progress(controller::MigrationProgress{
      .run_id = "r1", .total = 3, .done = 1, .running = "", .started_at = "2026-11-30T08:00:00.250Z"});
  reconcile();
  auto s = status();
  ASSERT_TRUE(s.progress.has_value());
  EXPECT_EQ(s.progress->done, 1);
  EXPECT_EQ(s.progress->total, 3);
  EXPECT_EQ(s.progress->revision, "002");
  EXPECT_THAT(s.current_heads, ElementsAre("001"));
}

TEST_F(ReconcilerTest, AlreadyAtTargetCreatesNoJob) {
  probe.set_heads({"003"});
  apply();
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_EQ(result.requeue_after, options.resync_interval);
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(status().phase, api::Phase::kSucceeded);
  EXPECT_EQ(condition(condition::kReady).status, "True");
  EXPECT_THAT(cluster.event_reasons(), IsEmpty());
}

TEST_F(ReconcilerTest, StatusWriteSkippedWhenNothingChanged) {
  probe.set_heads({"003"});
  apply();
  reconcile();
  EXPECT_EQ(cluster.status_writes(), 1);
  clock.advance(std::chrono::minutes(10));
  reconcile();
  reconcile();
  EXPECT_EQ(cluster.status_writes(), 1);
}

TEST_F(ReconcilerTest, DuplicateReconcilesNeverCreateASecondJob) {
  apply();
  reconcile();
  reconcile();
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_EQ(cluster.job_creations(), 1);
  // A restarted operator with the status lost computes the same name and finds the Job.
  auto object = *cluster.get_resource(kNs, kName);
  object["status"] = Json::object();
  cluster.update_status(object);
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(status().active_job, only_job("backup"));
}

TEST_F(ReconcilerTest, ALongResourceNameStillFindsItsJob) {
  const std::string long_name(80, 'a');
  auto object = resource_json();
  object["metadata"]["name"] = long_name;
  cluster.apply_resource(object);
  reconciler->reconcile(kNs, long_name);
  reconciler->reconcile(kNs, long_name);
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(cluster.get_resource(kNs, long_name)->at("status").value("phase", ""), "BackingUp");
  finish_backup(only_job("backup"), true);
  reconciler->reconcile(kNs, long_name);
  EXPECT_EQ(cluster.get_resource(kNs, long_name)->at("status").value("phase", ""), "Migrating");
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
}

TEST_F(ReconcilerTest, AJobMissingFromALaggingListIsFoundNotDuplicated) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  finish_backup(backup, true);
  cluster.set_list_lagging(true);
  auto result = reconcile();
  EXPECT_EQ(result.requeue_after, options.job_poll_interval);
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  cluster.set_list_lagging(false);
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
}

TEST_F(ReconcilerTest, BackupFailureBlocksTheMigration) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  finish_backup(backup, false);
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kFailed);
  EXPECT_EQ(condition(condition::kStalled).status, "True");
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kBackupFailed);
  EXPECT_NE(condition(condition::kStalled).message.find("permission denied"), std::string::npos);
  EXPECT_EQ(condition(condition::kBackupSucceeded).status, "False");
  EXPECT_EQ(cluster.event_reasons().back(), "BackupFailed");
  EXPECT_EQ(metrics.backups, std::vector<metrics::RunResult>{metrics::RunResult::kFailed});
  reconcile();
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_EQ(cluster.job_creations(), 1);
}

TEST_F(ReconcilerTest, MigrationFailureIsRecordedAndNotRetriedUntilTheRetryAnnotationChanges) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  finish_migrate(
      migrate, false, {"001"},
      ReportError{.revision = "002", .sqlstate = "42P07", .message = "relation \"projects\" already exists"});
  reconcile();
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kFailed);
  ASSERT_TRUE(s.last_run.has_value());
  EXPECT_EQ(s.last_run->result, api::kRunFailed);
  EXPECT_EQ(s.last_run->revision, "002");
  EXPECT_EQ(s.last_run->sqlstate, "42P07");
  EXPECT_THAT(s.current_heads, ElementsAre("001"));
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kMigrationFailed);
  EXPECT_NE(stalled.message.find("002"), std::string::npos);
  EXPECT_NE(stalled.message.find("42P07"), std::string::npos);
  EXPECT_EQ(condition(condition::kMigrationSucceeded).status, "False");
  auto events = cluster.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().reason, "MigrationFailed");
  EXPECT_EQ(events.back().type, controller::EventType::kWarning);
  EXPECT_NE(events.back().message.find("42P07"), std::string::npos);

  // The finished Job goes away (ttlSecondsAfterFinished): the failed plan still does not run again.
  cluster.delete_job(kNs, migrate);
  reconcile();
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(status().phase, api::Phase::kFailed);
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kMigrationFailed);

  apply({{"backup", {{"enabled", false}}}}, {{"pgrevise.dev/retry", "1"}});
  reconcile();
  const std::string retried = only_job("migrate");
  EXPECT_NE(retried, migrate);
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
}

TEST_F(ReconcilerTest, FailedJobStillPresentIsNotRerunWithoutRetry) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  finish_migrate(only_job("migrate"), false, {},
                 ReportError{.revision = "001", .sqlstate = "42601", .message = "syntax"});
  for (int i = 0; i < 3; ++i) reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(metrics.runs, std::vector<metrics::RunResult>{metrics::RunResult::kFailed});
}

TEST_F(ReconcilerTest, DowngradeRefusedThenAllowed) {
  probe.set_heads({"003"});
  apply({{"targetRevision", "001"}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(status().phase, api::Phase::kBlocked);
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kDowngradeNotAllowed);
  EXPECT_NE(stalled.message.find("003"), std::string::npos);
  EXPECT_THAT(status().pending_revisions, ElementsAre("003", "002"));
  EXPECT_THAT(cluster.event_reasons(), ElementsAre(event::kBlocked));

  apply({{"targetRevision", "001"}, {"safety", {{"allowDowngrade", true}}}});
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_EQ(condition(condition::kStalled).status, "False");
  EXPECT_EQ(status().phase, api::Phase::kBackingUp);
}

TEST_F(ReconcilerTest, ANewRunWaitsForTheJobOfTheEarlierRun) {
  apply();
  reconcile();
  const std::string first_backup = only_job("backup");
  cluster.start_job(kNs, first_backup);
  apply({{"targetRevision", "002"}});  // bumped while the first run's backup is running
  auto result = reconcile();
  EXPECT_EQ(result.requeue_after, options.job_poll_interval);
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(status().active_job, first_backup);
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kProgressing);

  finish_backup(first_backup, true);
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 2u);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_THAT(status().target_heads, ElementsAre("002"));
}

TEST_F(ReconcilerTest, MigrationsFromAnImageRunWithoutAGraph) {
  apply({{"migrations",
          {{"configMapRef", nullptr}, {"image", {{"image", "app:1.4.2"}, {"path", "/app/migrations"}}}}}});
  reconcile();
  const std::string backup = only_job("backup");
  EXPECT_EQ(status().phase, api::Phase::kBackingUp);
  finish_backup(backup, true);
  reconcile();
  const std::string migrate = only_job("migrate");
  finish_migrate(migrate, true, {"003"});
  reconcile();
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kSucceeded);
  EXPECT_THAT(s.current_heads, ElementsAre("003"));
  EXPECT_THAT(s.target_heads, ElementsAre("003"));
  EXPECT_EQ(condition(condition::kReady).reason, reason::kUpToDate);
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 2);
}

TEST_F(ReconcilerTest, UnknownTargetIsInvalid) {
  apply({{"targetRevision", "999"}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kInvalidTarget);
  EXPECT_NE(stalled.message.find("999"), std::string::npos);
}

TEST_F(ReconcilerTest, HeadWithSeveralHeadsIsInvalidButHeadsIsFine) {
  cluster.put_config_map(kNs, "app-migrations", branched_migrations());
  apply({{"targetRevision", "head"}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kInvalidTarget);

  apply({{"targetRevision", "heads"}});
  reconcile();
  EXPECT_THAT(status().target_heads, ElementsAre("002a", "002b"));
  EXPECT_EQ(jobs_of("backup").size(), 1u);
}

TEST_F(ReconcilerTest, MissingSecretIsReportedAndLookedForAgain) {
  apply({{"database", {{"urlSecretRef", {{"name", "missing"}, {"key", "url"}}}}}});
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_EQ(result.requeue_after, options.recheck_interval);
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kSecretNotFound);
  EXPECT_EQ(status().phase, api::Phase::kBlocked);

  cluster.put_secret(kNs, "missing", {{"other", "x"}});
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kSecretKeyNotFound);

  cluster.put_secret(kNs, "missing", {{"url", "postgresql://app:pw@db/app"}});
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).status, "False");
  EXPECT_EQ(jobs_of("backup").size(), 1u);
}

TEST_F(ReconcilerTest, MissingConfigMapIsReported) {
  cluster.delete_config_map(kNs, "app-migrations");
  apply();
  auto result = reconcile();
  EXPECT_EQ(result.requeue_after, options.recheck_interval);
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kConfigMapNotFound);
  EXPECT_EQ(probe.reads(), 0);
}

TEST_F(ReconcilerTest, BrokenGraphIsInvalidMigrations) {
  auto files = linear_migrations();
  files["004_orphan.sql"] = migration("004", "missing", "orphans");
  cluster.put_config_map(kNs, "app-migrations", files);
  apply();
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.reason, reason::kInvalidMigrations);
  EXPECT_NE(stalled.message.find("missing"), std::string::npos);
}

TEST_F(ReconcilerTest, InvalidSpecIsStalledWithTheFieldPath) {
  apply({{"targetRevision", ""}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.reason, reason::kInvalidSpec);
  EXPECT_NE(stalled.message.find("spec.targetRevision"), std::string::npos);
}

TEST_F(ReconcilerTest, SuspendStartsNoJob) {
  apply({{"suspend", true}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(condition(condition::kReady).reason, reason::kSuspended);
  EXPECT_EQ(condition(condition::kStalled).status, "False");
  EXPECT_EQ(condition(condition::kReconciling).status, "False");
  apply({{"suspend", false}});
  reconcile();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
}

TEST_F(ReconcilerTest, DryRunPublishesTheSqlAndRunsNoMigration) {
  probe.set_heads({"001"});
  apply({{"dryRun", true}});
  reconcile();
  const std::string plan = only_job("plan");
  EXPECT_THAT(jobs_of("backup"), IsEmpty());
  EXPECT_EQ(condition(condition::kReconciling).reason, reason::kDryRunRunning);
  finish_plan(plan, true);
  reconcile();
  auto s = status();
  ASSERT_FALSE(s.dry_run_config_map.empty());
  auto cm = cluster.get_config_map(kNs, s.dry_run_config_map);
  ASSERT_TRUE(cm.has_value());
  const std::string sql = (*cm)["data"]["plan.sql"].get<std::string>();
  EXPECT_NE(sql.find("CREATE TABLE projects"), std::string::npos);
  EXPECT_NE(sql.find("CREATE TABLE tasks"), std::string::npos);
  EXPECT_EQ(sql.find("CREATE TABLE users"), std::string::npos);  // 001 is applied already
  EXPECT_EQ((*cm)["data"]["pending"], "002,003");
  EXPECT_EQ(condition(condition::kReady).status, "True");
  EXPECT_EQ(condition(condition::kReady).reason, reason::kDryRunComplete);
  EXPECT_THAT(jobs_of("migrate"), IsEmpty());
  EXPECT_EQ(cluster.event_reasons().back(), "DryRunComplete");
  const int writes = cluster.status_writes();
  reconcile();
  EXPECT_EQ(cluster.status_writes(), writes);
}

TEST_F(ReconcilerTest, FailedDryRunIsStalled) {
  apply({{"dryRun", true}});
  reconcile();
  finish_plan(only_job("plan"), false);
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kDryRunFailed);
  EXPECT_NE(condition(condition::kStalled).message.find("could not connect"), std::string::npos);
}

TEST_F(ReconcilerTest, StatusConflictIsRetriedByReadingAgain) {
  apply();
  cluster.inject_conflicts(2);
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_EQ(cluster.status_writes(), 1);
  EXPECT_EQ(status().phase, api::Phase::kBackingUp);
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_THAT(cluster.event_reasons(), ElementsAre(event::kBackupStarted));
}

TEST_F(ReconcilerTest, EndlessConflictsEndInATransientError) {
  apply();
  cluster.inject_conflicts(100);
  auto result = reconcile();
  EXPECT_TRUE(result.error);
  EXPECT_TRUE(result.transient);
  EXPECT_EQ(cluster.job_creations(), 1);
}

TEST_F(ReconcilerTest, ConditionsCarryTheObservedGeneration) {
  probe.set_heads({"003"});
  apply();
  reconcile();
  EXPECT_EQ(status().observed_generation, 1);
  apply({{"targetRevision", "003"}});
  reconcile();
  auto s = status();
  EXPECT_EQ(s.observed_generation, 2);
  ASSERT_FALSE(s.conditions.empty());
  for (const auto& c : s.conditions) EXPECT_EQ(c.observed_generation, 2) << c.type;
  EXPECT_TRUE(api::conditions_current(s.conditions, 2));
}

TEST_F(ReconcilerTest, UnreachableDatabaseRequeuesWithBackoff) {
  probe.set_unreachable(true);
  apply();
  auto result = reconcile();
  EXPECT_TRUE(result.error);
  EXPECT_TRUE(result.transient);
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto reconciling = condition(condition::kReconciling);
  EXPECT_EQ(reconciling.status, "True");
  EXPECT_EQ(reconciling.reason, reason::kDatabaseUnreachable);
  EXPECT_EQ(condition(condition::kStalled).status, "False");
}

// A server certificate that the TLS settings refuse cannot get better by retrying: Stalled, with a reason of
// its own and libpq's words, and no Job.
TEST_F(ReconcilerTest, RefusedServerCertificateIsStalledNotRetried) {
  probe.set_error(
      Error(ErrorKind::kConnection, "could not connect to db:5432: SSL error: certificate verify failed"));
  apply();
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, reason::kDatabaseCertificateRejected);
  EXPECT_THAT(stalled.message, ::testing::HasSubstr("certificate verify failed"));
  EXPECT_NE(condition(condition::kReconciling).reason, reason::kDatabaseUnreachable);
}

TEST_F(ReconcilerTest, OutOfBandChangeIsReported) {
  probe.set_heads({"003"});
  apply();
  reconcile();
  probe.set_heads({"zzz"});
  reconcile();
  EXPECT_THAT(status().current_heads, ElementsAre("zzz"));
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kOutOfBandChange);
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
}

TEST_F(ReconcilerTest, DeletedResourceForgetsItsMetrics) {
  apply();
  reconcile();
  cluster.delete_resource(kNs, kName);
  auto result = reconcile();
  EXPECT_FALSE(result.error);
  EXPECT_FALSE(result.requeue_after.has_value());
  EXPECT_THAT(metrics.forgotten, ElementsAre("apps/app-db"));
}

TEST_F(ReconcilerTest, SecretsNeverReachStatusEventsOrJobs) {
  probe.set_unreachable(true);
  apply();
  reconcile();
  probe.set_unreachable(false);
  reconcile();
  finish_backup(only_job("backup"), false);
  reconcile();
  const std::string everything = cluster.get_resource(kNs, kName)->dump();
  EXPECT_EQ(everything.find(kPassword), std::string::npos);
  for (const auto& e : cluster.events()) EXPECT_EQ(e.message.find(kPassword), std::string::npos);
  for (const auto& job : cluster.jobs(kNs)) EXPECT_EQ(job.dump().find(kPassword), std::string::npos);
  ASSERT_TRUE(probe.last_target().has_value());
  EXPECT_EQ(probe.last_target()->display.find(kPassword), std::string::npos);
  EXPECT_NE(probe.last_target()->conninfo.find(kPassword), std::string::npos);
}

TEST_F(ReconcilerTest, HostFormResolvesThePasswordSecretAndVersionTable) {
  cluster.put_secret(kNs, "pw", {{"password", "p'w"}});
  apply({{"database",
          {{"urlSecretRef", nullptr},
           {"host", "db.internal"},
           {"dbname", "app"},
           {"user", "app"},
           {"passwordSecretRef", {{"name", "pw"}, {"key", "password"}}}}},
         {"versionTable", {{"schema", "meta"}, {"name", "versions"}}}});
  reconcile();
  auto target = probe.last_target();
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->conninfo, "host='db.internal' port='5432' dbname='app' user='app' password='p\\'w'");
  EXPECT_EQ(target->version_table.schema, "meta");
  EXPECT_EQ(target->version_table.name, "versions");
  EXPECT_EQ(target->display.find("p'w"), std::string::npos);
}

}  // namespace
}  // namespace pgrevise::testing
