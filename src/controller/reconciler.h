#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/reconcile_result.h"
#include "controller/cluster.h"
#include "controller/context.h"
#include "controller/database_probe.h"
#include "metrics/recorder.h"

namespace pgrevise::controller {

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
  Reconciler(Cluster& cluster, DatabaseProbe& probe, metrics::ResourceMetrics& metrics, Clock& clock,
             ReconcilerOptions options = {});

  ReconcileResult reconcile(const std::string& ns, const std::string& name);

  const ReconcilerOptions& options() const { return options_; }

 private:
  // One read-compute-write pass; nullopt when the status write conflicted (the caller tries again).
  std::optional<ReconcileResult> attempt(const std::string& ns, const std::string& name);
  void after_write(const Context& ctx, const nlohmann::json& object, const api::Status& written);

  Cluster& cluster_;
  DatabaseProbe& probe_;
  metrics::ResourceMetrics& metrics_;
  Clock& clock_;
  ReconcilerOptions options_;
};

}  // namespace pgrevise::controller
