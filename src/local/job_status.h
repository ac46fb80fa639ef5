#pragma once

// What the Job controller and the kubelet write about a Job's run, built from a JobOutcome: the Pod created
// from the Job's template, its status while running and once finished, and the Job's own status at the end.
// Shared by the in-process cluster of `pgrevise apply` and the fake kubelet of the end-to-end tests, so the
// operator reads the same shapes from both. Pure: timestamps are passed in.

#include <nlohmann/json.hpp>
#include <string>

#include "local/job_executor.h"

namespace pgrevise::local {

// The name of the Job template's first container ("main" when there is none).
std::string container_name(const nlohmann::json& job);

// The Pod the Job controller creates from the Job's template: labels (template labels plus job-name,
// controller-uid and their batch.kubernetes.io forms), the template's annotations, an ownerReference to the
// Job, and the template's spec. No status.
nlohmann::json pod_for_job(const nlohmann::json& job, const std::string& pod_name);

// A Pod's status while its container runs (since `started`).
nlohmann::json running_pod_status(const nlohmann::json& job, const std::string& started);

// A Pod's status once the run ended: the container terminated with its exit code and termination message;
// a Pod that could not be configured (CreateContainerConfigError) stays Pending with a waiting container.
nlohmann::json finished_pod_status(const nlohmann::json& job, const JobOutcome& outcome,
                                   const std::string& started, const std::string& finished);

// The Job's status when the run ended (Complete or Failed condition, counts, completionTime), as a JSON merge
// patch of the status: `active` is null, so merging it into a status removes it.
nlohmann::json finished_job_status(const JobOutcome& outcome, const std::string& finished);

}  // namespace pgrevise::local
