#include "kube/resource.h"

#include <cctype>
#include <cstdio>

namespace pgrevise::kube {

std::string ResourceType::collection_path(const std::string& ns) const {
  if (namespaced && !ns.empty()) return group_path() + "/namespaces/" + ns + "/" + resource;
  return group_path() + "/" + resource;
}

std::string ResourceType::object_path(const std::string& ns, const std::string& name) const {
  return collection_path(ns) + "/" + name;
}

namespace resources {
ResourceType pods() {
  return {"", "v1", "pods", "Pod", true};
}
ResourceType config_maps() {
  return {"", "v1", "configmaps", "ConfigMap", true};
}
ResourceType secrets() {
  return {"", "v1", "secrets", "Secret", true};
}
ResourceType namespaces() {
  return {"", "v1", "namespaces", "Namespace", false};
}
ResourceType core_events() {
  return {"", "v1", "events", "Event", true};
}
ResourceType custom_resource_definitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}
ResourceType jobs() {
  return {"batch", "v1", "jobs", "Job", true};
}
ResourceType leases() {
  return {"coordination.k8s.io", "v1", "leases", "Lease", true};
}
ResourceType events() {
  return {"events.k8s.io", "v1", "events", "Event", true};
}
}  // namespace resources

std::string url_encode(const std::string& value) {
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace pgrevise::kube
