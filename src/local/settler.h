#pragma once

// `pgrevise apply`'s settling loop: reconciles each resource of a file until it is Ready, Stalled, given up
// on or waiting for something that cannot happen here, on the injected Clock.
//
// It does not share the operator's work queue (kube/work_queue.h), and cannot usefully: the queue serves
// worker threads that never give up on a key, with jittered per-key backoff tuned for an API server, and
// needs events to wake it. Here one thread drives a few resources to an end: it counts failures and gives up
// after kMaxFailures (the exit code says the database was unreachable), notices a resource that waits for
// nothing this process can do (kMaxIdleRounds), and is woken by the in-process cluster when a Job finishes.
// What the two share is the reconciler and its ReconcileResult.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/object_ref.h"
#include "controller/reconciler.h"
#include "local/local_cluster.h"

namespace pgrevise::local {

inline constexpr int kMaxFailures = 3;    // failed reconciles retried (after 1, 2 and 4 s) before giving up
inline constexpr int kMaxIdleRounds = 5;  // reconciles in a row that changed nothing while no Job ran
inline constexpr std::chrono::milliseconds kSettleTick{200};  // how often a wait looks at a stop request

// One resource on its way to Ready or Stalled.
struct Settling {
  ObjectRef resource;
  std::string last_line;  // the phase line printed last
  bool settled = false;
  bool unreachable =
      false;            // given up on because its reconciles kept failing (the database cannot be reached)
  int failures = 0;     // reconciles in a row that failed
  int idle_rounds = 0;  // reconciles in a row that changed nothing while no Job ran
  std::chrono::steady_clock::time_point next;  // when to reconcile it again
};

// What one reconcile of a resource showed.
struct SettleObservation {
  bool error = false;       // the reconcile did not finish (ReconcileResult::error)
  bool reconciling = true;  // the resource's Reconciling condition is still True
  bool job_ran = false;     // a Job finished since the reconcile began, or one still runs
  bool changed = false;     // its phase line changed
  std::optional<std::chrono::milliseconds> requeue_after;  // as the reconciler asked
};

enum class SettleVerdict {
  kAgain,             // reconcile it again at Settling::next
  kSettled,           // Ready or Stalled: its status says how it ended
  kGaveUp,            // failed more than kMaxFailures times in a row
  kNothingCanHappen,  // still Reconciling, but idle for kMaxIdleRounds reconciles
};

// The settling rules, each named once: updates `s` (its counters, `settled`, `next`) from what a reconcile
// showed at `now` and says what became of it.
SettleVerdict settle_step(Settling& s, const SettleObservation& seen,
                          std::chrono::steady_clock::time_point now);

// Whether the condition of that type is True in a resource's status.
bool condition_true(const nlohmann::json& resource, std::string_view type);

// What the loop prints; `print` at once, `flush` what Job threads left to print after it.
struct SettlerOutput {
  std::function<std::string(const nlohmann::json& resource)> phase_line;
  std::function<std::string(const nlohmann::json& resource)> display_name;
  std::function<void(const std::string& text)> print;
  std::function<void()> flush;
};

// Reconciles the resources until each has settled, printing each phase line as it changes.
class Settler {
 public:
  Settler(LocalCluster& cluster, controller::Reconciler& reconciler, Clock& clock, SettlerOutput output,
          const std::atomic<bool>& stop);

  // False when `stop` was set before everything settled.
  bool run(std::vector<Settling>& tracked);

 private:
  void step(Settling& s);
  // Until `until`, a Job finishes (every resource looks again at once), or a stop request.
  void wait_until(std::chrono::steady_clock::time_point until, std::vector<Settling>& tracked);

  LocalCluster& cluster_;
  controller::Reconciler& reconciler_;
  Clock& clock_;
  SettlerOutput out_;
  const std::atomic<bool>& stop_;
};

}  // namespace pgrevise::local
