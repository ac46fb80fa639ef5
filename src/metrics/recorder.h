#pragma once

// The metrics the rest of pgrevise records, as typed calls. This header is all the controller, the runner
// glue and the app depend on: it names no metrics library, so code that records metrics can be tested with
// NoopMetrics or a fake, and prometheus-cpp stays confined to prometheus_metrics.{h,cpp}.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/direction.h"
#include "common/phase.h"
#include "common/reconcile_result.h"

namespace pgrevise::metrics {

// The PostgresMigration status phases; the exported state set has one series per entry of kPhaseNames.
using pgrevise::kPhaseNames;
using pgrevise::Phase;
using pgrevise::to_string;

// The outcome of a migrate (or plan) run or of a backup run.
enum class RunResult { kSucceeded, kFailed };
const char* to_string(RunResult result);  // "succeeded", "failed"

// The statement a migrate Job's runner runs now (status.progress): which revision, how long, and for CREATE
// INDEX and REINDEX how far. The statement's text stays in status: a label would be a series per statement.
struct RunningStatement {
  std::string revision;
  double running_seconds = 0;
  std::string phase;  // "" unless an index is being built
  std::int64_t blocks_done = 0;
  std::int64_t blocks_total = 0;
  std::int64_t tuples_done = 0;
  std::int64_t tuples_total = 0;
};

// What the reconciler records about each PostgresMigration (labels namespace, name).
class ResourceMetrics {
 public:
  virtual ~ResourceMetrics() = default;

  // The current phase: its series is 1, the other phases' series are 0.
  virtual void set_phase(std::string_view ns, std::string_view name, Phase phase) = 0;
  virtual void set_pending_revisions(std::string_view ns, std::string_view name, std::int64_t count) = 0;
  // Info series (value 1) whose `current` / `target` labels are the sorted, comma-joined revision ids. The
  // previous series of the resource is replaced, never accumulated.
  virtual void set_heads_info(std::string_view ns, std::string_view name,
                              const std::vector<std::string>& current_heads,
                              const std::vector<std::string>& target_heads) = 0;
  // A finished migrate run: counted by result, its duration observed.
  virtual void observe_run(std::string_view ns, std::string_view name, RunResult result, double seconds) = 0;
  // One revision applied by a run (from the Job's report).
  virtual void observe_step(std::string_view ns, std::string_view name, std::string_view revision,
                            Direction direction, double seconds) = 0;
  // When the resource last reached its target (Unix time, seconds).
  virtual void set_last_success(std::string_view ns, std::string_view name, double unix_seconds) = 0;
  // A finished backup run: counted by result, duration observed; the size is recorded only when it succeeded.
  virtual void observe_backup(std::string_view ns, std::string_view name, RunResult result, double seconds,
                              std::uint64_t size_bytes) = 0;
  // How long the runner waited for the migration advisory lock (from the Job's report).
  virtual void observe_lock_wait(std::string_view ns, std::string_view name, double seconds) = 0;
  // What the runner runs now; nullptr when it runs nothing, and the series of the last one disappear.
  virtual void set_running_statement(std::string_view ns, std::string_view name,
                                     const RunningStatement* running) = 0;
  // The findings of the safety analysis of the resource's current plan, counted by rule and severity; the
  // series of the previous plan are replaced (an empty map removes them).
  virtual void set_lint_findings(
      std::string_view ns, std::string_view name,
      const std::map<std::pair<std::string, std::string>, int>& by_rule_and_severity) {
    (void)ns;
    (void)name;
    (void)by_rule_and_severity;
  }
  // The resource is gone: every series carrying its namespace and name disappears.
  virtual void forget(std::string_view ns, std::string_view name) = 0;
};

// What the operator's loops record about the operator itself: reconciles, the work queue, watches, API
// requests, leadership.
class OperatorMetrics {
 public:
  virtual ~OperatorMetrics() = default;

  // Counted by result.outcome_label().
  virtual void observe_reconcile(const ReconcileResult& result, double seconds) = 0;
  virtual void set_queue_depth(std::int64_t depth) = 0;
  // Time a key waited in the work queue before a worker picked it up.
  virtual void observe_queue_latency(double seconds) = 0;
  // `resource` is the watched kind's plural (a constant of the code, e.g. "postgresmigrations", "jobs").
  virtual void inc_watch_restart(std::string_view resource) = 0;
  virtual void inc_relist(std::string_view resource) = 0;
  // `verb`: get, list, watch, create, update, patch, delete (anything else is counted as "other");
  // `code`: the HTTP status, or 0 when no response arrived.
  virtual void inc_api_request(std::string_view verb, int code) = 0;
  virtual void set_leader(bool is_leader) = 0;
};

// Both, as one exporter (PrometheusMetrics) serves them.
class MigrationMetrics : public ResourceMetrics, public OperatorMetrics {};

}  // namespace pgrevise::metrics
