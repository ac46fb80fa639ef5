#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pgrevise {

// How one reconcile of a key ended and what its loop (the operator's work queue, `pgrevise apply`'s settling
// loop) does with the key next. The reconciler returns it, the work queue acts on it, the reconcile metric
// counts it (by outcome_label).
struct ReconcileResult {
  // Look again after this long even without an event (a Job runs, a Secret is missing, periodic resync).
  // nullopt, without error: nothing to do until something changes (the resource is gone).
  std::optional<std::chrono::milliseconds> requeue_after;
  // The reconcile failed or the database cannot be reached: requeue with the queue's per-key backoff
  // (WorkQueue::add_rate_limited) instead of requeue_after. The status says why when it could be written.
  bool error = false;
  // The failure is expected to go away by itself (database or API unavailable, conflicts, throttling).
  bool transient = false;
  std::string message;  // for logs; never holds a secret

  // The reconcile metric's `result` label: "error", "requeue" (asked to look again later) or "success".
  const char* outcome_label() const {
    if (error) return "error";
    return requeue_after ? "requeue" : "success";
  }
};

}  // namespace pgrevise
