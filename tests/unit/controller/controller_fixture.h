#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/conditions.h"
#include "api/json.h"
#include "common/clock.h"
#include "common/job_report.h"
#include "controller/reconciler.h"
#include "metrics/recorder.h"
#include "unit/controller/fake_cluster.h"

namespace pgrevise::testing {

// Records what the reconciler tells the metrics, for assertions.
class RecordingMetrics final : public metrics::ResourceMetrics {
 public:
  void set_phase(std::string_view, std::string_view, metrics::Phase p) override { phase = p; }
  void set_pending_revisions(std::string_view, std::string_view, std::int64_t n) override { pending = n; }
  void set_heads_info(std::string_view, std::string_view, const std::vector<std::string>& current,
                      const std::vector<std::string>&) override {
    heads = current;
  }
  void observe_run(std::string_view, std::string_view, metrics::RunResult r, double) override {
    runs.push_back(r);
  }
  void observe_step(std::string_view, std::string_view, std::string_view revision, Direction,
                    double) override {
    steps.emplace_back(revision);
  }
  void set_last_success(std::string_view, std::string_view, double) override { ++successes; }
  void observe_backup(std::string_view, std::string_view, metrics::RunResult r, double,
                      std::uint64_t) override {
    backups.push_back(r);
  }
  void observe_lock_wait(std::string_view, std::string_view, double) override { ++lock_waits; }
  void set_running_statement(std::string_view, std::string_view,
                             const metrics::RunningStatement* r) override {
    running = r != nullptr ? std::optional<metrics::RunningStatement>(*r) : std::nullopt;
  }
  void set_lint_findings(std::string_view, std::string_view,
                         const std::map<std::pair<std::string, std::string>, int>& counts) override {
    lint = counts;
  }
  void forget(std::string_view ns, std::string_view name) override {
    forgotten.push_back(std::string(ns) + "/" + std::string(name));
  }

  std::optional<metrics::Phase> phase;
  std::int64_t pending = -1;
  std::vector<std::string> heads;
  std::vector<metrics::RunResult> runs, backups;
  std::vector<std::string> steps, forgotten;
  int successes = 0;
  int lock_waits = 0;
  std::optional<metrics::RunningStatement> running;
  std::map<std::pair<std::string, std::string>, int> lint;
};

// A migration file in pgrevise's format.
std::string migration(const std::string& revision, const std::string& down, const std::string& table);

// Three revisions in a line: 001 <- 002 <- 003.
std::map<std::string, std::string> linear_migrations();
// 001 with two branches on top: 002a and 002b (two heads).
std::map<std::string, std::string> branched_migrations();

class ControllerTest : public ::testing::Test {
 protected:
  static constexpr const char* kNs = "apps";
  static constexpr const char* kName = "app-db";
  static constexpr const char* kPassword = "s3cret-pw";

  ControllerTest();

  // The resource with `spec` merged over a valid default spec (URL Secret, ConfigMap, backups to a claim).
  Json resource_json(const Json& spec_patch = Json::object(), const Json& annotations = Json::object()) const;
  void apply(const Json& spec_patch = Json::object(), const Json& annotations = Json::object());
  ReconcileResult reconcile();

  api::Status status() const;
  api::Condition condition(std::string_view type) const;   // fails the test when absent
  std::vector<Json> jobs_of(std::string_view kind) const;  // this resource's Jobs of a kind, by name
  std::string only_job(std::string_view kind) const;       // the name of the one Job of that kind

  // Finishes a Job with a report, as the Job's Pod would write it.
  void finish_backup(const std::string& job, bool succeeded);
  void finish_migrate(const std::string& job, bool succeeded, std::vector<std::string> heads_after,
                      std::optional<ReportError> error = std::nullopt);
  void finish_plan(const std::string& job, bool succeeded);

  mutable FakeCluster cluster;  // the getters of the Cluster interface are not const
  FakeProbe probe;
  RecordingMetrics metrics;
  ManualClock clock;
  controller::ReconcilerOptions options;
  std::optional<controller::Reconciler> reconciler;
};

}  // namespace pgrevise::testing
