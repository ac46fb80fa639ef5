#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgrevise::controller {

// Where a batch/v1 Job stands, read from its status conditions (Complete / Failed, and the newer
// SuccessCriteriaMet / FailureTarget that precede them).
enum class JobPhase { kActive, kSucceeded, kFailed };

struct JobView {
  std::string name;
  JobPhase phase = JobPhase::kActive;
  std::string start_time;       // status.startTime, "" before the Job controller saw it
  std::string completion_time;  // status.completionTime (success) or the Failed condition's time
  std::string failure_reason;   // the Failed condition's reason: BackoffLimitExceeded, DeadlineExceeded, ...
  std::string failure_message;
  std::int64_t active_deadline_seconds = 0;  // spec.activeDeadlineSeconds; 0 when unset
  bool finished() const { return phase != JobPhase::kActive; }
};

JobView view_job(const nlohmann::json& job);

// Whether the Job's ownerReferences name an object with this uid. An empty uid (an object store that assigns
// none, such as a file applied locally) owns every Job that carries its label.
bool owned_by(const nlohmann::json& job, const std::string& uid);

// The Job named `name` among `jobs`, or nullptr.
const nlohmann::json* find_job(const std::vector<nlohmann::json>& jobs, const std::string& name);

}  // namespace pgrevise::controller
