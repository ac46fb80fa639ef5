#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace pgrevise::controller {

// The finished Jobs that left the cluster a short while ago, as the Job watch last saw them. A Job with
// ttlSecondsAfterFinished 0 (or a policy that deletes finished Jobs at once) may be gone before a reconcile
// has read its outcome: the watch shows it Complete, then deleted, and the reconcile woken by the first event
// reads the cache after the second. Without the Job, the run it made is never recorded (no lastRun, no event,
// no run metrics). A reconcile reads these as if the Jobs were still there, for `keep`; by then the run is
// recorded in the status, which stands for it (status.lastRun, status.appliedPlanHash).
class RecentlyDeletedJobs {
 public:
  explicit RecentlyDeletedJobs(const Clock& clock, std::chrono::seconds keep = std::chrono::minutes(10));

  // Told of every Job deletion the watch sees; keeps the Job only when it had finished.
  void remember(const nlohmann::json& last_known);
  // The Jobs of `ns` deleted less than `keep` ago, oldest deletion first.
  std::vector<nlohmann::json> in_namespace(const std::string& ns) const;

 private:
  struct Deleted {
    std::chrono::steady_clock::time_point at;
    nlohmann::json job;
  };
  void forget_expired() const;

  const Clock& clock_;
  std::chrono::seconds keep_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Deleted> jobs_;  // by ObjectRef::key()
};

}  // namespace pgrevise::controller
