// The fake kubelet on its own: hand-written Jobs running `pgrevise migrate` against a real database reach the
// state a cluster would show (Job conditions, Pod with the termination-message report).
#include "support/fake_kubelet.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "common/job_report.h"
#include "controller/job_view.h"
#include "e2e/e2e_support.h"
#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::e2e {
namespace {

constexpr const char* kNs = "apps";

Json migrate_job(const std::string& name, const std::vector<std::string>& args, Json extra_spec = {}) {
  Json container = {
      {"name", "migrate"},
      {"image", "pgrevise:test"},
      {"args", args},
      {"env", Json::array({Json{{"name", "DATABASE_URL"},
                                {"valueFrom", {{"secretKeyRef", {{"name", "app-db"}, {"key", "url"}}}}}}})},
      {"volumeMounts", Json::array({Json{{"name", "migrations"}, {"mountPath", "/migrations"}}})}};
  Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}};
  const Json labels = {{"app.kubernetes.io/name", "pgrevise"}, {"app.kubernetes.io/component", "migrate"}};
  job["metadata"] = {{"name", name}, {"namespace", kNs}, {"labels", labels}};
  job["spec"] = {
      {"backoffLimit", 0},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"restartPolicy", "Never"},
          {"containers", Json::array({container})},
          {"volumes",
           Json::array({Json{{"name", "migrations"}, {"configMap", {{"name", "app-migrations"}}}}})}}}}}};
  if (extra_spec.is_object()) job["spec"].update(extra_spec);
  return job;
}

std::vector<std::string> upgrade_args() {
  return {"migrate", "upgrade", "heads", "--dir", "/migrations", "--report", "/dev/termination-log"};
}

// The state of the Pod's main container (the kubelet sorts container statuses by name).
Json main_state(const Json& pod) {
  const Json* status = controller::main_container_status(pod);
  return status == nullptr ? Json::object() : status->value("state", Json::object());
}

class FakeKubeletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = client_for(server_);
    client_->create(kube::resources::secrets(), kNs, secret(kNs, "app-db", "url", db_.url()));
    start_kubelet();
  }
  void TearDown() override { kubelet_->stop(); }

  void start_kubelet(std::function<void(Json& pod)> mutate_pod = {}) {
    if (kubelet_) kubelet_->stop();
    testing::FakeKubeletOptions options;
    options.server_url = server_.url();
    options.token = kKubeletToken;
    options.pgrevise_binary = std::getenv("PGREVISE_BINARY");
    options.work_dir = dir_.path();
    options.mutate_pod = std::move(mutate_pod);
    kubelet_ = std::make_unique<testing::FakeKubelet>(options);
    kubelet_->start();
  }

  Json finished_job(const std::string& name) {
    Json job;
    eventually([&] {
      job = client_->get(kube::resources::jobs(), kNs, name);
      return condition_true(job, "Complete") || condition_true(job, "Failed");
    });
    return job;
  }
  Json pod_of(const std::string& job_name) {
    kube::ListOptions options;
    options.label_selector = "job-name=" + job_name;
    auto pods = client_->list(kube::resources::pods(), kNs, options).items;
    EXPECT_EQ(pods.size(), 1u);
    return pods.empty() ? Json::object() : pods[0];
  }

  testing::FakeApiServer server_{server_options()};
  testing::TestDatabase db_;
  testing::TempDir dir_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<testing::FakeKubelet> kubelet_;
};

TEST_F(FakeKubeletTest, MigrateJobCompletesAndItsPodCarriesTheReport) {
  client_->create(kube::resources::config_maps(), kNs,
                  migrations_config_map(kNs, "app-migrations", example_migrations()));
  const Json created =
      client_->create(kube::resources::jobs(), kNs, migrate_job("migrate-1", upgrade_args()));

  const Json job = finished_job("migrate-1");
  ASSERT_TRUE(condition_true(job, "Complete")) << job.dump(2);
  EXPECT_EQ(job["status"].value("succeeded", 0), 1);
  EXPECT_FALSE(job["status"].contains("active"));
  EXPECT_TRUE(job["status"].contains("startTime"));
  EXPECT_TRUE(job["status"].contains("completionTime"));

  const Json pod = pod_of("migrate-1");
  EXPECT_EQ(pod["metadata"]["labels"].value("controller-uid", ""), created["metadata"].value("uid", ""));
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0].value("uid", ""), created["metadata"].value("uid", ""));
  EXPECT_EQ(pod["status"].value("phase", ""), "Succeeded");
  const Json terminated = main_state(pod)["terminated"];
  EXPECT_EQ(terminated.value("exitCode", -1), 0);
  auto report = parse_job_report(terminated.value("message", ""));
  ASSERT_TRUE(report.ok()) << terminated.dump();
  EXPECT_EQ(report.value().result, "succeeded");
  EXPECT_FALSE(report.value().steps.empty());
  EXPECT_EQ(report.value().heads_after.size(), 1u);
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), report.value().heads_after[0]);
  EXPECT_EQ(kubelet_->started_jobs(), std::vector<std::string>{"apps/migrate-1"});
}

TEST_F(FakeKubeletTest, FailingMigrationFailsTheJobWithTheErrorInTheReport) {
  dir_.write("m/a.sql", testing::migration("a", "", "CREATE TABLE a (id int);", "DROP TABLE a;"));
  dir_.write("m/b.sql", testing::migration("b", "a", "SELECT no_such_column FROM a;", ""));
  client_->create(kube::resources::config_maps(), kNs,
                  migrations_config_map(kNs, "app-migrations", dir_.path() / "m"));
  client_->create(kube::resources::jobs(), kNs, migrate_job("migrate-2", upgrade_args()));

  const Json job = finished_job("migrate-2");
  ASSERT_TRUE(condition_true(job, "Failed")) << job.dump(2);
  EXPECT_EQ(condition(job, "Failed").value("reason", ""), "BackoffLimitExceeded");
  EXPECT_EQ(job["status"].value("failed", 0), 1);
  const Json terminated = main_state(pod_of("migrate-2"))["terminated"];
  EXPECT_NE(terminated.value("exitCode", 0), 0);
  auto report = parse_job_report(terminated.value("message", ""));
  ASSERT_TRUE(report.ok()) << terminated.dump();
  ASSERT_TRUE(report.value().error.has_value());
  EXPECT_EQ(report.value().error->revision, "b");
  EXPECT_EQ(report.value().error->sqlstate, "42703");
  EXPECT_EQ(db_.query("SELECT version_num FROM alembic_version"), "a");
}

TEST_F(FakeKubeletTest, PodFailurePolicyFailsTheJobOnBadInput) {
  client_->create(kube::resources::config_maps(), kNs,
                  migrations_config_map(kNs, "app-migrations", example_migrations()));
  Json policy = {{"rules", Json::array({Json{{"action", "FailJob"},
                                             {"onExitCodes", {{"operator", "In"}, {"values", {2}}}}}})}};
  auto args = upgrade_args();
  args[2] = "no-such-revision";
  client_->create(kube::resources::jobs(), kNs,
                  migrate_job("migrate-3", args, {{"backoffLimit", 3}, {"podFailurePolicy", policy}}));

  const Json job = finished_job("migrate-3");
  ASSERT_TRUE(condition_true(job, "Failed")) << job.dump(2);
  EXPECT_EQ(condition(job, "Failed").value("reason", ""), "PodFailurePolicy");
  EXPECT_EQ(job["status"].value("failed", 0), 1);  // no retry
}

std::vector<std::string> names(const Json& statuses) {
  std::vector<std::string> out;
  for (const auto& s : statuses) out.push_back(s.value("name", ""));
  return out;
}

TEST_F(FakeKubeletTest, InjectedSidecarsAreListedAsTheKubeletListsThemAndTheJobEndsAfterThePod) {
  // A webhook injects a database proxy as a regular container and a mesh proxy as a native sidecar.
  start_kubelet([](Json& pod) {
    pod["spec"]["containers"].push_back({{"name", "cloud-sql-proxy"}, {"image", "proxy"}});
    pod["spec"]["initContainers"] =
        Json::array({{{"name", "istio-proxy"}, {"image", "proxy"}, {"restartPolicy", "Always"}}});
  });
  server_.record_written_objects(true);
  client_->create(kube::resources::config_maps(), kNs,
                  migrations_config_map(kNs, "app-migrations", example_migrations()));
  client_->create(kube::resources::jobs(), kNs, migrate_job("migrate-5", upgrade_args()));

  ASSERT_TRUE(condition_true(finished_job("migrate-5"), "Complete"));
  const Json pod = pod_of("migrate-5");
  EXPECT_EQ(pod["status"].value("phase", ""), "Succeeded");
  EXPECT_EQ(names(pod["status"]["containerStatuses"]),
            (std::vector<std::string>{"cloud-sql-proxy", "migrate"}));
  EXPECT_EQ(names(pod["status"]["initContainerStatuses"]), std::vector<std::string>{"istio-proxy"});
  auto report = parse_job_report(controller::latest_pod_report({pod}).value_or(""));
  ASSERT_TRUE(report.ok()) << pod["status"].dump();
  EXPECT_EQ(report.value().result, "succeeded");

  // In order: the main container ended while the native sidecar still ran (the Pod Running, the Job
  // active), then the Pod ended, then the Job.
  std::vector<std::string> writes;
  for (const auto& r : server_.requests()) {
    if (r.subresource != "status" || r.object.is_null()) continue;
    const Json status = r.object.value("status", Json::object());
    if (r.resource.find("pods") != std::string::npos)
      writes.push_back("pod " + status.value("phase", "") + ", istio-proxy " +
                       status["initContainerStatuses"][0]["state"].begin().key());
    else if (status.contains("conditions"))
      writes.push_back("job finished");
  }
  EXPECT_EQ(writes,
            (std::vector<std::string>{"pod Running, istio-proxy running", "pod Running, istio-proxy running",
                                      "pod Succeeded, istio-proxy terminated", "job finished"}));
}

TEST_F(FakeKubeletTest, MissingSecretLeavesThePodWaitingAndTheJobActive) {
  client_->remove(kube::resources::secrets(), kNs, "app-db");
  client_->create(kube::resources::config_maps(), kNs,
                  migrations_config_map(kNs, "app-migrations", example_migrations()));
  client_->create(kube::resources::jobs(), kNs, migrate_job("migrate-4", upgrade_args()));

  Json pod;
  ASSERT_TRUE(eventually([&] {
    kube::ListOptions options;
    options.label_selector = "job-name=migrate-4";
    auto pods = client_->list(kube::resources::pods(), kNs, options).items;
    if (pods.empty()) return false;
    pod = pods[0];
    return pod.value("status", Json::object()).value("phase", "") == "Pending";  // status is set after create
  }));
  EXPECT_EQ(main_state(pod)["waiting"].value("reason", ""), "CreateContainerConfigError");
  const Json job = client_->get(kube::resources::jobs(), kNs, "migrate-4");
  EXPECT_EQ(job["status"].value("active", 0), 1);
  EXPECT_FALSE(condition_true(job, "Failed"));
}

}  // namespace
}  // namespace pgrevise::e2e
