#include "kube/event_recorder.h"

#include <cstdio>
#include <functional>

#include "common/hash.h"
#include "common/log.h"
#include "common/redact.h"
#include "kube/leader_election.h"

namespace pgrevise::kube {
namespace {

constexpr std::size_t kMaxNote = 1024;

std::string cut_note(const std::string& note) {
  std::string text = redact(note);
  if (text.size() <= kMaxNote) return text;
  text.resize(kMaxNote - 3);
  // Do not leave half a UTF-8 sequence at the end.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
  return text + "...";
}

Json reference(const Json& object) {
  const Json& meta = object.value("metadata", Json::object());
  Json ref = {{"apiVersion", object.value("apiVersion", "")},
              {"kind", object.value("kind", "")},
              {"name", meta.value("name", "")}};
  if (meta.contains("namespace")) ref["namespace"] = meta["namespace"];
  if (meta.contains("uid")) ref["uid"] = meta["uid"];
  if (meta.contains("resourceVersion")) ref["resourceVersion"] = meta["resourceVersion"];
  return ref;
}

}  // namespace

EventRecorder::EventRecorder(RestClient& client, Clock& clock, EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

Json EventRecorder::build(const Json& regarding, EventType type, const std::string& reason,
                          const std::string& action, const std::string& note, const std::string& name,
                          const std::string& ns, const std::string& now) const {
  const std::string type_name = type == EventType::kWarning ? "Warning" : "Normal";
  if (options_.core_v1) {
    return {{"apiVersion", "v1"},
            {"kind", "Event"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"involvedObject", reference(regarding)},
            {"reason", reason},
            {"message", note},
            {"type", type_name},
            {"count", 1},
            {"firstTimestamp", format_rfc3339(clock_.now())},
            {"lastTimestamp", format_rfc3339(clock_.now())},
            {"eventTime", now},
            {"action", action},
            {"source", {{"component", options_.reporting_controller}}},
            {"reportingComponent", options_.reporting_controller},
            {"reportingInstance", options_.reporting_instance}};
  }
  return {{"apiVersion", "events.k8s.io/v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"eventTime", now},
          {"reportingController", options_.reporting_controller},
          {"reportingInstance", options_.reporting_instance},
          {"action", action},
          {"reason", reason},
          {"regarding", reference(regarding)},
          {"note", note},
          {"type", type_name}};
}

Json EventRecorder::series_patch(const Tracked& tracked, const std::string& now) const {
  if (options_.core_v1) return {{"count", tracked.count}, {"lastTimestamp", format_rfc3339(clock_.now())}};
  return {{"series", {{"count", tracked.count}, {"lastObservedTime", now}}}};
}

void EventRecorder::record(const Json& regarding, EventType type, const std::string& reason,
                           const std::string& action, const std::string& raw_note) {
  const std::string note = cut_note(raw_note);
  const Json& meta = regarding.value("metadata", Json::object());
  const std::string ns = meta.value("namespace", "default");
  const std::string object_name = meta.value("name", "unknown");
  const std::size_t key = std::hash<std::string>{}(
      regarding.value("kind", "") + "|" + ns + "|" + object_name + "|" + meta.value("uid", "") + "|" +
      (type == EventType::kWarning ? "W" : "N") + "|" + reason + "|" + action + "|" + note);
  const std::string now = format_micro_time(clock_.now());
  const ResourceType events = options_.core_v1 ? resources::core_events() : resources::events();
  Tracked tracked;
  bool repeat = false;
  {
    std::lock_guard lock(mu_);
    const auto it = tracked_.find(key);
    if (it != tracked_.end()) {
      ++it->second.count;
      tracked = it->second;
      repeat = true;
    } else {
      if (tracked_.size() >= options_.max_tracked) tracked_.clear();
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, ".%llx%04llx",
                    static_cast<unsigned long long>(clock_.now().time_since_epoch().count()),
                    static_cast<unsigned long long>(++counter_));
      tracked = {ns, name_with_suffix(object_name, suffix), 1, now};
      tracked_[key] = tracked;
    }
  }
  try {
    if (repeat) {
      try {
        client_.patch(events, tracked.namespace_, tracked.name, PatchType::kMerge,
                      series_patch(tracked, now));
        return;
      } catch (const ApiError& e) {
        if (e.reason() != ApiReason::kNotFound) throw;  // the Event expired: record it afresh
      }
    }
    client_.create(events, ns, build(regarding, type, reason, action, note, tracked.name, ns, now));
  } catch (const std::exception& e) {
    log::warn("recording an event failed",
              {{"reason", reason}, {"object", object_name}, {"error", e.what()}});
  }
}

}  // namespace pgrevise::kube
