#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "local/job_executor.h"

namespace pgrevise::local {

// A Pod's volumes laid out as folders, and the container paths they stand for.
struct MountTable {
  std::vector<std::pair<std::string, std::filesystem::path>>
      mounts;  // mountPath → local folder, longest first
  // Rewrites every container path under a mount (at a path boundary) to the local folder.
  std::string rewrite(const std::string& text) const;
};

// Writes the Pod's volumes below `dir`: ConfigMap and Secret volumes file by file (items honoured) in the
// kubelet's atomic-writer layout (visible names are links into `..data`, a link to a hidden timestamped
// folder holding the files, named after `written_at` as the kubelet names it after the time of the write),
// emptyDir and PVC as folders. Returns volume name → folder. A missing ConfigMap or Secret (not optional) is
// an Error naming it.
std::map<std::string, std::filesystem::path> materialize_volumes(
    const Json& pod_spec, const std::string& ns, const JobEnvironment& env, const std::filesystem::path& dir,
    std::chrono::system_clock::time_point written_at);

// The mount table of one container, with terminationMessagePath mapped to `termination_log`.
MountTable mounts_for(const Json& container, const std::map<std::string, std::filesystem::path>& volumes,
                      const std::filesystem::path& termination_log);

// The container's environment: literal values with $(VAR) references expanded, secretKeyRef and
// configMapKeyRef resolved, fieldRef for metadata.namespace / metadata.name. A missing reference that is not
// optional is an Error(kBadInput) like the kubelet's CreateContainerConfigError.
std::map<std::string, std::string> container_env(const Json& container, const std::string& ns,
                                                 const std::string& pod_name, const JobEnvironment& env);

// Kubernetes' $(VAR) expansion in command, args and env values: $(VAR) becomes the variable's value when it
// is defined, $$ becomes $, anything else is left as written.
std::string expand_references(const std::string& text, const std::map<std::string, std::string>& vars);

}  // namespace pgrevise::local
