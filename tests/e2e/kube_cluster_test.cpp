// KubeCluster against the fake API server: the Cluster contract the reconciler relies on.
#include "controller/kube_cluster.h"

#include <gtest/gtest.h>

#include "e2e/e2e_support.h"
#include "kube/watcher.h"
#include "specs/jobs.h"

namespace pgrevise::e2e {
namespace {

using controller::KubeCluster;

Json job(const std::string& name, const std::string& resource) {
  Json j = {{"apiVersion", "batch/v1"}, {"kind", "Job"}};
  j["metadata"] = {
      {"name", name},
      {"namespace", "apps"},
      {"labels", {{specs::kResourceLabel, resource}, {specs::kManagedByLabel, specs::kAppName}}}};
  j["spec"]["template"]["spec"] = {{"restartPolicy", "Never"},
                                   {"containers", Json::array({Json{{"name", "c"}, {"image", "x"}}})}};
  return j;
}

Json pod(const std::string& name, const std::string& job_name) {
  Json p = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  p["metadata"] = {{"name", name},
                   {"namespace", "apps"},
                   {"labels", {{"job-name", job_name}, {"app.kubernetes.io/component", "migrate"}}}};
  p["spec"] = {{"containers", Json::array({Json{{"name", "migrate"}, {"image", "x"}},
                                           Json{{"name", "cloud-sql-proxy"}, {"image", "proxy"}}})}};
  return p;
}

Json resource(const std::string& name) {
  Json r = {{"apiVersion", "pgrevise.dev/v1alpha1"}, {"kind", "PostgresMigration"}};
  r["metadata"] = {{"name", name}, {"namespace", "apps"}};
  r["spec"] = {{"targetRevision", "heads"}};
  return r;
}

class KubeClusterTest : public ::testing::Test {
 protected:
  testing::FakeApiServer server_{server_options()};
  std::unique_ptr<kube::RestClient> client_ = client_for(server_);
  kube::EventRecorder events_{*client_, SystemClock::instance()};
  KubeCluster cluster_{*client_, events_};

  // The resource "app" created on the server, and put in `resources` as its watch would.
  Json create_cached_resource(kube::Store& resources) {
    const Json created = client_->create(controller::postgres_migrations(), "apps", resource("app"));
    resources.apply({kube::WatchEvent::Type::kAdded, created});
    return created;
  }
  // A KubeCluster reading the resources of "apps" from `resources`.
  KubeCluster cached_by(const kube::Store& resources) {
    controller::KubeCaches caches;
    caches.resources.by_namespace["apps"] = &resources;
    return KubeCluster(*client_, events_, caches);
  }
};

TEST_F(KubeClusterTest, CreateJobReturnsTheExistingJobOfTheSameName) {
  const Json first = cluster_.create_job("apps", job("app-migrate-1", "app"));
  const Json again = cluster_.create_job("apps", job("app-migrate-1", "app"));
  EXPECT_EQ(again["metadata"]["uid"], first["metadata"]["uid"]);
  cluster_.create_job("apps", job("other-migrate-1", "other"));
  const auto owned = cluster_.list_owned_jobs("apps", "app");
  ASSERT_EQ(owned.size(), 1u);
  EXPECT_EQ(owned[0]["metadata"]["name"], "app-migrate-1");
}

TEST_F(KubeClusterTest, PodReportIsTheNewestTerminatedMessage) {
  EXPECT_FALSE(cluster_.get_job_pod_report("apps", "j").has_value());
  for (const auto& [name, message] :
       std::vector<std::pair<std::string, std::string>>{{"j-a", "first"}, {"j-b", "second"}}) {
    Json p = client_->create(kube::resources::pods(), "apps", pod(name, "j"));
    // Sorted by name, as the kubelet lists them: the injected proxy first.
    p["status"] = {
        {"containerStatuses",
         Json::array({Json{{"name", "cloud-sql-proxy"}, {"state", {{"running", Json::object()}}}},
                      Json{{"name", "migrate"},
                           {"state", {{"terminated", {{"exitCode", 1}, {"message", message}}}}}}})}};
    client_->update_status(kube::resources::pods(), "apps", p);
  }
  // Same creation second: the later name wins, deterministically.
  EXPECT_EQ(cluster_.get_job_pod_report("apps", "j"), "second");
}

// What stuck_job() reads of a Job that has not started: its Pods by job-name, and the Events about it (those
// of the Job controller, FailedCreate among them); and the Job deleted, a second time without an error.
TEST_F(KubeClusterTest, JobPodsAndEventsAreListedAndAJobIsDeleted) {
  cluster_.create_job("apps", job("j", "app"));
  client_->create(kube::resources::pods(), "apps", pod("j-a", "j"));
  client_->create(kube::resources::pods(), "apps", pod("k-a", "k"));
  const auto pods = cluster_.list_job_pods("apps", "j");
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["metadata"]["name"], "j-a");

  auto event = [](const std::string& name, const std::string& kind, const std::string& object) {
    return Json{{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", "apps"}}},
                {"involvedObject", {{"kind", kind}, {"name", object}, {"namespace", "apps"}}},
                {"reason", "FailedCreate"},
                {"message", "exceeded quota"}};
  };
  client_->create(kube::resources::core_events(), "apps", event("j.1", "Job", "j"));
  client_->create(kube::resources::core_events(), "apps", event("k.1", "Job", "k"));
  client_->create(kube::resources::core_events(), "apps", event("p.1", "Pod", "j"));
  const auto events = cluster_.list_job_events("apps", "j");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["name"], "j.1");

  cluster_.delete_job("apps", "j");
  EXPECT_FALSE(client_->try_get(kube::resources::jobs(), "apps", "j").has_value());
  cluster_.delete_job("apps", "j");
}

TEST_F(KubeClusterTest, StatusWritesMapConflictAndNotFound) {
  Json r = {{"apiVersion", "pgrevise.dev/v1alpha1"}, {"kind", "PostgresMigration"}};
  r["metadata"] = {{"name", "app"}, {"namespace", "apps"}};
  r["spec"] = {{"targetRevision", "heads"}};
  const Json created = client_->create(controller::postgres_migrations(), "apps", r);
  Json first = created;
  first["status"] = {{"phase", "Pending"}};
  const Json stored = cluster_.update_status(first);
  EXPECT_EQ(stored["status"]["phase"], "Pending");
  Json stale = created;
  stale["status"] = {{"phase", "Failed"}};
  EXPECT_THROW(cluster_.update_status(stale), controller::ConflictError);
  client_->remove(controller::postgres_migrations(), "apps", "app");
  EXPECT_THROW(cluster_.update_status(stored), controller::NotFoundError);
}

TEST_F(KubeClusterTest, ApplyConfigMapCreatesThenReplacesData) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  cm["metadata"] = {{"name", "app-plan"}, {"namespace", "apps"}, {"labels", {{"a", "1"}}}};
  cm["data"] = {{"plan.sql", "SELECT 1;"}};
  cluster_.apply_config_map("apps", cm);
  cm["data"] = {{"plan.sql", "SELECT 2;"}};
  cluster_.apply_config_map("apps", cm);
  const auto stored = cluster_.get_config_map("apps", "app-plan");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ((*stored)["data"]["plan.sql"], "SELECT 2;");
  EXPECT_FALSE(cluster_.get_config_map("apps", "missing").has_value());
  EXPECT_FALSE(cluster_.get_secret("apps", "missing").has_value());
}

TEST_F(KubeClusterTest, ReadsComeFromTheCachesWhenGiven) {
  kube::Store jobs;
  kube::Watcher watcher(*client_, kube::resources::jobs(), "apps", jobs, SystemClock::instance());
  watcher.start();
  ASSERT_TRUE(watcher.wait_for_sync(std::chrono::seconds(10)));
  controller::KubeCaches caches;
  caches.jobs.by_namespace["apps"] = &jobs;
  KubeCluster cached(*client_, events_, caches);
  client_->create(kube::resources::jobs(), "apps", job("app-backup-1", "app"));
  EXPECT_TRUE(eventually([&] { return cached.list_owned_jobs("apps", "app").size() == 1; },
                         std::chrono::seconds(10)));
  server_.clear_requests();
  cached.list_owned_jobs("apps", "app");
  EXPECT_EQ(server_.count("list", "batch/jobs"), 0u);
  watcher.stop();
}

// A Job that the TTL controller deleted as soon as it finished is still listed, finished, until its run is
// recorded; a Job of the same name in the cache is the one listed.
TEST_F(KubeClusterTest, AFinishedJobDeletedAMomentAgoIsStillListed) {
  kube::Store jobs;
  jobs.replace(std::vector<Json>{});
  ManualClock clock;
  controller::RecentlyDeletedJobs deleted(clock);
  controller::KubeCaches caches;
  caches.jobs.by_namespace["apps"] = &jobs;
  caches.deleted_jobs = &deleted;
  KubeCluster cached(*client_, events_, caches);
  Json finished = job("app-migrate-1", "app");
  finished["metadata"]["namespace"] = "apps";
  finished["metadata"]["resourceVersion"] = "7";
  finished["status"] = {{"conditions", {{{"type", "Complete"}, {"status", "True"}}}}};
  deleted.remember(finished);
  deleted.remember([&] {
    Json other = finished;  // another resource's Job
    other["metadata"]["name"] = "db-migrate-1";
    other["metadata"]["labels"][std::string(specs::kResourceLabel)] = "db";
    return other;
  }());
  auto listed = cached.list_owned_jobs("apps", "app");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["status"]["conditions"][0]["type"], "Complete");

  Json again = job("app-migrate-1", "app");
  again["metadata"]["namespace"] = "apps";
  again["metadata"]["resourceVersion"] = "9";
  jobs.apply({kube::WatchEvent::Type::kAdded, again});
  listed = cached.list_owned_jobs("apps", "app");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["metadata"]["resourceVersion"], "9");
  EXPECT_FALSE(listed[0].contains("status"));
}

// The resource cache gets the status this process wrote through a watch event, which may come after the next
// reconcile has started (it does on the real cluster: the stuck Job the write recorded is gone from the Job
// cache first, and the reconcile the deletion woke created the Job again). Until the cache shows the written
// status, the resource is read from the API server; then from the cache again.
TEST_F(KubeClusterTest, TheResourceIsReadFromTheServerUntilTheCacheShowsTheStatusWritten) {
  kube::Store resources;
  const Json created = create_cached_resource(resources);
  KubeCluster cached = cached_by(resources);
  const auto version = [&] { return (*cached.get_resource("apps", "app"))["metadata"]["resourceVersion"]; };
  EXPECT_EQ(version(), created["metadata"]["resourceVersion"]);

  Json failed = created;
  failed["status"] = {{"phase", "Failed"}, {"failedPlanHash", "abc"}};
  const Json stored = cached.update_status(failed);
  server_.clear_requests();
  for (int i = 0; i < 2; ++i) {
    const auto read = cached.get_resource("apps", "app");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ((*read)["status"]["failedPlanHash"], "abc");
  }
  EXPECT_EQ(server_.count("get"), 2u);

  resources.apply({kube::WatchEvent::Type::kModified, stored});
  server_.clear_requests();
  EXPECT_EQ(version(), stored["metadata"]["resourceVersion"]);
  EXPECT_EQ(server_.count("get"), 0u);
}

// Another writer's status on the server: the cache is behind the server, not behind this process, and reads
// go back to the cache at once rather than to the server on every reconcile.
TEST_F(KubeClusterTest, AStatusWrittenByAnotherWriterEndsTheReadsFromTheServer) {
  kube::Store resources;
  const Json created = create_cached_resource(resources);
  KubeCluster cached = cached_by(resources);
  Json ours = created;
  ours["status"] = {{"phase", "Pending"}};
  Json theirs = cached.update_status(ours);
  theirs["status"] = {{"phase", "Succeeded"}};
  client_->update_status(controller::postgres_migrations(), "apps", theirs);
  server_.clear_requests();
  EXPECT_EQ((*cached.get_resource("apps", "app"))["status"]["phase"], "Succeeded");
  EXPECT_EQ((*cached.get_resource("apps", "app"))["metadata"]["resourceVersion"],
            created["metadata"]["resourceVersion"]);
  EXPECT_EQ(server_.count("get"), 1u);
}

Json config_map(const std::string& name, const std::string& sql) {
  Json c = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  c["metadata"] = {{"name", name}, {"namespace", "apps"}};
  c["data"] = {{"0001_a.sql", sql}};
  return c;
}

TEST_F(KubeClusterTest, ConfigMapsAreWatchedByMetadataAndFetchedWhenRead) {
  for (int i = 0; i < 20; ++i)
    client_->create(kube::resources::config_maps(), "apps",
                    config_map("other-" + std::to_string(i), std::string(4096, 'x')));
  kube::Store config_maps;
  kube::WatcherOptions options;
  options.metadata_only = true;
  kube::Watcher watcher(*client_, kube::resources::config_maps(), "apps", config_maps,
                        SystemClock::instance(), options);
  watcher.start();
  ASSERT_TRUE(watcher.wait_for_sync(std::chrono::seconds(10)));
  controller::KubeCaches caches;
  caches.config_maps.by_namespace["apps"] = &config_maps;
  KubeCluster cached(*client_, events_, caches);

  // The store holds metadata only, for every ConfigMap.
  const auto kept = config_maps.get("apps/other-3");
  ASSERT_TRUE(kept.has_value());
  EXPECT_FALSE(kept->contains("data"));
  EXPECT_EQ((*kept)["metadata"]["name"], "other-3");

  // Not in the store: not found, without asking the server.
  server_.clear_requests();
  EXPECT_FALSE(cached.get_config_map("apps", "migrations").has_value());
  EXPECT_EQ(server_.count("get", "/configmaps"), 0u);

  // Read once from the server, then from the kept copy while the resourceVersion stays.
  Json created =
      client_->create(kube::resources::config_maps(), "apps", config_map("migrations", "SELECT 1;"));
  ASSERT_TRUE(
      eventually([&] { return config_maps.get("apps/migrations").has_value(); }, std::chrono::seconds(10)));
  EXPECT_EQ((*cached.get_config_map("apps", "migrations"))["data"]["0001_a.sql"], "SELECT 1;");
  EXPECT_EQ((*cached.get_config_map("apps", "migrations"))["data"]["0001_a.sql"], "SELECT 1;");
  EXPECT_EQ(server_.count("get", "/configmaps"), 1u);

  // A change seen by the watch is fetched again; a deletion is a deletion.
  created["data"]["0001_a.sql"] = "SELECT 2;";
  const Json updated = client_->update(kube::resources::config_maps(), "apps", created);
  ASSERT_TRUE(eventually(
      [&] {
        const auto meta = config_maps.get("apps/migrations");
        return meta && (*meta)["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"];
      },
      std::chrono::seconds(10)));
  EXPECT_EQ((*cached.get_config_map("apps", "migrations"))["data"]["0001_a.sql"], "SELECT 2;");
  EXPECT_EQ(server_.count("get", "/configmaps"), 2u);
  client_->remove(kube::resources::config_maps(), "apps", "migrations");
  ASSERT_TRUE(
      eventually([&] { return !config_maps.get("apps/migrations").has_value(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(cached.get_config_map("apps", "migrations").has_value());
  EXPECT_EQ(server_.count("get", "/configmaps"), 2u);
  watcher.stop();
}

}  // namespace
}  // namespace pgrevise::e2e
