#include "controller/stuck_job.h"

#include <algorithm>

#include "common/clock.h"
#include "controller/job_view.h"

namespace pgrevise::controller {
namespace {

using Json = nlohmann::json;

const Json& field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string text(const Json& object, const char* key) {
  const Json& value = field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

// Kubernetes timestamps, compared to the second as text: RFC 3339 in UTC sorts as it reads.
std::string second_of(const std::string& timestamp) {
  return timestamp.substr(0, 19);
}

// Whether `since` (an RFC 3339 time) is at least `grace` before `now`; false when it is unknown.
bool lasted(const std::string& since, std::chrono::system_clock::time_point now, std::chrono::seconds grace) {
  return !since.empty() && second_of(since) <= second_of(format_rfc3339(now - grace));
}

std::string name_of(const Json& object) {
  return text(field(object, "metadata"), "name");
}

// The first container (init containers first, as they run first) waiting for a reason that waiting does not
// cure.
std::optional<StuckJob> waiting_container(const Json& pod) {
  const Json& status = field(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const Json& statuses = field(status, list);
    if (!statuses.is_array()) continue;
    for (const Json& container : statuses) {
      const Json& waiting = field(field(container, "state"), "waiting");
      const std::string reason = text(waiting, "reason");
      const bool stuck = std::any_of(std::begin(kStuckWaitingReasons), std::end(kStuckWaitingReasons),
                                     [&](const char* r) { return reason == r; });
      if (!stuck) continue;
      std::string message = "container " + text(container, "name");
      if (const std::string m = text(waiting, "message"); !m.empty()) message += ": " + m;
      return StuckJob{reason, message, "Pod " + name_of(pod)};
    }
  }
  return std::nullopt;
}

// The PodScheduled condition when it says Unschedulable.
const Json* unschedulable(const Json& pod) {
  const Json& conditions = field(field(pod, "status"), "conditions");
  if (!conditions.is_array()) return nullptr;
  for (const Json& c : conditions) {
    if (text(c, "type") == "PodScheduled" && text(c, "status") == "False" &&
        text(c, "reason") == "Unschedulable")
      return &c;
  }
  return nullptr;
}

std::optional<StuckJob> stuck_pod(const Json& pod, std::chrono::system_clock::time_point now,
                                  std::chrono::seconds grace) {
  const Json& meta = field(pod, "metadata");
  if (!text(meta, "deletionTimestamp").empty()) return std::nullopt;  // going away already
  if (auto waiting = waiting_container(pod); waiting && lasted(text(meta, "creationTimestamp"), now, grace))
    return waiting;
  if (const Json* c = unschedulable(pod)) {
    const std::string since = text(*c, "lastTransitionTime");
    if (lasted(since.empty() ? text(meta, "creationTimestamp") : since, now, grace))
      return StuckJob{"Unschedulable", text(*c, "message"), "Pod " + name_of(pod)};
  }
  return std::nullopt;
}

// When an event was first seen: core/v1's firstTimestamp, else events.k8s.io's times, else its creation.
std::string first_seen(const Json& event) {
  for (const char* key : {"firstTimestamp", "deprecatedFirstTimestamp", "eventTime"})
    if (std::string t = text(event, key); !t.empty()) return t;
  return text(field(event, "metadata"), "creationTimestamp");
}

std::string last_seen(const Json& event) {
  for (const char* key : {"lastTimestamp", "deprecatedLastTimestamp"})
    if (std::string t = text(event, key); !t.empty()) return t;
  const Json& series = field(event, "series");
  if (std::string t = text(series, "lastObservedTime"); !t.empty()) return t;
  return first_seen(event);
}

// The latest FailedCreate about the Job, stuck once the first one is `grace` old.
std::optional<StuckJob> failed_create(const Json& job, const std::vector<Json>& events,
                                      std::chrono::system_clock::time_point now, std::chrono::seconds grace) {
  const Json* latest = nullptr;
  std::string first;
  for (const Json& event : events) {
    if (text(event, "reason") != "FailedCreate") continue;
    const std::string seen = first_seen(event);
    if (first.empty() || (!seen.empty() && second_of(seen) < second_of(first))) first = seen;
    if (latest == nullptr || second_of(last_seen(event)) >= second_of(last_seen(*latest))) latest = &event;
  }
  if (latest == nullptr) return std::nullopt;
  if (!lasted(first.empty() ? text(field(job, "metadata"), "creationTimestamp") : first, now, grace))
    return std::nullopt;
  std::string message = text(*latest, "message");
  if (message.empty()) message = text(*latest, "note");
  return StuckJob{"FailedCreate", message, "Job " + name_of(job)};
}

}  // namespace

bool may_be_stuck(const Json& job, std::chrono::system_clock::time_point now, std::chrono::seconds grace) {
  const JobView view = view_job(job);
  if (view.finished() || view.failure_pending) return false;
  const Json& ready = field(field(job, "status"), "ready");
  if (ready.is_number_integer() && ready.get<std::int64_t>() > 0) return false;
  const std::string created = text(field(job, "metadata"), "creationTimestamp");
  return created.empty() || lasted(created, now, grace);
}

std::optional<StuckJob> stuck_job(const Json& job, const std::vector<Json>& pods,
                                  const std::vector<Json>& events, std::chrono::system_clock::time_point now,
                                  std::chrono::seconds grace) {
  if (!may_be_stuck(job, now, grace)) return std::nullopt;
  bool live = false;  // a Pod that has not ended: FailedCreate is then an old story
  for (const Json& pod : pods) {
    const std::string phase = text(field(pod, "status"), "phase");
    if (phase == "Succeeded" || phase == "Failed") continue;
    live = true;
    if (phase != "Pending") continue;  // running
    if (auto stuck = stuck_pod(pod, now, grace)) return stuck;
  }
  if (live) return std::nullopt;
  return failed_create(job, events, now, grace);
}

}  // namespace pgrevise::controller
