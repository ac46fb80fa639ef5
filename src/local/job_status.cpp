#include "local/job_status.h"

#include <algorithm>

namespace pgrevise::local {

using Json = nlohmann::json;

std::string container_name(const Json& job) {
  const Json containers = job.value("spec", Json::object())
                              .value("template", Json::object())
                              .value("spec", Json::object())
                              .value("containers", Json::array());
  return containers.empty() ? "main" : containers[0].value("name", "main");
}

Json pod_for_job(const Json& job, const std::string& pod_name) {
  const Json meta = job.value("metadata", Json::object());
  const Json tmpl = job.value("spec", Json::object()).value("template", Json::object());
  const std::string job_name = meta.value("name", "");
  const std::string uid = meta.value("uid", "");
  Json labels = tmpl.value("metadata", Json::object()).value("labels", Json::object());
  labels["job-name"] = job_name;
  labels["controller-uid"] = uid;
  labels["batch.kubernetes.io/job-name"] = job_name;
  labels["batch.kubernetes.io/controller-uid"] = uid;
  Json owner = {{"apiVersion", "batch/v1"}, {"kind", "Job"},
                {"name", job_name},         {"uid", uid},
                {"controller", true},       {"blockOwnerDeletion", true}};
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  pod["metadata"] = {{"name", pod_name},
                     {"namespace", meta.value("namespace", "default")},
                     {"labels", labels},
                     {"ownerReferences", Json::array({owner})}};
  if (auto a = tmpl.value("metadata", Json::object()).value("annotations", Json()); a.is_object())
    pod["metadata"]["annotations"] = a;
  pod["spec"] = tmpl.value("spec", Json::object());
  return pod;
}

Json running_pod_status(const Json& job, const std::string& started) {
  Json container = {{"name", container_name(job)},
                    {"ready", true},
                    {"restartCount", 0},
                    {"state", {{"running", {{"startedAt", started}}}}}};
  return {{"phase", "Running"}, {"startTime", started}, {"containerStatuses", Json::array({container})}};
}

Json finished_pod_status(const Json& job, const JobOutcome& outcome, const std::string& started,
                         const std::string& finished) {
  Json container = {{"name", container_name(job)}, {"ready", false}, {"restartCount", 0}};
  if (outcome.reason == "CreateContainerConfigError") {
    container["state"] = {{"waiting", {{"reason", outcome.reason}, {"message", outcome.message}}}};
    return {{"phase", "Pending"}, {"containerStatuses", Json::array({container})}};
  }
  const int exit_code = outcome.exit_code < 0 ? 137 : outcome.exit_code;
  Json terminated = {{"exitCode", exit_code},
                     {"reason", outcome.succeeded ? "Completed" : "Error"},
                     {"startedAt", started},
                     {"finishedAt", finished}};
  if (!outcome.termination_message.empty()) terminated["message"] = outcome.termination_message;
  container["state"] = {{"terminated", terminated}};
  return {{"phase", outcome.succeeded ? "Succeeded" : "Failed"},
          {"startTime", started},
          {"containerStatuses", Json::array({container})}};
}

Json finished_job_status(const JobOutcome& outcome, const std::string& finished) {
  Json condition = {{"status", "True"}, {"lastProbeTime", finished}, {"lastTransitionTime", finished}};
  Json status = {{"active", nullptr}, {"ready", 0}};
  if (outcome.succeeded) {
    condition["type"] = "Complete";
    status["succeeded"] = 1;
    if (outcome.attempts > 1) status["failed"] = outcome.attempts - 1;
    status["completionTime"] = finished;
  } else {
    condition["type"] = "Failed";
    condition["reason"] = outcome.reason;
    condition["message"] = outcome.message;
    status["failed"] = std::max(outcome.attempts, 1);
  }
  status["conditions"] = Json::array({condition});
  return status;
}

}  // namespace pgrevise::local
