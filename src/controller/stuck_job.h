#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgrevise::controller {

// Why a running Job's Pod has not started and will not without someone's help, in the words of Kubernetes:
// the Pod's own waiting reason (ImagePullBackOff, ErrImagePull, InvalidImageName, CreateContainerConfigError)
// or scheduling reason (Unschedulable), or FailedCreate, the Job controller's event when the API refused the
// Pod (a ResourceQuota, a LimitRange, PodSecurity admission).
struct StuckJob {
  std::string reason;   // as Kubernetes says it
  std::string message;  // the Pod's (or the event's) own message
  std::string object;   // "Pod <name>" or "Job <name>": what said it
};

// The container waiting reasons that do not go away by waiting.
inline constexpr const char* kStuckWaitingReasons[] = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                                                       "CreateContainerConfigError"};

// Whether `job`, one of the operator's running Jobs, is stuck: a Pod of it (from `pods`, those labelled
// job-name=<the Job's name>) has waited with one of kStuckWaitingReasons, or stayed unschedulable, for at
// least `grace` at `now`; or the Job has no Pod and `events` (the Events about the Job) hold a FailedCreate
// at least `grace` old. A finished Job, one being stopped (FailureTarget), and one with a ready Pod are never
// stuck. The grace period counts from the Pod's creation (a waiting container), from the PodScheduled
// condition's transition (unschedulable), and from the first FailedCreate (else the Job's creation). Pure:
// `now` comes from the injected Clock.
std::optional<StuckJob> stuck_job(const nlohmann::json& job, const std::vector<nlohmann::json>& pods,
                                  const std::vector<nlohmann::json>& events,
                                  std::chrono::system_clock::time_point now, std::chrono::seconds grace);

// Whether the Pods of `job` need a look at all: it runs, is not being stopped, has no ready Pod, and was
// created at least `grace` before `now` (a younger Job cannot be stuck yet).
bool may_be_stuck(const nlohmann::json& job, std::chrono::system_clock::time_point now,
                  std::chrono::seconds grace);

}  // namespace pgrevise::controller
