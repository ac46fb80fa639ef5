#include "local/job_status.h"

#include <algorithm>

namespace pgrevise::local {

using Json = nlohmann::json;

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

namespace {

Json containers_of(const Json& pod, const char* list) {
  return pod.value("spec", Json::object()).value(list, Json::array());
}

Json container_status(const Json& container, Json state) {
  return {{"name", container.value("name", "")},
          {"ready", state.contains("running")},
          {"restartCount", 0},
          {"state", std::move(state)}};
}

Json running(const std::string& started) {
  return {{"running", {{"startedAt", started}}}};
}

Json waiting(const std::string& reason, const std::string& message = "") {
  Json state = {{"reason", reason}};
  if (!message.empty()) state["message"] = message;
  return {{"waiting", state}};
}

Json terminated(int exit_code, const std::string& started, const std::string& finished,
                const std::string& message = "") {
  Json state = {{"exitCode", exit_code},
                {"reason", exit_code == 0 ? "Completed" : "Error"},
                {"startedAt", started},
                {"finishedAt", finished}};
  if (!message.empty()) state["message"] = message;
  return {{"terminated", state}};
}

// The kubelet lists containerStatuses sorted by container name (initContainerStatuses keep the spec's order).
Json sorted_by_name(Json statuses) {
  std::sort(statuses.begin(), statuses.end(),
            [](const Json& a, const Json& b) { return a.value("name", "") < b.value("name", ""); });
  return statuses;
}

// The state of each container once the run ended as `outcome`, by container name.
class EndedStates {
 public:
  EndedStates(const Json& pod, const JobOutcome& outcome, const std::string& started,
              const std::string& finished, bool sidecars_stopped)
      : outcome_(outcome), started_(started), finished_(finished), sidecars_stopped_(sidecars_stopped) {
    subject_ = outcome.container;
    const Json spec = pod.value("spec", Json::object());
    // A Pod that failed before any container ran shows it on its main container.
    if (subject_.empty() && !spec.value("containers", Json::array()).empty())
      subject_ = main_container(spec, pod).value("name", "");
    for (const auto& c : containers_of(pod, "initContainers"))
      init_failed_ |= c.value("name", "") == subject_ && !outcome.succeeded;
  }

  Json of_regular(const Json& container) const {
    if (container.value("name", "") == subject_) return of_subject();
    if (init_failed_) return waiting("PodInitializing");
    if (outcome_.reason == "CreateContainerConfigError") return waiting("ContainerCreating");
    // A sidecar injected into the Pod (the executor does not run it) ends with the main container.
    return terminated(0, started_, finished_);
  }

  // Init containers in order: those before the one that failed completed, those after it never started.
  Json of_init(const Json& containers) const {
    Json statuses = Json::array();
    bool after_subject = false;
    for (const auto& c : containers) {
      statuses.push_back(container_status(c, of_init(c, after_subject)));
      after_subject |= c.value("name", "") == subject_;
    }
    return statuses;
  }

 private:
  Json of_init(const Json& container, bool after_subject) const {
    if (container.value("name", "") == subject_) return of_subject();
    if (is_native_sidecar(container))
      return sidecars_stopped_ ? terminated(0, started_, finished_) : running(started_);
    if (after_subject && init_failed_) return waiting("PodInitializing");
    return terminated(0, started_, started_);
  }

  Json of_subject() const {
    if (outcome_.reason == "CreateContainerConfigError") return waiting(outcome_.reason, outcome_.message);
    const int exit_code = outcome_.exit_code < 0 ? 137 : outcome_.exit_code;
    return terminated(exit_code, started_, finished_, outcome_.termination_message);
  }

  const JobOutcome& outcome_;
  std::string started_;
  std::string finished_;
  bool sidecars_stopped_;
  std::string subject_;
  bool init_failed_ = false;
};

Json ended_pod_status(const Json& pod, const JobOutcome& outcome, const std::string& started,
                      const std::string& finished, bool sidecars_stopped) {
  const EndedStates states(pod, outcome, started, finished, sidecars_stopped);
  Json regular = Json::array();
  for (const auto& c : containers_of(pod, "containers"))
    regular.push_back(container_status(c, states.of_regular(c)));
  Json status = {{"startTime", started}, {"containerStatuses", sorted_by_name(std::move(regular))}};
  if (Json init = states.of_init(containers_of(pod, "initContainers")); !init.empty())
    status["initContainerStatuses"] = std::move(init);
  if (outcome.reason == "CreateContainerConfigError") {
    status["phase"] = "Pending";
    status.erase("startTime");
  } else {
    status["phase"] = !sidecars_stopped ? "Running" : outcome.succeeded ? "Succeeded" : "Failed";
  }
  return status;
}

}  // namespace

Json running_pod_status(const Json& pod, const std::string& started) {
  Json regular = Json::array();
  for (const auto& c : containers_of(pod, "containers"))
    regular.push_back(container_status(c, running(started)));
  Json init = Json::array();
  for (const auto& c : containers_of(pod, "initContainers"))
    init.push_back(
        container_status(c, is_native_sidecar(c) ? running(started) : terminated(0, started, started)));
  Json status = {{"phase", "Running"},
                 {"startTime", started},
                 {"containerStatuses", sorted_by_name(std::move(regular))}};
  if (!init.empty()) status["initContainerStatuses"] = std::move(init);
  return status;
}

Json finished_pod_status(const Json& pod, const JobOutcome& outcome, const std::string& started,
                         const std::string& finished) {
  return ended_pod_status(pod, outcome, started, finished, true);
}

Json stopping_sidecars_pod_status(const Json& pod, const JobOutcome& outcome, const std::string& started,
                                  const std::string& finished) {
  return ended_pod_status(pod, outcome, started, finished, false);
}

bool has_native_sidecars(const Json& pod) {
  for (const auto& c : containers_of(pod, "initContainers"))
    if (is_native_sidecar(c)) return true;
  return false;
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
