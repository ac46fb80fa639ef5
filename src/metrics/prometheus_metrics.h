#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "metrics/recorder.h"

namespace pgrevise::metrics {

// MigrationMetrics on a prometheus-cpp registry. Thread-safe: every call may come from any reconcile worker,
// the watchers and the HTTP thread rendering /metrics at the same time. The prometheus-cpp types stay behind
// the implementation so that including this header pulls in no metrics library either.
class PrometheusMetrics final : public MigrationMetrics {
 public:
  // `version` is exported as pgrevise_build_info{version="..."} 1.
  explicit PrometheusMetrics(std::string_view version);
  ~PrometheusMetrics() override;
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  void set_phase(std::string_view ns, std::string_view name, Phase phase) override;
  void set_pending_revisions(std::string_view ns, std::string_view name, std::int64_t count) override;
  void set_heads_info(std::string_view ns, std::string_view name,
                      const std::vector<std::string>& current_heads,
                      const std::vector<std::string>& target_heads) override;
  void observe_run(std::string_view ns, std::string_view name, RunResult result, double seconds) override;
  void observe_step(std::string_view ns, std::string_view name, std::string_view revision,
                    Direction direction, double seconds) override;
  void set_last_success(std::string_view ns, std::string_view name, double unix_seconds) override;
  void observe_backup(std::string_view ns, std::string_view name, RunResult result, double seconds,
                      std::uint64_t size_bytes) override;
  void observe_lock_wait(std::string_view ns, std::string_view name, double seconds) override;
  void set_running_statement(std::string_view ns, std::string_view name,
                             const RunningStatement* running) override;
  void set_lint_findings(
      std::string_view ns, std::string_view name,
      const std::map<std::pair<std::string, std::string>, int>& by_rule_and_severity) override;
  void forget(std::string_view ns, std::string_view name) override;

  void observe_reconcile(const ReconcileResult& result, double seconds) override;
  void set_queue_depth(std::int64_t depth) override;
  void observe_queue_latency(double seconds) override;
  void inc_watch_restart(std::string_view resource) override;
  void inc_relist(std::string_view resource) override;
  void inc_api_request(std::string_view verb, int code) override;
  void set_leader(bool is_leader) override;

  // The registry in the Prometheus text exposition format, version 0.0.4 (the body of /metrics).
  std::string render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Label values kept bounded whatever the input: a longer value is cut and marked with "~" and 8 hex digits of
// its hash, so distinct values stay distinct series. A revision id fits whole up to 256 characters (a version
// table widened to varchar(255)), the heads labels up to 1024.
inline constexpr std::size_t kMaxRevisionLabel = 256;
inline constexpr std::size_t kMaxHeadsLabel = 1024;

}  // namespace pgrevise::metrics
