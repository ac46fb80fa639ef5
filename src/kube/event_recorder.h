#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "kube/rest_client.h"

namespace pgrevise::kube {

struct EventRecorderOptions {
  std::string reporting_controller = "pgrevise.dev/operator";
  std::string reporting_instance;  // e.g. the pod name
  bool core_v1 = false;            // write core/v1 Events instead of events.k8s.io/v1
  std::size_t max_tracked = 4096;  // repeats are aggregated for this many distinct events
};

enum class EventType { kNormal, kWarning };

// Records Events about objects. A repeat of the same event (same object, type, reason, action and note)
// updates the existing Event's series (count and last observed time) instead of creating a new one. Notes are
// redacted and cut to the API's 1 KiB limit. Recording is best effort: failures are logged, never thrown.
class EventRecorder {
 public:
  EventRecorder(RestClient& client, Clock& clock, EventRecorderOptions options = {});

  // `regarding` is the object the event is about; it needs apiVersion, kind and metadata (name, namespace,
  // uid).
  void record(const Json& regarding, EventType type, const std::string& reason, const std::string& action,
              const std::string& note);

 private:
  struct Tracked {
    std::string namespace_;
    std::string name;
    int count = 1;
    std::string first_seen;
  };
  Json build(const Json& regarding, EventType type, const std::string& reason, const std::string& action,
             const std::string& note, const std::string& name, const std::string& ns,
             const std::string& now) const;
  Json series_patch(const Tracked& tracked, const std::string& now) const;

  RestClient& client_;
  Clock& clock_;
  EventRecorderOptions options_;
  std::mutex mu_;
  // By a digest of what makes two events the same (object, type, reason, action, note): the note alone can be
  // 1 KiB, and up to max_tracked events are kept.
  std::unordered_map<std::size_t, Tracked> tracked_;
  std::uint64_t counter_ = 0;
};

}  // namespace pgrevise::kube
