#include "kube/handlers.h"

namespace pgrevise::kube {

StoreHandler enqueue_object_keys(WorkQueue& queue) {
  return {[&queue](const std::string& key, const Json&) { queue.add(key); },
          [&queue](const std::string& key, const Json&, const Json&) { queue.add(key); },
          [&queue](const std::string& key, const Json&) { queue.add(key); }};
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
