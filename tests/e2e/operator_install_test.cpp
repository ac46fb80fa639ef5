// The operator's main path end to end: install to the target with a backup first, then a GitOps-style bump,
// then nothing to do. The `pgrevise operator` process talks to the fake API server; the fake kubelet runs
// its Jobs as local processes against a real database.
#include <algorithm>

#include "e2e/metrics_text.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

std::string backup_claim_dir(const std::filesystem::path& kubelet_dir) {
  return (kubelet_dir / "claims" / kNamespace / "db-backups").string();
}

std::size_t dump_files_in(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && name.find("manifest") == std::string::npos && name[0] != '.') ++n;
  }
  return n;
}

TEST_F(OperatorE2eTest, FirstInstallToHeadsTakesABackupThenMigrates) {
  create_inputs();
  auto& op = start_operator();
  const auto before = http_get(op.metrics_port(), "/metrics");
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(metric_value(before->body, "pgrevise_migration_runs_total", {"result=\"succeeded\""}), 0);

  create_resource("heads");
  const Json r = wait_ready();

  EXPECT_EQ(heads(), "0016");
  EXPECT_EQ(joined(r["status"].value("currentHeads", std::vector<std::string>{})), "0016");
  EXPECT_EQ(r["status"].value("phase", ""), "Succeeded");
  EXPECT_TRUE(r["status"].value("pendingRevisions", Json::array()).empty());
  EXPECT_TRUE(condition_true(r, "BackupSucceeded")) << r.dump(2);
  EXPECT_TRUE(condition_true(r, "MigrationSucceeded")) << r.dump(2);
  EXPECT_FALSE(condition_true(r, "Stalled"));
  EXPECT_FALSE(condition_true(r, "Reconciling"));
  EXPECT_FALSE(r["status"].value("lastBackup", Json::object()).value("file", "").empty()) << r.dump(2);
  EXPECT_EQ(r["status"].value("lastRun", Json::object()).value("result", ""), "Succeeded");

  ASSERT_EQ(jobs_of("backup").size(), 1u);
  ASSERT_EQ(jobs_of("migrate").size(), 1u);
  EXPECT_EQ(jobs().size(), 2u);
  EXPECT_TRUE(condition_true(jobs_of("backup")[0], "Complete"));
  EXPECT_TRUE(condition_true(jobs_of("migrate")[0], "Complete"));
  EXPECT_EQ(dump_files_in(backup_claim_dir(dir_.path() / "kubelet")), 1u);

  std::vector<std::string> reasons;
  for (const auto& [reason, note] : event_reasons()) reasons.push_back(reason);
  for (const char* expected : {"BackupStarted", "BackupSucceeded", "MigrationStarted", "Migrated"})
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), expected), reasons.end()) << expected;

  // The operator's RBAC grants only `get` on Secrets.
  int secret_reads = 0;
  for (const auto& request : server_.requests())
    if (request.resource == "/secrets" && request.user == "system:serviceaccount:pgrevise:operator") {
      EXPECT_EQ(request.verb, "get") << request.target;
      ++secret_reads;
    }
  EXPECT_GT(secret_reads, 0);

  const auto after = http_get(op.metrics_port(), "/metrics");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(metric_value(after->body, "pgrevise_migration_runs_total", {"result=\"succeeded\""}), 1);
  EXPECT_EQ(metric_value(after->body, "pgrevise_backup_runs_total", {"result=\"succeeded\""}), 1);
  EXPECT_EQ(metric_value(after->body, "pgrevise_migration_pending_revisions", {"name=\"app\""}), 0);
  EXPECT_EQ(metric_value(after->body, "pgrevise_migration_phase", {"phase=\"Succeeded\""}), 1);
}

// A webhook injects a database proxy as a regular container, which sorts before the backup and migrate
// containers, and a mesh proxy as a native sidecar: the reports are read all the same.
TEST_F(OperatorE2eTest, InjectedSidecarsDoNotHideTheJobsReports) {
  set_pod_mutation([](Json& pod) {
    pod["spec"]["containers"].push_back({{"name", "cloud-sql-proxy"}, {"image", "proxy"}});
    pod["spec"]["initContainers"].push_back(
        {{"name", "istio-proxy"}, {"image", "proxy"}, {"restartPolicy", "Always"}});
  });
  create_inputs();
  start_operator();
  create_resource("heads");
  const Json r = wait_ready();

  EXPECT_EQ(heads(), "0016");
  const Json backup = r["status"].value("lastBackup", Json::object());
  EXPECT_FALSE(backup.value("file", "").empty()) << r.dump(2);
  EXPECT_EQ(backup.value("sha256", "").size(), 64u) << r.dump(2);
  const Json run = r["status"].value("lastRun", Json::object());
  EXPECT_EQ(run.value("result", ""), "Succeeded");
  EXPECT_EQ(run.value("steps", Json::array()).size(), 16u) << r.dump(2);
}

TEST_F(OperatorE2eTest, BumpingTheTargetRunsExactlyOneNewBackupAndMigration) {
  create_inputs();
  start_operator();
  create_resource("0005");
  wait_ready();
  EXPECT_EQ(heads(), "0005");
  ASSERT_EQ(jobs_of("backup").size(), 1u);
  ASSERT_EQ(jobs_of("migrate").size(), 1u);

  patch_resource({{"spec", {{"targetRevision", "heads"}}}});  // what a GitOps commit does
  const Json r = wait_ready();
  EXPECT_EQ(r["metadata"].value("generation", 0), 2);
  EXPECT_EQ(heads(), "0016");
  EXPECT_EQ(jobs_of("backup").size(), 2u);
  EXPECT_EQ(jobs_of("migrate").size(), 2u);
  EXPECT_EQ(jobs().size(), 4u);
  EXPECT_EQ(dump_files_in(backup_claim_dir(dir_.path() / "kubelet")), 2u);
  // The second backup was taken at the first target.
  EXPECT_EQ(r["status"]["lastBackup"].value("revision", ""), "0005") << r.dump(2);
}

TEST_F(OperatorE2eTest, AlreadyAtTargetCreatesNoJob) {
  create_inputs();
  const auto migrated = testing::run_pgrevise(
      {"migrate", "upgrade", "heads", "--dir", example_migrations().string(), "--database-url", db_.url()});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  start_operator();
  create_resource("heads");
  const Json r = wait_ready();
  EXPECT_EQ(joined(r["status"].value("currentHeads", std::vector<std::string>{})), "0016");
  EXPECT_TRUE(jobs().empty());
}

TEST_F(OperatorE2eTest, DowngradeIsRefusedUntilAllowed) {
  create_inputs();
  start_operator();
  create_resource("heads");
  wait_ready();
  ASSERT_EQ(heads(), "0016");

  patch_resource({{"spec", {{"targetRevision", "0005"}}}});
  wait_for_resource([](const Json& r) { return has_reason(r, "DowngradeNotAllowed"); },
                    "DowngradeNotAllowed");
  EXPECT_EQ(heads(), "0016");
  EXPECT_EQ(jobs_of("migrate").size(), 1u);

  patch_resource({{"spec", {{"safety", {{"allowDowngrade", true}}}}}});
  wait_ready();
  EXPECT_EQ(heads(), "0005");
  EXPECT_EQ(jobs_of("migrate").size(), 2u);
}

TEST_F(OperatorE2eTest, DryRunPublishesTheSqlAndChangesNothing) {
  create_inputs();
  start_operator();
  create_resource("heads", {{"dryRun", true}});
  const Json r = wait_for_resource(
      [](const Json& r) {
        return !r.value("status", Json::object()).value("dryRunConfigMap", "").empty() &&
               has_reason(r, "DryRunComplete");
      },
      "a dry run's SQL published");
  const std::string name = r["status"].value("dryRunConfigMap", "");
  const Json cm = client_->get(kube::resources::config_maps(), kNamespace, name);
  std::string sql;
  const Json data = cm.value("data", Json::object());
  for (const auto& [key, value] : data.items()) sql += value.get<std::string>();
  EXPECT_NE(sql.find("CREATE TABLE"), std::string::npos) << cm.dump(2);
  EXPECT_EQ(heads(), "");
  EXPECT_TRUE(jobs_of("migrate").empty());
  EXPECT_TRUE(jobs_of("backup").empty());
  EXPECT_EQ(jobs_of("plan").size(), 1u);
}

TEST_F(OperatorE2eTest, SuspendedResourceStartsNoJobUntilResumed) {
  create_inputs();
  start_operator();
  create_resource("heads", {{"suspend", true}});
  wait_for_resource([](const Json& r) { return has_reason(r, "Suspended"); }, "Suspended");
  EXPECT_TRUE(jobs().empty());
  patch_resource({{"spec", {{"suspend", false}}}});
  wait_ready();
  EXPECT_EQ(heads(), "0016");
}

TEST_F(OperatorE2eTest, OutOfBandChangeIsReported) {
  create_inputs();
  start_operator({"--resync-period", "2s"});
  create_resource("0005");
  wait_ready();
  ASSERT_EQ(jobs_of("migrate").size(), 1u);

  // Someone upgrades by hand: the operator reports the new heads and refuses to undo it by itself.
  const auto moved = testing::run_pgrevise(
      {"migrate", "upgrade", "0006", "--dir", example_migrations().string(), "--database-url", db_.url()});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  Json r = wait_for_resource(
      [](const Json& r) {
        return joined(r.value("status", Json::object()).value("currentHeads", std::vector<std::string>{})) ==
                   "0006" &&
               !condition_true(r, "Ready");
      },
      "currentHeads 0006 and not Ready");
  EXPECT_TRUE(has_reason(r, "DowngradeNotAllowed")) << r.dump(2);
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
  EXPECT_EQ(heads(), "0006");

  // A revision the migrations do not know: blocked with OutOfBandChange, and a Blocked event.
  db_.exec("UPDATE alembic_version SET version_num = 'f00d'");
  r = wait_for_resource([](const Json& r) { return has_reason(r, "OutOfBandChange"); }, "OutOfBandChange");
  EXPECT_TRUE(condition_true(r, "Stalled")) << r.dump(2);
  EXPECT_EQ(r["status"].value("phase", ""), "Blocked");
  EXPECT_TRUE(eventually(
      [&] {
        for (const auto& [reason, note] : event_reasons())
          if (reason == "Blocked" && note.find("OutOfBandChange") != std::string::npos) return true;
        return false;
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
}

}  // namespace
}  // namespace pgrevise::e2e
