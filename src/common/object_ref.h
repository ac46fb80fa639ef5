#pragma once

#include <string>
#include <string_view>

namespace pgrevise {

// Which Kubernetes object, by namespace and name: the one shape of the key that stores and work queues hold
// and that a reconcile starts from. Its text form is "namespace/name", or "name" for a cluster-scoped object.
struct ObjectRef {
  std::string ns;  // empty for a cluster-scoped object
  std::string name;

  std::string key() const { return ns.empty() ? name : ns + "/" + name; }

  // The inverse of key(): text without a '/' is a cluster-scoped name.
  static ObjectRef from_key(std::string_view key) {
    const auto slash = key.find('/');
    if (slash == std::string_view::npos) return {"", std::string(key)};
    return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  }

  bool operator==(const ObjectRef&) const = default;
};

}  // namespace pgrevise
