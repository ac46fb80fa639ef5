#include "unit/controller/controller_fixture.h"

#include "specs/jobs.h"

namespace pgrevise::testing {

std::string migration(const std::string& revision, const std::string& down, const std::string& table) {
  std::string text = "-- revision: " + revision + "\n";
  if (!down.empty()) text += "-- down_revision: " + down + "\n";
  text += "-- message: create " + table + "\n\n-- +upgrade\nCREATE TABLE " + table +
          " (id bigint);\n\n-- +downgrade\nDROP TABLE " + table + ";\n";
  return text;
}

std::map<std::string, std::string> linear_migrations() {
  return {{"001_users.sql", migration("001", "", "users")},
          {"002_projects.sql", migration("002", "001", "projects")},
          {"003_tasks.sql", migration("003", "002", "tasks")},
          {"README.md", "not a migration"}};
}

std::map<std::string, std::string> branched_migrations() {
  return {{"001_users.sql", migration("001", "", "users")},
          {"002a_billing.sql", migration("002a", "001", "invoices")},
          {"002b_reports.sql", migration("002b", "001", "reports")}};
}

ControllerTest::ControllerTest() {
  options.settings.runner_image = "pgrevise:test";
  reconciler.emplace(cluster, probe, metrics, clock, options);
  cluster.put_secret(kNs, "app-db-url",
                     {{"url", std::string("postgresql://app:") + kPassword + "@db:5432/app"}});
  cluster.put_config_map(kNs, "app-migrations", linear_migrations());
}

Json ControllerTest::resource_json(const Json& spec_patch, const Json& annotations) const {
  Json spec = {{"database", {{"urlSecretRef", {{"name", "app-db-url"}, {"key", "url"}}}}},
               {"targetRevision", "heads"},
               {"migrations", {{"configMapRef", {{"name", "app-migrations"}}}}},
               {"backup", {{"enabled", true}, {"persistentVolumeClaim", {{"claimName", "db-backups"}}}}}};
  spec.merge_patch(spec_patch);
  Json metadata = {{"name", kName}, {"namespace", kNs}};
  if (!annotations.empty()) metadata["annotations"] = annotations;
  return {{"apiVersion", "pgrevise.dev/v1alpha1"},
          {"kind", "PostgresMigration"},
          {"metadata", metadata},
          {"spec", spec}};
}

void ControllerTest::apply(const Json& spec_patch, const Json& annotations) {
  cluster.apply_resource(resource_json(spec_patch, annotations));
}

ReconcileResult ControllerTest::reconcile() {
  return reconciler->reconcile(kNs, kName);
}

api::Status ControllerTest::status() const {
  auto object = cluster.get_resource(kNs, kName);
  EXPECT_TRUE(object.has_value());
  return api::parse_status(object->value("status", Json::object()));
}

api::Condition ControllerTest::condition(std::string_view type) const {
  auto s = status();
  const api::Condition* c = api::find_condition(s.conditions, type);
  EXPECT_NE(c, nullptr) << "no condition " << type;
  return c != nullptr ? *c : api::Condition{};
}

std::vector<Json> ControllerTest::jobs_of(std::string_view kind) const {
  std::vector<Json> out;
  const std::string infix = "-" + std::string(kind) + "-";
  for (const auto& job : cluster.jobs(kNs)) {
    if (job["metadata"]["name"].get<std::string>().find(infix) != std::string::npos) out.push_back(job);
  }
  return out;
}

std::string ControllerTest::only_job(std::string_view kind) const {
  auto jobs = jobs_of(kind);
  EXPECT_EQ(jobs.size(), 1u) << "Jobs of kind " << kind;
  return jobs.empty() ? std::string() : jobs.front()["metadata"]["name"].get<std::string>();
}

void ControllerTest::finish_backup(const std::string& job, bool succeeded) {
  JobReport report{.kind = "backup", .command = "backup", .result = succeeded ? "succeeded" : "failed"};
  report.duration_ms = 1500;
  if (succeeded) {
    report.backup = ReportBackup{.file = "/backups/app-20261130T080000Z.dump",
                                 .size_bytes = 4096,
                                 .sha256 = std::string(64, 'a'),
                                 .heads = probe.heads(),
                                 .started_at = "2026-11-30T08:00:01Z",
                                 .finished_at = "2026-11-30T08:00:03Z"};
  } else {
    report.error = ReportError{.message = "pg_dump: error: permission denied for table users"};
  }
  cluster.finish_job(kNs, job, succeeded, to_json(report));
}

void ControllerTest::finish_migrate(const std::string& job, bool succeeded,
                                    std::vector<std::string> heads_after, std::optional<ReportError> error) {
  JobReport report{.kind = "migrate", .command = "upgrade", .result = succeeded ? "succeeded" : "failed"};
  report.heads_before = probe.heads();
  report.heads_after = heads_after;
  report.lock_wait_ms = 20;
  report.duration_ms = 2500;
  report.started_at = "2026-11-30T08:00:05Z";
  report.finished_at = "2026-11-30T08:00:08Z";
  report.steps.push_back({"001", Direction::kUpgrade, 100});
  if (succeeded) {
    report.steps.push_back({"002", Direction::kUpgrade, 200});
    report.steps.push_back({"003", Direction::kUpgrade, 300});
  }
  report.error = std::move(error);
  probe.set_heads(std::move(heads_after));
  cluster.finish_job(kNs, job, succeeded, to_json(report));
}

void ControllerTest::finish_plan(const std::string& job, bool succeeded) {
  JobReport report{.kind = "plan", .command = "plan", .result = succeeded ? "succeeded" : "failed"};
  if (!succeeded) report.error = ReportError{.message = "could not connect to db:5432"};
  cluster.finish_job(kNs, job, succeeded, to_json(report));
}

}  // namespace pgrevise::testing
