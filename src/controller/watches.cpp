#include "controller/watches.h"

#include <string>

#include "api/types.h"

namespace pgrevise::controller {
namespace {

using Json = nlohmann::json;

const Json& member(const Json& object, const char* name) {
  static const Json kNone = Json::object();
  if (!object.is_object()) return kNone;
  const auto it = object.find(name);
  return it != object.end() ? *it : kNone;
}

std::string text(const Json& object, const char* name) {
  const Json& value = member(object, name);
  return value.is_string() ? value.get<std::string>() : "";
}

}  // namespace

std::vector<ObjectRef> resources_for_config_map(const Json& config_map,
                                                const std::vector<Json>& resources_in_namespace) {
  const Json& meta = member(config_map, "metadata");
  const std::string ns = text(meta, "namespace");
  const std::string name = text(meta, "name");
  std::vector<ObjectRef> concerned;
  const Json& owners = member(meta, "ownerReferences");
  if (owners.is_array()) {
    for (const auto& owner : owners) {
      if (text(owner, "kind") == api::kKind) {
        concerned.push_back({ns, text(owner, "name")});
        break;
      }
    }
  }
  for (const auto& resource : resources_in_namespace) {
    const Json& ref = member(member(member(resource, "spec"), "migrations"), "configMapRef");
    if (!name.empty() && text(ref, "name") == name)
      concerned.push_back(
          {text(member(resource, "metadata"), "namespace"), text(member(resource, "metadata"), "name")});
  }
  return concerned;
}

std::vector<nlohmann::json::json_pointer> unread_job_fields() {
  return {nlohmann::json::json_pointer("/spec/template")};
}

std::vector<nlohmann::json::json_pointer> unread_config_map_fields() {
  using pointer = nlohmann::json::json_pointer;
  return {pointer("/apiVersion"),      pointer("/kind"),
          pointer("/metadata/uid"),    pointer("/metadata/creationTimestamp"),
          pointer("/metadata/labels"), pointer("/metadata/annotations")};
}

}  // namespace pgrevise::controller
