// The built Jobs really work: each runs through the same executor that `pgrevise apply` and the e2e fake
// kubelet use, with the real pgrevise binary, against the real PostgreSQL, the example migrations/ folder as
// the ConfigMap, and credentials only from Secrets.
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/job_report.h"
#include "local/job_executor.h"
#include "specs/jobs.h"
#include "support/test_postgres.h"
#include "unit/specs/fixtures.h"

namespace pgrevise::specs {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The example migrations as `kubectl create configmap --from-file` would store them: one key per file name
// (the branch folders flattened; identity comes from the headers), plus the README, which is not a migration.
Json migrations_config_map(const fs::path& dir) {
  Json data = Json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) data[entry.path().filename().string()] = read_file(entry.path());
  }
  return {{"metadata", {{"name", "shop-migrations"}, {"namespace", "apps"}}}, {"data", data}};
}

// postgresql://USER:PASSWORD@HOST:PORT/DB split into its parts.
struct UrlParts {
  std::string user, password, host, port, dbname;
};

UrlParts split_url(const std::string& url) {
  const auto rest = url.substr(url.find("://") + 3);
  const auto at = rest.rfind('@');
  const auto creds = rest.substr(0, at);
  const auto server = rest.substr(at + 1);
  const auto colon = server.find(':');
  const auto slash = server.find('/');
  return {creds.substr(0, creds.find(':')), creds.substr(creds.find(':') + 1), server.substr(0, colon),
          server.substr(colon + 1, slash - colon - 1),
          server.substr(slash + 1, server.find('?') - slash - 1)};
}

class SpecsJobsRun : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("PGREVISE_BINARY");
    const char* source = std::getenv("PGREVISE_SOURCE_DIR");
    ASSERT_TRUE(binary != nullptr && source != nullptr) << "run through ctest";
    source_dir_ = source;
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("pgrevise-specs-" + std::to_string(rd()));
    fs::create_directories(dir_);
    env_.pgrevise_binary = binary;
    env_.work_dir = dir_ / "work";
    env_.default_claims_dir = dir_ / "claims";
    env_.claim_dirs["shop-backups"] = dir_ / "backups";
    env_.get_secret = [this](const std::string& ns, const std::string& name) {
      return find(secrets_, ns, name);
    };
    env_.get_config_map = [this](const std::string& ns, const std::string& name) {
      return find(config_maps_, ns, name);
    };
    url_ = split_url(db_.url());
    secrets_["apps/shop-db"] = {{"data", {{"url", base64_encode(db_.url())}}}};
    secrets_["apps/shop-pw"] = {{"data", {{"password", base64_encode(url_.password)}}}};
    config_maps_["apps/shop-migrations"] = migrations_config_map(source_dir_ / "migrations");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::optional<Json> find(const std::map<std::string, Json>& objects, const std::string& ns,
                                  const std::string& name) {
    auto it = objects.find(ns + "/" + name);
    return it == objects.end() ? std::nullopt : std::optional<Json>(it->second);
  }

  RunInputs inputs() const {
    const Json& cm = config_maps_.at("apps/shop-migrations");
    return {.migrations_digest = migrations_digest_from_config_map(cm),
            .migration_keys = migration_keys_of(cm)};
  }

  // The resource with host/port/dbname/user as values and the password from its own Secret.
  api::PostgresMigration host_form() const {
    auto r = testing::url_resource();
    r.spec.database = {.host = url_.host,
                       .port = std::stoi(url_.port),
                       .dbname = url_.dbname,
                       .user = url_.user,
                       .password_secret_ref = api::SecretKeyRef{.name = "shop-pw", .key = "password"}};
    return r;
  }

  local::JobOutcome run(const Json& job) {
    EXPECT_THAT(job.dump(), Not(HasSubstr(url_.password)));
    auto outcome = local::JobExecutor(env_, runner_, SystemClock::instance()).run(job);
    // The report is what the container itself wrote; the runner must not have put the password in it.
    EXPECT_THAT(outcome.termination_message, Not(HasSubstr(url_.password)));
    return outcome;
  }

  static JobReport report_of(const local::JobOutcome& outcome) {
    auto report = parse_job_report(outcome.termination_message);
    EXPECT_TRUE(report.ok()) << outcome.termination_message << "\n" << outcome.logs;
    return report.ok() ? report.value() : JobReport{};
  }

  pgrevise::testing::TestDatabase db_;
  UrlParts url_;
  fs::path source_dir_, dir_;
  local::JobEnvironment env_;
  std::map<std::string, Json> secrets_, config_maps_;
  SystemProcessRunner runner_;
  OperatorSettings settings_ = testing::settings();
};

TEST_F(SpecsJobsRun, MigrateBackupThenMigrateToHeadsThenDowngrade) {
  // A first target, then the bump a GitOps pipeline makes: backup first, then the migration.
  RunInputs first = inputs();
  first.target = "0006";
  const auto initial = run(build_migrate_job(testing::url_resource(), settings_, first));
  ASSERT_TRUE(initial.succeeded) << initial.reason << ": " << initial.message << "\n" << initial.logs;
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0006");

  const auto backup = run(build_backup_job(testing::url_resource(), settings_, inputs()));
  ASSERT_TRUE(backup.succeeded) << backup.reason << ": " << backup.message << "\n" << backup.logs;
  const JobReport backup_report = report_of(backup);
  EXPECT_EQ(backup_report.kind, "backup");
  EXPECT_EQ(backup_report.result, "succeeded");
  ASSERT_TRUE(backup_report.backup.has_value());
  EXPECT_THAT(backup_report.backup->heads, ElementsAre("0006"));
  EXPECT_GT(backup_report.backup->size_bytes, 0);
  EXPECT_EQ(backup_report.backup->sha256.size(), 64u);
  EXPECT_TRUE(fs::exists(dir_ / "backups" / fs::path(backup_report.backup->file).filename()))
      << backup_report.backup->file;

  const auto migrate = run(build_migrate_job(host_form(), settings_, inputs()));
  ASSERT_TRUE(migrate.succeeded) << migrate.reason << ": " << migrate.message << "\n" << migrate.logs;
  const JobReport report = report_of(migrate);
  EXPECT_EQ(report.kind, "migrate");
  EXPECT_EQ(report.command, "sync");
  EXPECT_EQ(report.result, "succeeded");
  EXPECT_THAT(report.heads_after, ElementsAre("0016"));
  EXPECT_THAT(report.heads_before, ElementsAre("0006"));
  EXPECT_EQ(report.steps.size() + report.steps_omitted, 10u);  // 0007 to 0016
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0016");
  for (const char* table : {"public.users", "public.projects", "public.invoices", "public.project_costs"})
    EXPECT_TRUE(db_.table_exists(table)) << table;

  // The same Job again finds nothing to do.
  const auto again = run(build_migrate_job(host_form(), settings_, inputs()));
  ASSERT_TRUE(again.succeeded) << again.logs;
  EXPECT_EQ(report_of(again).result, "noop");

  RunInputs down = inputs();
  down.direction = Direction::kDowngrade;
  down.target = "0006";
  auto allowing = testing::url_resource();
  allowing.spec.safety.allow_downgrade = true;
  const auto refused = run(build_migrate_job(testing::url_resource(), settings_, down));
  EXPECT_FALSE(refused.succeeded) << "a downgrade needs allowDowngrade";
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0016");
  const auto downgrade = run(build_migrate_job(allowing, settings_, down));
  ASSERT_TRUE(downgrade.succeeded) << downgrade.logs;
  EXPECT_EQ(report_of(downgrade).command, "sync");
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0006");
  EXPECT_FALSE(db_.table_exists("public.invoices"));
  EXPECT_TRUE(db_.table_exists("public.users"));
}

TEST_F(SpecsJobsRun, CommandRunnerFollowsThePlanFromItsEnvironment) {
  // The team's command, here pgrevise itself standing in for alembic: only the variables the Job provides.
  auto r = host_form();
  r.spec.runner.command = api::CommandRunner{
      .image = "app:1.4.2",
      .command = {"pgrevise"},
      .args = {"migrate", "$(PGREVISE_DIRECTION)", "--dir", "$(PGREVISE_MIGRATIONS_DIR)", "--version-table",
               "$(PGREVISE_VERSION_TABLE)", "--", "$(PGREVISE_TARGET)"}};
  RunInputs up = inputs();
  up.target = "0010";
  const auto upgrade = run(build_migrate_job(r, settings_, up));
  ASSERT_TRUE(upgrade.succeeded) << upgrade.reason << ": " << upgrade.message << "\n" << upgrade.logs;
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0010");
  EXPECT_TRUE(db_.table_exists("public.invoices"));

  RunInputs down = inputs();
  down.target = "0006";
  down.direction = Direction::kDowngrade;
  const auto downgrade = run(build_migrate_job(r, settings_, down));
  ASSERT_TRUE(downgrade.succeeded) << downgrade.logs;
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "0006");
  EXPECT_FALSE(db_.table_exists("public.invoices"));
}

TEST_F(SpecsJobsRun, PlanJobPrintsTheSqlAndChangesNothing) {
  // Migrations from an "image": locally the init container's cp reads a copy of the source tree's folder.
  // The copy lives outside /tmp: the Pod mounts an emptyDir there, so the executor maps paths under /tmp into
  // that volume (as a container would see them), and a checkout under /tmp would vanish from the cp's view.
  char image_root_template[] = "/var/tmp/pgrevise-image-XXXXXX";
  ASSERT_NE(::mkdtemp(image_root_template), nullptr);
  const fs::path image_root = image_root_template;
  fs::copy(source_dir_ / "migrations", image_root / "migrations", fs::copy_options::recursive);
  auto r = testing::url_resource();
  r.spec.migrations = api::MigrationsSource{
      .image = api::ImageMigrations{.image = "app:1.4.2", .path = (image_root / "migrations").string()}};
  RunInputs in = {.migrations_digest = migrations_digest_from_image(*r.spec.migrations.image)};
  const auto plan = run(build_plan_job(r, settings_, in));
  ASSERT_TRUE(plan.succeeded) << plan.reason << ": " << plan.message << "\n" << plan.logs;
  EXPECT_THAT(plan.logs, HasSubstr("CREATE TABLE"));
  EXPECT_EQ(report_of(plan).kind, "plan");
  EXPECT_FALSE(db_.table_exists("public.alembic_version"));
  EXPECT_FALSE(db_.table_exists("public.users"));
  fs::remove_all(image_root);
}

TEST_F(SpecsJobsRun, BadTargetFailsTheJobAtOnceDespiteRetries) {
  auto r = testing::url_resource();
  r.spec.target_revision = "no-such-revision";
  r.spec.job.backoff_limit = 3;
  const auto outcome = run(build_migrate_job(r, settings_, inputs()));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.reason, "PodFailurePolicy");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.attempts, 1);
  const JobReport report = report_of(outcome);
  EXPECT_EQ(report.result, "failed");
  ASSERT_TRUE(report.error.has_value());
  EXPECT_THAT(report.error->message, HasSubstr("no-such-revision"));
  EXPECT_FALSE(db_.table_exists("public.users"));
}

}  // namespace
}  // namespace pgrevise::specs
