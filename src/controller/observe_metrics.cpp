#include "controller/observe_metrics.h"

#include "api/conditions.h"
#include "api/reasons.h"
#include "common/direction.h"

namespace pgrevise::controller {
namespace {

double seconds(std::int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

bool reached_target(const api::Status& before, const api::Status& after) {
  const api::Condition* now = api::find_condition(after.conditions, api::condition::kReady);
  if (now == nullptr || now->status != api::kConditionTrue || now->reason != api::reason::kUpToDate)
    return false;
  const api::Condition* was = api::find_condition(before.conditions, api::condition::kReady);
  return was == nullptr || was->status != api::kConditionTrue || was->reason != api::reason::kUpToDate;
}

void observe_run(metrics::ResourceMetrics& m, const std::string& ns, const std::string& name,
                 metrics::RunResult result, const std::optional<JobReport>& report) {
  m.observe_run(ns, name, result, report ? seconds(report->duration_ms) : 0.0);
  if (!report) return;
  for (const auto& step : report->steps) {
    m.observe_step(ns, name, step.revision, step.direction, seconds(step.duration_ms));
  }
  m.observe_lock_wait(ns, name, seconds(report->lock_wait_ms));
}

void set_running_statement(metrics::ResourceMetrics& m, const std::string& ns, const std::string& name,
                           const std::optional<api::Progress>& progress) {
  if (!progress || progress->running.statement.empty()) {
    m.set_running_statement(ns, name, nullptr);
    return;
  }
  const api::StatementActivity& s = progress->running;
  const metrics::RunningStatement running{.revision = progress->revision,
                                          .running_seconds = static_cast<double>(s.running_seconds),
                                          .phase = s.phase,
                                          .blocks_done = s.blocks_done,
                                          .blocks_total = s.blocks_total,
                                          .tuples_done = s.tuples_done,
                                          .tuples_total = s.tuples_total};
  m.set_running_statement(ns, name, &running);
}

}  // namespace

void observe_metrics(metrics::ResourceMetrics& m, const api::PostgresMigration& resource, const Facts& facts,
                     const api::Status& before, const api::Status& after, const std::vector<Event>& events,
                     std::chrono::system_clock::time_point now) {
  const std::string& ns = resource.metadata.ns;
  const std::string& name = resource.metadata.name;
  m.set_phase(ns, name, after.phase.value_or(Phase::kPending));
  m.set_pending_revisions(ns, name, static_cast<std::int64_t>(after.pending_revisions.size()));
  m.set_heads_info(ns, name, after.current_heads, after.target_heads);
  set_running_statement(m, ns, name, after.progress);
  if (facts.lint) {
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const auto& f : facts.lint->findings) ++counts[{f.rule, f.severity}];
    m.set_lint_findings(ns, name, counts);
  }
  for (const auto& e : events) {
    const auto& backup = facts.backup_report;
    if (e.reason == event::kBackupSucceeded) {
      const std::int64_t size = after.last_backup ? after.last_backup->size_bytes : 0;
      m.observe_backup(ns, name, metrics::RunResult::kSucceeded, backup ? seconds(backup->duration_ms) : 0.0,
                       static_cast<std::uint64_t>(size));
    } else if (e.reason == event::kBackupFailed) {
      m.observe_backup(ns, name, metrics::RunResult::kFailed, backup ? seconds(backup->duration_ms) : 0.0, 0);
    } else if (e.reason == event::kMigrated) {
      observe_run(m, ns, name, metrics::RunResult::kSucceeded, facts.migrate_report);
    } else if (e.reason == event::kMigrationFailed) {
      observe_run(m, ns, name, metrics::RunResult::kFailed, facts.migrate_report);
    }
  }
  if (reached_target(before, after)) {
    auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    m.set_last_success(ns, name, seconds(unix_ms));
  }
}

}  // namespace pgrevise::controller
