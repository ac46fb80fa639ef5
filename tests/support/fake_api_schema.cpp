#include "support/fake_api_schema.h"

#include <stdexcept>

namespace pgrevise::testing {
namespace {

void prune(Json& value, const Json& schema, const std::string& path, std::vector<std::string>& pruned) {
  if (!schema.is_object() || schema.value("x-kubernetes-preserve-unknown-fields", false)) return;
  if (value.is_object()) {
    const Json properties = schema.value("properties", Json::object());
    const Json additional = schema.value("additionalProperties", Json());
    for (auto it = value.begin(); it != value.end();) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      if (properties.contains(it.key())) {
        prune(it.value(), properties[it.key()], child, pruned);
        ++it;
      } else if (additional.is_object() || additional == true) {
        prune(it.value(), additional, child, pruned);
        ++it;
      } else {
        pruned.push_back(child);
        it = value.erase(it);
      }
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      prune(value[i], schema["items"], path + "[" + std::to_string(i) + "]", pruned);
    }
  }
}

}  // namespace

std::vector<std::string> prune_unknown_fields(Json& object, const Json& schema) {
  std::vector<std::string> pruned;
  if (!schema.is_object() || !object.is_object()) return pruned;
  const Json properties = schema.value("properties", Json::object());
  for (auto it = object.begin(); it != object.end();) {
    const std::string key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "metadata") {
      ++it;
    } else if (properties.contains(key)) {
      prune(it.value(), properties[key], key, pruned);
      ++it;
    } else if (schema.value("x-kubernetes-preserve-unknown-fields", false)) {
      ++it;
    } else {
      pruned.push_back(key);
      it = object.erase(it);
    }
  }
  return pruned;
}

FakeResource resource_from_crd(const Json& crd) {
  if (!crd.is_object() || crd.value("kind", "") != "CustomResourceDefinition" || !crd.contains("spec")) {
    throw std::invalid_argument("not a CustomResourceDefinition");
  }
  const Json& spec = crd["spec"];
  const Json& names = spec.at("names");
  FakeResource r;
  r.group = spec.at("group").get<std::string>();
  r.resource = names.at("plural").get<std::string>();
  r.kind = names.at("kind").get<std::string>();
  r.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
  r.custom = true;
  for (const auto& version : spec.at("versions")) {
    if (!version.value("storage", false)) continue;
    r.version = version.at("name").get<std::string>();
    r.status_subresource = version.contains("subresources") && version["subresources"].contains("status");
    if (version.contains("schema")) r.schema = version["schema"].value("openAPIV3Schema", Json());
  }
  if (r.version.empty()) throw std::invalid_argument("CustomResourceDefinition has no storage version");
  return r;
}

}  // namespace pgrevise::testing
