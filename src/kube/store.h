#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/rest_client.h"

namespace pgrevise::kube {

// Told about every change the store sees. Called outside the store's lock, in the order the changes were
// applied.
struct StoreHandler {
  std::function<void(const std::string& key, const Json& object)> on_added;
  std::function<void(const std::string& key, const Json& old_object, const Json& new_object)> on_updated;
  std::function<void(const std::string& key, const Json& last_known)> on_deleted;
};

// The cache a watcher fills: objects by "namespace/name". Reads never call the server. A relist replaces the
// whole content at once (readers see the old or the new snapshot, never a mix), with deletes synthesized for
// objects that vanished while the watch was down. An event carrying the resourceVersion the store already
// holds is a duplicate and is not applied again.
//
// Objects are kept as their compact JSON text, without metadata.managedFields, and parsed when read: a parsed
// object takes several times the memory of its text, and an operator caching thousands of resources and Jobs
// reads only a few at a time. A store may leave out more fields that no reader of it uses (`unread_fields`,
// JSON pointers such as "/spec/template"); handlers still see each event's whole object, and the previous
// object of an update as the store kept it.
class Store {
 public:
  explicit Store(StoreHandler handler = {}, std::vector<Json::json_pointer> unread_fields = {});

  std::optional<Json> get(const std::string& key) const;
  std::vector<Json> list(const std::string& ns = "") const;  // "" : all namespaces
  std::vector<std::string> keys() const;
  std::size_t size() const;
  bool synced() const;  // true once the first list has been applied

  void apply(const WatchEvent& event);  // ADDED, MODIFIED, DELETED; other types are ignored

 private:
  struct Entry {
    std::string resource_version;
    std::string text;  // the object, serialized
  };

 public:
  // A complete list, gathered page by page in the form the store keeps, for replace(): a watcher listing
  // thousands of objects holds one page parsed at a time, never the whole list.
  class Listing {
   public:
    void add(const Json& object);
    std::size_t size() const { return entries_.size(); }

   private:
    friend class Store;
    explicit Listing(const Store& store) : store_(&store) {}
    const Store* store_;
    std::map<std::string, Entry> entries_;
  };
  Listing new_listing() const { return Listing(*this); }
  void replace(Listing listing);
  void replace(const std::vector<Json>& items);

 private:
  struct Change {
    enum class Type { kAdded, kUpdated, kDeleted } type;
    std::string key;
    std::string old_text;              // kUpdated, kDeleted
    const Json* new_object = nullptr;  // kAdded, kUpdated from apply(): the event's object
    std::string new_text;              // kAdded, kUpdated from replace(): parsed when the handler is told
  };
  Entry entry_of(const Json& object) const;
  void notify(const std::vector<Change>& changes) const;

  StoreHandler handler_;
  std::vector<Json::json_pointer> unread_fields_;  // with /metadata/managedFields
  mutable std::mutex mu_;
  std::map<std::string, Entry> objects_;
  bool synced_ = false;
  std::mutex notify_mu_;  // keeps notifications in order across threads
};

std::string resource_version_of(const Json& object);

}  // namespace pgrevise::kube
