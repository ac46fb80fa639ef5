#include "kube/handlers.h"

namespace pgrevise::kube {

StoreHandler enqueue_object_keys(WorkQueue& queue) {
  return {[&queue](const std::string& key, const Json&) { queue.add(key); },
          [&queue](const std::string& key, const Json&, const Json&) { queue.add(key); },
          [&queue](const std::string& key, const Json&) { queue.add(key); }};
}

namespace {

// The object without the fields every write changes (status, resourceVersion, managedFields).
Json without_write_noise(const Json& object) {
  Json copy = object;
  if (!copy.is_object()) return copy;
  copy.erase("status");
  if (auto meta = copy.find("metadata"); meta != copy.end() && meta->is_object()) {
    meta->erase("resourceVersion");
    meta->erase("managedFields");
  }
  return copy;
}

}  // namespace

bool only_status_changed(const Json& before, const Json& after) {
  return without_write_noise(before) == without_write_noise(after);
}

StoreHandler enqueue_object_keys_unless_status_only(WorkQueue& queue) {
  StoreHandler handler = enqueue_object_keys(queue);
  handler.on_added = [&queue](const std::string& key, const Json&) { queue.add(key, Priority::kHigh); };
  handler.on_updated = [&queue](const std::string& key, const Json& before, const Json& after) {
    if (!only_status_changed(before, after)) queue.add(key, Priority::kHigh);
  };
  return handler;
}

std::string owner_key(const Json& object, const std::string& owner_kind) {
  const Json& meta = object.value("metadata", Json::object());
  for (const auto& ref : meta.value("ownerReferences", Json::array())) {
    if (ref.value("kind", "") == owner_kind)
      return object_key(meta.value("namespace", ""), ref.value("name", ""));
  }
  return "";
}

StoreHandler enqueue_owner_keys(WorkQueue& queue, const std::string& owner_kind) {
  const auto add_owner = [&queue, owner_kind](const Json& object) {
    const std::string key = owner_key(object, owner_kind);
    if (!key.empty()) queue.add(key);
  };
  return {[add_owner](const std::string&, const Json& o) { add_owner(o); },
          [add_owner](const std::string&, const Json&, const Json& o) { add_owner(o); },
          [add_owner](const std::string&, const Json& o) { add_owner(o); }};
}

}  // namespace pgrevise::kube
