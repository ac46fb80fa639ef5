#pragma once

#include <map>
#include <mutex>
#include <string>

#include "controller/cluster.h"
#include "controller/deleted_jobs.h"
#include "kube/event_recorder.h"
#include "kube/fetched_objects.h"
#include "kube/rest_client.h"
#include "kube/store.h"

namespace pgrevise::controller {

// pgrevise.dev/v1alpha1 PostgresMigration as the API addresses it.
kube::ResourceType postgres_migrations();

// The caches of one resource type: one store per watched namespace, or one under "" for all namespaces
// (each watcher needs its own store, since a relist replaces a store's whole content).
struct StoreSet {
  std::map<std::string, const kube::Store*> by_namespace;
  // The store holding `ns`, or null when that namespace has no cache (reads then go to the API server).
  const kube::Store* find(const std::string& ns) const;
};

// The caches the operator's watchers fill; an empty set means "no cache".
struct KubeCaches {
  StoreSet resources;    // PostgresMigrations
  StoreSet jobs;         // Jobs labelled app.kubernetes.io/managed-by=pgrevise
  StoreSet config_maps;  // ConfigMaps, by metadata only: their content is fetched when read
  const RecentlyDeletedJobs* deleted_jobs = nullptr;  // finished Jobs the Job watch saw deleted lately
};

// The Cluster interface over the Kubernetes API: PostgresMigrations, Jobs and ConfigMaps are read from the
// watchers' caches (so an idle operator sends no request but its watches), Secrets are only ever fetched
// with `get` (the operator's RBAC grants nothing else on them), Pods are listed by job-name only when a
// report is wanted, and every write goes to the API server.
//
// A reconcile reads its own writes: after this process wrote a resource's status, the resource is read from
// the API server instead of the cache for as long as the cache shows another status (the watch event of the
// write has not arrived yet). Acting on the status before the write would undo it: a reconcile that follows
// at once, woken by the deletion of a Job the write recorded as stuck, would find neither the Job nor the
// record of its failure, and create the Job again.
class KubeCluster final : public Cluster {
 public:
  KubeCluster(kube::RestClient& client, kube::EventRecorder& events, KubeCaches caches = {});

  std::optional<Json> get_resource(const std::string& ns, const std::string& name) override;
  std::vector<Json> list_owned_jobs(const std::string& ns, const std::string& resource_label) override;
  Json create_job(const std::string& ns, const Json& job) override;
  std::optional<std::string> get_job_pod_report(const std::string& ns, const std::string& job_name) override;
  std::vector<Json> list_job_pods(const std::string& ns, const std::string& job_name) override;
  std::vector<Json> list_job_events(const std::string& ns, const std::string& job_name) override;
  void delete_job(const std::string& ns, const std::string& name) override;
  std::optional<Json> get_secret(const std::string& ns, const std::string& name) override;
  std::optional<Json> get_config_map(const std::string& ns, const std::string& name) override;
  Json apply_config_map(const std::string& ns, const Json& config_map) override;
  Json update_status(const Json& resource) override;
  void record_event(const Json& regarding, EventType type, const std::string& reason,
                    const std::string& message) override;

 private:
  kube::RestClient& client_;
  kube::EventRecorder& events_;
  KubeCaches caches_;
  kube::FetchedObjects config_map_contents_;  // the ConfigMaps reconciles have read

  // Whether the cached resource under `key` shows another status than the one this process wrote last.
  bool cache_behind_write(const std::string& key, const Json& cached);
  void settle_write(const std::string& key, const std::optional<Json>& fresh);

  std::mutex written_mutex_;
  // status_digest() of the status written last, by resource key; only until the cache shows it
  std::map<std::string, std::size_t> written_status_;
};

}  // namespace pgrevise::controller
