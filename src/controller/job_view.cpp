#include "controller/job_view.h"

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
    if (type == "Failed" || type == "FailureTarget") {
      view.phase = JobPhase::kFailed;
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

}  // namespace pgrevise::controller
