// What goes wrong, end to end: a migration the database refuses, a backup that fails, and specs that cannot
// work. Each must surface as a clear condition, with no Job where none may run.
#include <algorithm>
#include <thread>

#include "e2e/metrics_text.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

std::size_t count_reason(const std::vector<std::pair<std::string, std::string>>& events,
                         const std::string& reason, const std::vector<std::string>& note_parts = {}) {
  return std::count_if(events.begin(), events.end(), [&](const auto& e) {
    if (e.first != reason) return false;
    for (const auto& part : note_parts)
      if (e.second.find(part) == std::string::npos) return false;
    return true;
  });
}

// Holds for a few seconds: used only to check that something does NOT happen after a trigger.
bool stays(const std::function<bool()>& condition,
           std::chrono::milliseconds how_long = std::chrono::seconds(4)) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
    if (!condition()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return condition();
}

class FailingMigrationTest : public OperatorE2eTest {
 protected:
  void write_migrations() {
    dir_.write("m/a.sql", testing::migration("a", "", "CREATE TABLE items (id int);", "DROP TABLE items;"));
    dir_.write("m/b.sql", testing::migration("b", "a", "ALTER TABLE items ADD COLUMN name text;",
                                             "ALTER TABLE items DROP COLUMN name;"));
    dir_.write("m/c.sql", testing::migration("c", "b", "UPDATE items SET no_such_column = 1;", ""));
  }
};

TEST_F(FailingMigrationTest, FailureCarriesRevisionAndSqlstateAndIsNotRetriedUntilAsked) {
  write_migrations();
  create_inputs(dir_.path() / "m");
  auto& op = start_operator();
  create_resource("heads");
  Json r =
      wait_for_resource([](const Json& r) { return has_reason(r, "MigrationFailed"); }, "MigrationFailed");

  const Json last_run = r["status"].value("lastRun", Json::object());
  EXPECT_EQ(last_run.value("result", ""), "Failed") << r.dump(2);
  EXPECT_EQ(last_run.value("revision", ""), "c");
  EXPECT_EQ(last_run.value("sqlstate", ""), "42703");
  EXPECT_EQ(r["status"].value("phase", ""), "Failed");
  EXPECT_FALSE(condition_true(r, "Ready"));
  EXPECT_EQ(heads(), "b");  // earlier revisions stay applied
  EXPECT_TRUE(eventually(
      [&] {
        return count_reason(event_reasons(), "MigrationFailed", {"c", "42703"}) == 1;
      },
      std::chrono::seconds(30)))
      << "no MigrationFailed event naming revision c and SQLSTATE 42703";
  const auto metrics = http_get(op.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metric_value(metrics->body, "pgrevise_migration_runs_total", {"result=\"failed\""}), 1);

  // A change that is not the spec wakes the operator but does not re-run the failed plan.
  patch_resource({{"metadata", {{"labels", {{"team", "billing"}}}}}});
  EXPECT_TRUE(stays([&] { return jobs_of("migrate").size() == 1; }));

  patch_resource({{"metadata", {{"annotations", {{"pgrevise.dev/retry", "1"}}}}}});
  EXPECT_TRUE(eventually([&] { return jobs_of("migrate").size() == 2; })) << logs();
  r = wait_for_resource(
      [](const Json& r) {
        return has_reason(r, "MigrationFailed") && r["status"].value("lastRetryToken", "") == "1";
      },
      "the retried run failed again");
  EXPECT_EQ(heads(), "b");
}

TEST_F(OperatorE2eTest, FailingBackupBlocksTheMigration) {
  set_job_env("backup", failing_pg_dump_env());
  create_inputs();
  auto& op = start_operator();
  create_resource("heads");
  const Json r =
      wait_for_resource([](const Json& r) { return has_reason(r, "BackupFailed"); }, "BackupFailed");
  EXPECT_FALSE(condition_true(r, "BackupSucceeded"));
  EXPECT_FALSE(condition_true(r, "Ready"));
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_TRUE(stays([&] { return jobs_of("migrate").empty(); }));
  EXPECT_EQ(heads(), "");
  const auto metrics = http_get(op.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metric_value(metrics->body, "pgrevise_backup_runs_total", {"result=\"failed\""}), 1);
}

TEST_F(OperatorE2eTest, MissingSecretIsAConditionWithNoJob) {
  client_->create(kube::resources::config_maps(), kNamespace,
                  migrations_config_map(kNamespace, "app-migrations", example_migrations()));
  start_operator();
  create_resource("heads");
  const Json r =
      wait_for_resource([](const Json& r) { return has_reason(r, "SecretNotFound"); }, "SecretNotFound");
  EXPECT_FALSE(condition_true(r, "Ready"));
  EXPECT_TRUE(stays([&] { return jobs().empty(); }));
}

TEST_F(OperatorE2eTest, MissingConfigMapIsAConditionWithNoJobUntilItAppears) {
  client_->create(kube::resources::secrets(), kNamespace, secret(kNamespace, "app-db", "url", db_.url()));
  start_operator();
  create_resource("heads");
  wait_for_resource([](const Json& r) { return has_reason(r, "ConfigMapNotFound"); }, "ConfigMapNotFound");
  EXPECT_TRUE(stays([&] { return jobs().empty(); }));
  // The ConfigMap watch brings the resource back as soon as the migrations exist.
  client_->create(kube::resources::config_maps(), kNamespace,
                  migrations_config_map(kNamespace, "app-migrations", example_migrations()));
  wait_ready();
  EXPECT_EQ(heads(), "0016");
}

TEST_F(OperatorE2eTest, UnknownTargetIsStalledWithNoJob) {
  create_inputs();
  start_operator();
  create_resource("9999");
  const Json r =
      wait_for_resource([](const Json& r) { return has_reason(r, "InvalidTarget"); }, "InvalidTarget");
  EXPECT_TRUE(condition_true(r, "Stalled")) << r.dump(2);
  EXPECT_TRUE(stays([&] { return jobs().empty(); }));
}

TEST_F(OperatorE2eTest, SpecWithoutDatabaseIsRefusedOrStalled) {
  create_inputs();
  start_operator();
  Json bad = resource_json("heads");
  bad["spec"].erase("database");
  try {
    client_->create(migrations_type(), kNamespace, bad);
  } catch (const kube::ApiError& e) {
    // The CRD's schema refused it: nothing reaches the operator.
    EXPECT_TRUE(e.reason() == kube::ApiReason::kInvalid || e.reason() == kube::ApiReason::kBadRequest)
        << e.what();
    EXPECT_TRUE(jobs().empty());
    return;
  }
  const Json r = wait_for_resource([](const Json& r) { return has_reason(r, "InvalidSpec"); }, "InvalidSpec");
  EXPECT_TRUE(condition_true(r, "Stalled")) << r.dump(2);
  EXPECT_TRUE(stays([&] { return jobs().empty(); }));
}

}  // namespace
}  // namespace pgrevise::e2e
