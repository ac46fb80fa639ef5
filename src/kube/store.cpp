#include "kube/store.h"

namespace pgrevise::kube {

std::string resource_version_of(const Json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("resourceVersion", "");
}

Store::Store(StoreHandler handler) : handler_(std::move(handler)) {}

std::optional<Json> Store::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> Store::list(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [key, object] : objects_) {
    if (ns.empty() || key.rfind(ns + "/", 0) == 0) out.push_back(object);
  }
  return out;
}

std::vector<std::string> Store::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

std::size_t Store::size() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

bool Store::synced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

void Store::replace(std::vector<Json> items) {
  std::map<std::string, Json> fresh;
  for (auto& item : items) {
    std::string key = object_key(item);
    fresh[std::move(key)] = std::move(item);
  }
  std::vector<Change> changes;
  std::lock_guard order(notify_mu_);
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, old] : objects_) {
      if (fresh.count(key) == 0) changes.push_back({Change::Type::kDeleted, key, old, nullptr});
    }
    for (const auto& [key, object] : fresh) {
      const auto it = objects_.find(key);
      if (it == objects_.end()) {
        changes.push_back({Change::Type::kAdded, key, nullptr, object});
      } else if (resource_version_of(it->second) != resource_version_of(object)) {
        changes.push_back({Change::Type::kUpdated, key, it->second, object});
      }
    }
    objects_.swap(fresh);
    synced_ = true;
  }
  notify(changes);
}

void Store::apply(const WatchEvent& event) {
  if (event.type != WatchEvent::Type::kAdded && event.type != WatchEvent::Type::kModified &&
      event.type != WatchEvent::Type::kDeleted) {
    return;
  }
  const std::string key = object_key(event.object);
  std::vector<Change> changes;
  std::lock_guard order(notify_mu_);
  {
    std::lock_guard lock(mu_);
    const auto it = objects_.find(key);
    if (event.type == WatchEvent::Type::kDeleted) {
      if (it == objects_.end()) return;
      changes.push_back({Change::Type::kDeleted, key, it->second, nullptr});
      objects_.erase(it);
    } else if (it == objects_.end()) {
      changes.push_back({Change::Type::kAdded, key, nullptr, event.object});
      objects_[key] = event.object;
    } else {
      if (resource_version_of(it->second) == resource_version_of(event.object)) return;  // seen already
      changes.push_back({Change::Type::kUpdated, key, it->second, event.object});
      it->second = event.object;
    }
  }
  notify(changes);
}

void Store::notify(const std::vector<Change>& changes) const {
  for (const auto& c : changes) {
    switch (c.type) {
      case Change::Type::kAdded:
        if (handler_.on_added) handler_.on_added(c.key, c.new_object);
        break;
      case Change::Type::kUpdated:
        if (handler_.on_updated) handler_.on_updated(c.key, c.old_object, c.new_object);
        break;
      case Change::Type::kDeleted:
        if (handler_.on_deleted) handler_.on_deleted(c.key, c.old_object);
        break;
    }
  }
}

}  // namespace pgrevise::kube
