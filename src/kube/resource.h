#pragma once

#include <string>

namespace pgrevise::kube {

// A resource type as the API addresses it: group/version/resource (plural), and whether objects live in a
// namespace.
struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case: "jobs"
  std::string kind;      // "Job"
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/batch/v1".
  std::string group_path() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
  // Collection path; an empty namespace means all namespaces (or a cluster-scoped type).
  std::string collection_path(const std::string& ns) const;
  std::string object_path(const std::string& ns, const std::string& name) const;
  bool operator==(const ResourceType& other) const = default;
};

namespace resources {
ResourceType pods();
ResourceType config_maps();
ResourceType secrets();
ResourceType namespaces();
ResourceType core_events();
ResourceType jobs();
ResourceType leases();
ResourceType events();  // events.k8s.io/v1
ResourceType custom_resource_definitions();
}  // namespace resources

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& value);

}  // namespace pgrevise::kube
