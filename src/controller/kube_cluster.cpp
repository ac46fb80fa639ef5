#include "controller/kube_cluster.h"

#include <algorithm>
#include <functional>

#include "common/log.h"
#include "controller/job_view.h"
#include "kube/errors.h"
#include "specs/jobs.h"

namespace pgrevise::controller {

kube::ResourceType postgres_migrations() {
  return {"pgrevise.dev", "v1alpha1", "postgresmigrations", "PostgresMigration", true};
}

const kube::Store* StoreSet::find(const std::string& ns) const {
  if (auto all = by_namespace.find(""); all != by_namespace.end()) return all->second;
  auto it = by_namespace.find(ns);
  return it == by_namespace.end() ? nullptr : it->second;
}

namespace {

std::optional<Json> cached_or_get(const kube::Store* store, kube::RestClient& client,
                                  const kube::ResourceType& type, const std::string& ns,
                                  const std::string& name) {
  if (store != nullptr) return store->get(kube::object_key(ns, name));
  return client.try_get(type, ns, name);
}

// A digest of the object's status, which is all the written-status bookkeeping needs to hold: a parsed status
// takes kilobytes, and after a start the operator has written one for every resource.
std::size_t status_digest(const Json& object) {
  auto it = object.find("status");
  return std::hash<std::string>{}(it == object.end() ? std::string() : it->dump());
}

std::string label_of(const Json& object, const std::string& label) {
  const Json labels = object.value("metadata", Json::object()).value("labels", Json::object());
  auto it = labels.find(label);
  return it != labels.end() && it->is_string() ? it->get<std::string>() : "";
}

// Writes through `write`, turning the API's 409 and 404 into the interface's typed errors.
template <typename Write>
Json translate_errors(const std::string& what, Write write) {
  try {
    return write();
  } catch (const kube::ApiError& e) {
    if (e.reason() == kube::ApiReason::kConflict) throw ConflictError(what + ": " + e.what());
    if (e.reason() == kube::ApiReason::kNotFound) throw NotFoundError(what + ": " + e.what());
    throw;
  }
}

}  // namespace

KubeCluster::KubeCluster(kube::RestClient& client, kube::EventRecorder& events, KubeCaches caches)
    : client_(client), events_(events), caches_(caches) {}

std::optional<Json> KubeCluster::get_resource(const std::string& ns, const std::string& name) {
  const kube::Store* cache = caches_.resources.find(ns);
  const std::string key = kube::object_key(ns, name);
  std::optional<Json> cached = cached_or_get(cache, client_, postgres_migrations(), ns, name);
  if (cache == nullptr) return cached;
  if (!cached) {
    settle_write(key, std::nullopt);  // deleted: nothing to wait for
    return cached;
  }
  if (!cache_behind_write(key, *cached)) return cached;
  log::debug("the resource cache is behind the last status write; reading the resource from the API server",
             {{"resource", key}});
  std::optional<Json> fresh = client_.try_get(postgres_migrations(), ns, name);
  settle_write(key, fresh);
  return fresh;
}

bool KubeCluster::cache_behind_write(const std::string& key, const Json& cached) {
  std::lock_guard<std::mutex> lock(written_mutex_);
  auto it = written_status_.find(key);
  if (it == written_status_.end()) return false;
  if (status_digest(cached) != it->second) return true;
  written_status_.erase(it);  // the cache has caught up
  return false;
}

// The server no longer holds the status written last (another writer, or the resource is gone): the cache is
// not behind this process's write, only behind the server, which its watch catches up with.
void KubeCluster::settle_write(const std::string& key, const std::optional<Json>& fresh) {
  std::lock_guard<std::mutex> lock(written_mutex_);
  auto it = written_status_.find(key);
  if (it != written_status_.end() && (!fresh || status_digest(*fresh) != it->second))
    written_status_.erase(it);
}

std::vector<Json> KubeCluster::list_owned_jobs(const std::string& ns, const std::string& resource_label) {
  std::vector<Json> jobs;
  const auto of_resource = [&resource_label](const Json& job) {
    return label_of(job, std::string(specs::kResourceLabel)) == resource_label;
  };
  if (const kube::Store* cache = caches_.jobs.find(ns)) {
    for (auto& job : cache->list(ns))
      if (of_resource(job)) jobs.push_back(std::move(job));
    if (caches_.deleted_jobs == nullptr) return jobs;
    // A finished Job deleted a moment ago stands until its run is recorded; one of the same name created
    // again since is the one that counts.
    for (auto& deleted : caches_.deleted_jobs->in_namespace(ns)) {
      const std::string name = deleted["metadata"].value("name", "");
      if (of_resource(deleted) && find_job(jobs, name) == nullptr) jobs.push_back(std::move(deleted));
    }
    return jobs;
  }
  kube::ListOptions options;
  options.label_selector = specs::resource_jobs_selector(resource_label);
  return client_.list_all(kube::resources::jobs(), ns, options).items;
}

Json KubeCluster::create_job(const std::string& ns, const Json& job) {
  try {
    return client_.create(kube::resources::jobs(), ns, job);
  } catch (const kube::ApiError& e) {
    if (e.reason() != kube::ApiReason::kAlreadyExists) throw;
    // The name is derived from what the run depends on: the existing Job is the one an earlier reconcile
    // (or an earlier operator process) created.
    return client_.get(kube::resources::jobs(), ns, job["metadata"].value("name", ""));
  }
}

std::optional<std::string> KubeCluster::get_job_pod_report(const std::string& ns,
                                                           const std::string& job_name) {
  kube::ListOptions options;
  options.label_selector = "job-name=" + job_name;
  return latest_pod_report(client_.list_all(kube::resources::pods(), ns, options).items);
}

std::vector<Json> KubeCluster::list_job_pods(const std::string& ns, const std::string& job_name) {
  kube::ListOptions options;
  options.label_selector = "job-name=" + job_name;
  return client_.list_all(kube::resources::pods(), ns, options).items;
}

std::vector<Json> KubeCluster::list_job_events(const std::string& ns, const std::string& job_name) {
  kube::ListOptions options;
  options.field_selector = "involvedObject.kind=Job,involvedObject.name=" + job_name;
  return client_.list_all(kube::resources::core_events(), ns, options).items;
}

void KubeCluster::delete_job(const std::string& ns, const std::string& name) {
  try {
    client_.remove(kube::resources::jobs(), ns, name, {.propagation = kube::PropagationPolicy::kBackground});
  } catch (const kube::ApiError& e) {
    if (e.reason() != kube::ApiReason::kNotFound) throw;
  }
}

std::optional<Json> KubeCluster::get_secret(const std::string& ns, const std::string& name) {
  return client_.try_get(kube::resources::secrets(), ns, name);
}

std::optional<Json> KubeCluster::get_config_map(const std::string& ns, const std::string& name) {
  const auto fetch = [&] { return client_.try_get(kube::resources::config_maps(), ns, name); };
  const kube::Store* metadata = caches_.config_maps.find(ns);
  if (metadata == nullptr) return fetch();
  return config_map_contents_.get(*metadata, kube::object_key(ns, name), fetch);
}

Json KubeCluster::apply_config_map(const std::string& ns, const Json& config_map) {
  const std::string name = config_map["metadata"].value("name", "");
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      auto existing = client_.try_get(kube::resources::config_maps(), ns, name);
      if (!existing) return client_.create(kube::resources::config_maps(), ns, config_map);
      Json updated = *existing;
      for (const char* field : {"data", "binaryData"}) {
        if (config_map.contains(field))
          updated[field] = config_map[field];
        else
          updated.erase(field);
      }
      const Json meta = config_map.value("metadata", Json::object());
      for (const char* field : {"labels", "ownerReferences"})
        if (meta.contains(field)) updated["metadata"][field] = meta[field];
      if (updated == *existing) return updated;
      return client_.update(kube::resources::config_maps(), ns, updated);
    } catch (const kube::ApiError& e) {
      const bool raced =
          e.reason() == kube::ApiReason::kConflict || e.reason() == kube::ApiReason::kAlreadyExists;
      if (!raced || attempt == kAttempts) throw;
    }
  }
}

Json KubeCluster::update_status(const Json& resource) {
  const std::string ns = resource["metadata"].value("namespace", "");
  const std::string name = resource["metadata"].value("name", "");
  const std::string key = kube::object_key(ns, name);
  Json stored = translate_errors("status of " + key,
                                 [&] { return client_.update_status(postgres_migrations(), ns, resource); });
  if (caches_.resources.find(ns) != nullptr) {
    std::lock_guard<std::mutex> lock(written_mutex_);
    written_status_[key] = status_digest(stored);
  }
  return stored;
}

void KubeCluster::record_event(const Json& regarding, EventType type, const std::string& reason,
                               const std::string& message) {
  try {
    events_.record(regarding,
                   type == EventType::kWarning ? kube::EventType::kWarning : kube::EventType::kNormal, reason,
                   "Reconcile", message);
  } catch (const std::exception& e) {
    log::warn("could not record an event", {{"reason", reason}, {"error", e.what()}});
  }
}

}  // namespace pgrevise::controller
