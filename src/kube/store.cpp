#include "kube/store.h"

#include <algorithm>

namespace pgrevise::kube {

std::string resource_version_of(const Json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("resourceVersion", "");
}

// Always without metadata.managedFields: the server's bookkeeping of who set which field, often a third of a
// resource's text, which no reader of the cache uses (an update sent without it leaves the server's as is).
Store::Store(StoreHandler handler, std::vector<Json::json_pointer> unread_fields)
    : handler_(std::move(handler)), unread_fields_(std::move(unread_fields)) {
  unread_fields_.emplace_back("/metadata/managedFields");
}

Store::Entry Store::entry_of(const Json& object) const {
  const auto present = [&object](const Json::json_pointer& field) { return object.contains(field); };
  if (std::none_of(unread_fields_.begin(), unread_fields_.end(), present))
    return {resource_version_of(object), object.dump()};
  Json kept = object;
  for (const auto& field : unread_fields_) {
    if (!kept.contains(field)) continue;
    Json& parent = kept.at(field.parent_pointer());
    if (parent.is_object()) parent.erase(field.back());
  }
  return {resource_version_of(object), kept.dump()};
}

std::optional<Json> Store::get(const std::string& key) const {
  std::string text;
  {
    std::lock_guard lock(mu_);
    const auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    text = it->second.text;
  }
  return Json::parse(text);
}

std::vector<Json> Store::list(const std::string& ns) const {
  std::vector<std::string> texts;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, entry] : objects_) {
      if (ns.empty() || key.rfind(ns + "/", 0) == 0) texts.push_back(entry.text);
    }
  }
  std::vector<Json> out;
  out.reserve(texts.size());
  for (const auto& text : texts) out.push_back(Json::parse(text));
  return out;
}

std::vector<std::string> Store::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, entry] : objects_) out.push_back(key);
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

void Store::Listing::add(const Json& object) {
  entries_[object_key(object)] = store_->entry_of(object);
}

void Store::replace(const std::vector<Json>& items) {
  Listing listing = new_listing();
  for (const auto& item : items) listing.add(item);
  replace(std::move(listing));
}

void Store::replace(Listing listing) {
  std::map<std::string, Entry> fresh = std::move(listing.entries_);
  std::vector<Change> changes;
  std::lock_guard order(notify_mu_);
  {
    std::lock_guard lock(mu_);
    for (auto& [key, old] : objects_) {
      if (fresh.count(key) == 0) changes.push_back({Change::Type::kDeleted, key, std::move(old.text)});
    }
    for (const auto& [key, entry] : fresh) {
      const auto it = objects_.find(key);
      if (it == objects_.end()) {
        changes.push_back({Change::Type::kAdded, key, {}, nullptr, entry.text});
      } else if (it->second.resource_version != entry.resource_version) {
        changes.push_back({Change::Type::kUpdated, key, std::move(it->second.text), nullptr, entry.text});
      }
    }
    objects_.swap(fresh);
    synced_ = true;
  }
  fresh.clear();
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
      changes.push_back({Change::Type::kDeleted, key, std::move(it->second.text)});
      objects_.erase(it);
    } else if (it == objects_.end()) {
      changes.push_back({Change::Type::kAdded, key, {}, &event.object});
      objects_[key] = entry_of(event.object);
    } else {
      if (it->second.resource_version == resource_version_of(event.object)) return;  // seen already
      changes.push_back({Change::Type::kUpdated, key, std::move(it->second.text), &event.object});
      it->second = entry_of(event.object);
    }
  }
  notify(changes);
}

void Store::notify(const std::vector<Change>& changes) const {
  for (const auto& c : changes) {
    switch (c.type) {
      case Change::Type::kAdded:
        if (handler_.on_added)
          handler_.on_added(c.key, c.new_object ? *c.new_object : Json::parse(c.new_text));
        break;
      case Change::Type::kUpdated:
        if (handler_.on_updated)
          handler_.on_updated(c.key, Json::parse(c.old_text),
                              c.new_object ? *c.new_object : Json::parse(c.new_text));
        break;
      case Change::Type::kDeleted:
        if (handler_.on_deleted) handler_.on_deleted(c.key, Json::parse(c.old_text));
        break;
    }
  }
}

}  // namespace pgrevise::kube
