#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "controller/cluster.h"
#include "controller/context.h"
#include "controller/database_probe.h"
#include "metrics/recorder.h"

namespace pgrevise::controller {

// What the caller (the operator's work queue, or `pgrevise apply`'s loop) does next with the key.
struct ReconcileResult {
  // Look again after this long even without an event (a Job runs, a Secret is missing, periodic resync).
  // nullopt: nothing to do until something changes (the resource is gone).
  std::optional<std::chrono::milliseconds> requeue_after;
  // The reconcile failed or the database cannot be reached: requeue with the queue's per-key backoff
  // (WorkQueue::add_rate_limited) instead of requeue_after. The status says why when it could be written.
  bool error = false;
  // The failure is expected to go away by itself (database or API unavailable, conflicts, throttling).
  bool transient = false;
  std::string message;  // for logs; never holds a secret
};

// Reconciles one PostgresMigration: reads everything it needs (the resource, its Jobs, its Secret and
// ConfigMap, the database's version table), runs the steps of steps.h, creates at most the one Job the
// current run needs next, and writes the status once at the end (skipped when unchanged, retried on conflict
// by reading and computing again). Events and metrics follow from the status transition. Level-triggered and
// idempotent: it never depends on which event woke it up, and calling it twice in a row changes nothing the
// second time.
//
// Per-resource metrics (phase, heads, runs, backups, forget) are recorded here; the operator-level
// observe_reconcile is left to the caller's loop, which also sees exceptions.
//
// Thread safety: reconcile() may run for different keys at once (the collaborators must allow it); the work
// queue guarantees that one key is never reconciled twice at once.
class Reconciler {
 public:
  Reconciler(Cluster& cluster, DatabaseProbe& probe, metrics::MigrationMetrics& metrics, Clock& clock,
             ReconcilerOptions options = {});

  ReconcileResult reconcile(const std::string& ns, const std::string& name);

  const ReconcilerOptions& options() const { return options_; }

 private:
  // One read-compute-write pass; nullopt when the status write conflicted (the caller tries again).
  std::optional<ReconcileResult> attempt(const std::string& ns, const std::string& name);
  void after_write(const Context& ctx, const nlohmann::json& object, const api::Status& written);

  Cluster& cluster_;
  DatabaseProbe& probe_;
  metrics::MigrationMetrics& metrics_;
  Clock& clock_;
  ReconcilerOptions options_;
};

}  // namespace pgrevise::controller
