#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgrevise::controller {

// Where a batch/v1 Job stands, read from its status conditions (Complete / Failed, and the newer
// SuccessCriteriaMet / FailureTarget that precede them). A Job with FailureTarget but not yet Failed is still
// active: its Pods are being stopped, and a report read then may not be the last one.
enum class JobPhase { kActive, kSucceeded, kFailed };

struct JobView {
  std::string name;
  JobPhase phase = JobPhase::kActive;
  std::string start_time;       // status.startTime, "" before the Job controller saw it
  std::string completion_time;  // status.completionTime (success) or the Failed condition's time
  std::string failure_reason;   // the Failed condition's reason: BackoffLimitExceeded, DeadlineExceeded, ...
  std::string failure_message;
  std::int64_t active_deadline_seconds = 0;  // spec.activeDeadlineSeconds; 0 when unset
  bool failure_pending = false;              // FailureTarget without Failed yet: the Pods are being stopped
  bool finished() const { return phase != JobPhase::kActive; }
};

JobView view_job(const nlohmann::json& job);

// Whether the Job's ownerReferences name an object with this uid. An empty uid (an object store that assigns
// none, such as a file applied locally) owns every Job that carries its label.
bool owned_by(const nlohmann::json& job, const std::string& uid);

// The Job named `name` among `jobs`, or nullptr.
const nlohmann::json* find_job(const std::vector<nlohmann::json>& jobs, const std::string& name);

// The status of the container that does the work in `pod`, a Pod of one of the operator's Jobs: the one named
// specs::main_container_name() of the kind in the Pod's component label. Found by name because the kubelet
// sorts containerStatuses by name, and a sidecar that a webhook injects (istio-proxy, linkerd-proxy,
// cloud-sql-proxy) may sort first; a native sidecar (an init container with restartPolicy Always) is listed
// in initContainerStatuses instead. nullptr while the Pod has no status for it, or for a Pod without the
// label.
const nlohmann::json* main_container_status(const nlohmann::json& pod);

// The report of the most recently created Pod among `pods` whose main container terminated with a message
// (ties in creationTimestamp, which has whole seconds, go to the later name). A sidecar still running beside
// the terminated main container does not matter: whether the Job is over is read from the Job's conditions.
std::optional<std::string> latest_pod_report(const std::vector<nlohmann::json>& pods);

}  // namespace pgrevise::controller
