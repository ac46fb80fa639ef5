#include "kube/fetched_objects.h"

namespace pgrevise::kube {
namespace {

// Copies of deleted objects are dropped on every this-many gets: a store lookup per kept object, rare enough
// to cost nothing, often enough that a deleted ConfigMap's data does not stay for long.
constexpr std::size_t kPruneEvery = 256;

}  // namespace

std::optional<Json> FetchedObjects::get(const Store& metadata, const std::string& key, const Fetch& fetch) {
  const std::optional<Json> current = metadata.get(key);
  {
    std::lock_guard lock(mu_);
    if (++gets_ % kPruneEvery == 0) forget_deleted(metadata);
    if (!current) {
      objects_.erase(key);
      return std::nullopt;
    }
    const auto kept = objects_.find(key);
    if (kept != objects_.end() && resource_version_of(kept->second) == resource_version_of(*current))
      return kept->second;
  }
  std::optional<Json> fetched = fetch();
  std::lock_guard lock(mu_);
  if (fetched)
    objects_[key] = *fetched;
  else
    objects_.erase(key);
  return fetched;
}

std::size_t FetchedObjects::size() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

void FetchedObjects::forget_deleted(const Store& metadata) {
  for (auto it = objects_.begin(); it != objects_.end();) {
    if (metadata.get(it->first))
      ++it;
    else
      it = objects_.erase(it);
  }
}

}  // namespace pgrevise::kube
