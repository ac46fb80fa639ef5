#pragma once

// What the Job controller and the kubelet write about a Job's run, built from a JobOutcome: the Pod created
// from the Job's template, its status while running and once finished, and the Job's own status at the end.
// Shared by the in-process cluster of `pgrevise apply` and the fake kubelet of the end-to-end tests, so the
// operator reads the same shapes from both. Pure: timestamps are passed in.

#include <nlohmann/json.hpp>
#include <string>

#include "local/job_executor.h"

namespace pgrevise::local {

// The Pod the Job controller creates from the Job's template: labels (template labels plus job-name,
// controller-uid and their batch.kubernetes.io forms), the template's annotations, an ownerReference to the
// Job, and the template's spec. No status.
nlohmann::json pod_for_job(const nlohmann::json& job, const std::string& pod_name);

// The statuses below are the kubelet's for `pod` (as created: a webhook may have added containers to the
// Job's template): containerStatuses sorted by container name, initContainerStatuses in the spec's order.

// While the Pod runs (since `started`): its containers and native sidecars (init containers with
// restartPolicy Always) running, its other init containers completed.
nlohmann::json running_pod_status(const nlohmann::json& pod, const std::string& started);

// Once the run ended: the container the outcome is of (outcome.container, else the main container)
// terminated with its exit code and termination message; the other containers, which the executor does not
// run (sidecars a webhook injected), terminated with exit code 0; after a failed init container, the later
// ones and the regular containers waiting (PodInitializing). A Pod that could not be configured
// (CreateContainerConfigError) stays Pending with that container waiting.
nlohmann::json finished_pod_status(const nlohmann::json& pod, const JobOutcome& outcome,
                                   const std::string& started, const std::string& finished);
// The moment before: the run ended, but the kubelet is still stopping the native sidecars, which run on, so
// the Pod is still Running (and its Job active).
nlohmann::json stopping_sidecars_pod_status(const nlohmann::json& pod, const JobOutcome& outcome,
                                            const std::string& started, const std::string& finished);
bool has_native_sidecars(const nlohmann::json& pod);

// The Job's status when the run ended (Complete or Failed condition, counts, completionTime), as a JSON merge
// patch of the status: `active` is null, so merging it into a status removes it.
nlohmann::json finished_job_status(const JobOutcome& outcome, const std::string& finished);

}  // namespace pgrevise::local
