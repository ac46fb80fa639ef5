#pragma once

// Checks a Pod spec (or a Job / Pod / Deployment holding one) against the Pod Security Standards `restricted`
// profile, plus a read-only root filesystem, which pgrevise asks of all its Pods. Header-only so any test can
// use it with the tests/ folder on its include path.

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pgrevise::testing {

namespace restricted_detail {

using Json = nlohmann::json;

inline const Json* find(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline bool is_true(const Json* j) {
  return j != nullptr && j->is_boolean() && j->get<bool>();
}

// The Pod spec inside a Job, CronJob-less workload, Pod or a bare Pod spec.
inline const Json& pod_spec_of(const Json& object) {
  if (const Json* spec = find(object, "spec")) {
    if (const Json* tmpl = find(*spec, "template")) {
      if (const Json* pod = find(*tmpl, "spec")) return *pod;
    }
    if (find(*spec, "containers") != nullptr) return *spec;
  }
  return object;
}

inline std::string seccomp_type(const Json* context) {
  const Json* profile = context ? find(*context, "seccompProfile") : nullptr;
  const Json* type = profile ? find(*profile, "type") : nullptr;
  return type && type->is_string() ? type->get<std::string>() : "";
}

struct Checker {
  const Json& pod;
  bool require_read_only_root;
  std::vector<std::string> problems;

  void fail(const std::string& where, const std::string& what) { problems.push_back(where + ": " + what); }

  void check_pod_level() {
    for (const char* host : {"hostNetwork", "hostPID", "hostIPC"})
      if (is_true(find(pod, host))) fail("spec", std::string(host) + " is true");
    static const std::set<std::string> allowed_volumes = {"configMap", "csi",       "downwardAPI",
                                                          "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                                          "projected", "secret"};
    if (const Json* volumes = find(pod, "volumes"); volumes && volumes->is_array()) {
      for (const auto& v : *volumes) {
        for (const auto& [key, value] : v.items()) {
          if (key != "name" && !allowed_volumes.count(key))
            fail("volume " + v.value("name", "?"), "type " + key + " is not allowed");
        }
      }
    }
    const Json* context = find(pod, "securityContext");
    if (context && find(*context, "sysctls") && !find(*context, "sysctls")->empty())
      fail("spec.securityContext", "sysctls are set");
    if (seccomp_type(context) == "Unconfined") fail("spec.securityContext", "seccompProfile is Unconfined");
  }

  void check_container(const Json& c, const std::string& where) {
    const Json* pod_context = find(pod, "securityContext");
    const Json* context = find(c, "securityContext");
    auto field = [&](const char* key) -> const Json* {
      const Json* own = context ? find(*context, key) : nullptr;
      return own ? own : (pod_context ? find(*pod_context, key) : nullptr);
    };
    if (context && is_true(find(*context, "privileged"))) fail(where, "privileged");
    const Json* escalation = context ? find(*context, "allowPrivilegeEscalation") : nullptr;
    if (!escalation || !escalation->is_boolean() || escalation->get<bool>())
      fail(where, "allowPrivilegeEscalation is not false");
    if (!is_true(field("runAsNonRoot"))) fail(where, "runAsNonRoot is not true");
    const Json* user = field("runAsUser");
    if (user && (!user->is_number_integer() || user->get<long>() == 0)) fail(where, "runAsUser is 0");
    std::string seccomp = seccomp_type(context);
    if (seccomp.empty()) seccomp = seccomp_type(pod_context);
    if (seccomp != "RuntimeDefault" && seccomp != "Localhost")
      fail(where, "seccompProfile is neither RuntimeDefault nor Localhost");
    check_capabilities(context, where);
    if (const Json* ports = find(c, "ports"); ports && ports->is_array()) {
      for (const auto& p : *ports)
        if (p.value("hostPort", 0) != 0) fail(where, "hostPort is set");
    }
    if (require_read_only_root && !is_true(context ? find(*context, "readOnlyRootFilesystem") : nullptr))
      fail(where, "readOnlyRootFilesystem is not true");
  }

  void check_capabilities(const Json* context, const std::string& where) {
    const Json* caps = context ? find(*context, "capabilities") : nullptr;
    bool drops_all = false;
    if (const Json* drop = caps ? find(*caps, "drop") : nullptr; drop && drop->is_array()) {
      for (const auto& d : *drop) drops_all |= d == "ALL";
    }
    if (!drops_all) fail(where, "capabilities do not drop ALL");
    if (const Json* add = caps ? find(*caps, "add") : nullptr; add && add->is_array()) {
      for (const auto& a : *add)
        if (a != "NET_BIND_SERVICE") fail(where, "adds capability " + a.dump());
    }
  }

  void run() {
    check_pod_level();
    size_t containers = 0;
    for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
      const Json* cs = find(pod, list);
      if (!cs || !cs->is_array()) continue;
      for (const auto& c : *cs) {
        check_container(c, std::string(list) + "[" + c.value("name", "?") + "]");
        ++containers;
      }
    }
    if (containers == 0) fail("spec", "no containers to check");
  }
};

}  // namespace restricted_detail

// Every way `object`'s Pod spec falls short of the `restricted` profile (and, unless turned off, of a
// read-only root filesystem), one line each naming the container or volume; empty when it complies.
inline std::vector<std::string> restricted_profile_violations(const nlohmann::json& object,
                                                              bool require_read_only_root = true) {
  restricted_detail::Checker checker{restricted_detail::pod_spec_of(object), require_read_only_root, {}};
  checker.run();
  return checker.problems;
}

}  // namespace pgrevise::testing
