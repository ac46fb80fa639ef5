#pragma once

#include "metrics/recorder.h"

namespace pgrevise::metrics {

// Records nothing: for tools and tests that do not export metrics.
class NoopMetrics final : public MigrationMetrics {
 public:
  void set_phase(std::string_view, std::string_view, Phase) override {}
  void set_pending_revisions(std::string_view, std::string_view, std::int64_t) override {}
  void set_heads_info(std::string_view, std::string_view, const std::vector<std::string>&,
                      const std::vector<std::string>&) override {}
  void observe_run(std::string_view, std::string_view, RunResult, double) override {}
  void observe_step(std::string_view, std::string_view, std::string_view, Direction, double) override {}
  void set_last_success(std::string_view, std::string_view, double) override {}
  void observe_backup(std::string_view, std::string_view, RunResult, double, std::uint64_t) override {}
  void observe_lock_wait(std::string_view, std::string_view, double) override {}
  void set_running_statement(std::string_view, std::string_view, const RunningStatement*) override {}
  void forget(std::string_view, std::string_view) override {}
  void observe_reconcile(const ReconcileResult&, double) override {}
  void set_queue_depth(std::int64_t) override {}
  void observe_queue_latency(double) override {}
  void inc_watch_restart(std::string_view) override {}
  void inc_relist(std::string_view) override {}
  void inc_api_request(std::string_view, int) override {}
  void set_leader(bool) override {}
};

}  // namespace pgrevise::metrics
