#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/process.h"

namespace pgrevise::local {

using Json = nlohmann::json;

// What a Job's Pod would find around it in a cluster, mapped onto this machine: Secrets and ConfigMaps to
// read, a directory per PersistentVolumeClaim, and the program that stands for the `pgrevise` image's
// entrypoint.
struct JobEnvironment {
  std::string pgrevise_binary = "pgrevise";
  std::filesystem::path
      work_dir;  // each run gets a fresh folder below it for its volumes and termination log
  std::function<std::optional<Json>(const std::string& ns, const std::string& name)> get_secret;
  std::function<std::optional<Json>(const std::string& ns, const std::string& name)> get_config_map;
  std::map<std::string, std::filesystem::path> claim_dirs;  // claimName → local directory
  std::filesystem::path default_claims_dir;                 // claims not listed get a folder here
  std::map<std::string, std::string> extra_env;             // set last, over the Pod's own (e.g. overrides)
};

// How one run of a Job ended, as the Job's status and its Pod would show it.
struct JobOutcome {
  bool succeeded = false;
  int attempts = 0;     // Pods started (1 + retries allowed by backoffLimit)
  int exit_code = -1;   // of the last attempt
  std::string reason;   // "Completed", "BackoffLimitExceeded", "PodFailurePolicy", "DeadlineExceeded",
                        // "CreateContainerConfigError"
  std::string message;  // human-readable, redacted
  std::string termination_message;  // what the container wrote to its terminationMessagePath
  std::string logs;                 // stdout and stderr of the last attempt (FallbackToLogsOnError uses them)
  // The container the exit code and messages are of: the main container, or the init container that failed
  // (or could not be configured); "" when the Pod failed before any container.
  std::string container;
};

// The container of a Pod spec (or Job template spec) that does the work: the one named
// specs::main_container_name() of the kind in `labelled`'s component label (the Job or the Pod), else, for a
// Job the operator did not build, the first. Throws Error(kBadInput) when the spec has no container.
const Json& main_container(const Json& pod_spec, const Json& labelled);
// A native sidecar: an init container with restartPolicy Always, which runs beside the main container and
// which the kubelet stops once the main container has ended.
bool is_native_sidecar(const Json& container);

// Runs a batch/v1 Job's Pod template as local processes: init containers in order (native sidecars, with
// restartPolicy Always, are not run), then the main container (other regular containers are not run); volumes
// become folders (ConfigMap volumes are written out file by file, emptyDir and PVC are folders), and every
// path under a volume's mountPath in the command, arguments and environment is rewritten to that folder, as
// is /dev/termination-log. Environment variables from `secretKeyRef` and `configMapKeyRef` are resolved from
// the environment's Secrets and ConfigMaps; a missing one fails the Pod like the kubelet does
// (CreateContainerConfigError). backoffLimit, podFailurePolicy (FailJob on exit codes) and
// activeDeadlineSeconds are honoured.
class JobExecutor {
 public:
  // activeDeadlineSeconds counts on `clock`, which also names the volumes' timestamped folders.
  JobExecutor(JobEnvironment env, ProcessRunner& runner, const Clock& clock);
  JobOutcome run(const Json& job);

 private:
  JobEnvironment env_;
  ProcessRunner& runner_;
  const Clock& clock_;
};

}  // namespace pgrevise::local
