#include "controller/job_view.h"

#include <tuple>

#include "specs/jobs.h"

namespace pgrevise::controller {
namespace {

std::string string_at(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool condition_true(const nlohmann::json& condition) {
  return string_at(condition, "status") == "True";
}

}  // namespace

JobView view_job(const nlohmann::json& job) {
  JobView view;
  if (auto meta = job.find("metadata"); meta != job.end() && meta->is_object())
    view.name = string_at(*meta, "name");
  if (auto spec = job.find("spec"); spec != job.end() && spec->is_object()) {
    if (auto deadline = spec->find("activeDeadlineSeconds"); deadline != spec->end() && deadline->is_number())
      view.active_deadline_seconds = deadline->get<std::int64_t>();
  }
  auto status = job.find("status");
  if (status == job.end() || !status->is_object()) return view;
  view.start_time = string_at(*status, "startTime");
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return view;
  for (const auto& c : *conditions) {
    if (!c.is_object() || !condition_true(c)) continue;
    const std::string type = string_at(c, "type");
    if (type == "FailureTarget") {
      // The Job controller has decided the Job fails and is stopping its Pods: their reports are not final
      // until Failed follows, so the Job counts as running until then.
      view.failure_pending = true;
      continue;
    }
    if (type == "Failed") {
      view.phase = JobPhase::kFailed;
      view.failure_pending = false;
      view.failure_reason = string_at(c, "reason");
      view.failure_message = string_at(c, "message");
      view.completion_time = string_at(c, "lastTransitionTime");
      return view;  // a Job that failed stays failed whatever else its conditions say
    }
    if (type == "Complete" || type == "SuccessCriteriaMet") view.phase = JobPhase::kSucceeded;
  }
  if (view.phase == JobPhase::kSucceeded) view.completion_time = string_at(*status, "completionTime");
  return view;
}

bool owned_by(const nlohmann::json& job, const std::string& uid) {
  if (uid.empty()) return true;
  auto meta = job.find("metadata");
  if (meta == job.end() || !meta->is_object()) return false;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return false;
  for (const auto& ref : *refs) {
    if (ref.is_object() && string_at(ref, "uid") == uid) return true;
  }
  return false;
}

const nlohmann::json* find_job(const std::vector<nlohmann::json>& jobs, const std::string& name) {
  for (const auto& job : jobs) {
    auto meta = job.find("metadata");
    if (meta != job.end() && meta->is_object() && string_at(*meta, "name") == name) return &job;
  }
  return nullptr;
}

const nlohmann::json* main_container_status(const nlohmann::json& pod) {
  const auto kind = specs::job_kind_of(pod);
  auto status = pod.find("status");
  if (!kind || status == pod.end() || !status->is_object()) return nullptr;
  auto statuses = status->find("containerStatuses");
  if (statuses == status->end() || !statuses->is_array()) return nullptr;
  const std::string_view name = specs::main_container_name(*kind);
  for (const auto& container : *statuses)
    if (container.is_object() && string_at(container, "name") == name) return &container;
  return nullptr;
}

std::optional<std::string> latest_pod_report(const std::vector<nlohmann::json>& pods) {
  std::optional<std::string> report;
  std::string report_created;
  std::string report_name;
  for (const auto& pod : pods) {
    const nlohmann::json* main = main_container_status(pod);
    if (main == nullptr) continue;
    const auto state = main->value("state", nlohmann::json::object());
    const std::string message = state.value("terminated", nlohmann::json::object()).value("message", "");
    if (message.empty()) continue;
    const auto metadata = pod.value("metadata", nlohmann::json::object());
    const std::string created = string_at(metadata, "creationTimestamp");
    const std::string name = string_at(metadata, "name");
    if (!report || std::tie(created, name) > std::tie(report_created, report_name)) {
      report = message;
      report_created = created;
      report_name = name;
    }
  }
  return report;
}

}  // namespace pgrevise::controller
