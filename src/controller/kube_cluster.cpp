#include "controller/kube_cluster.h"

#include <algorithm>

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
  return cached_or_get(caches_.resources.find(ns), client_, postgres_migrations(), ns, name);
}

std::vector<Json> KubeCluster::list_owned_jobs(const std::string& ns, const std::string& resource_label) {
  std::vector<Json> jobs;
  if (const kube::Store* cache = caches_.jobs.find(ns)) {
    for (auto& job : cache->list(ns))
      if (label_of(job, std::string(specs::kResourceLabel)) == resource_label) jobs.push_back(std::move(job));
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
  return translate_errors("status of " + kube::object_key(ns, name),
                          [&] { return client_.update_status(postgres_migrations(), ns, resource); });
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
