#include "metrics/prometheus_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <type_traits>

#include "common/process.h"
#include "exposition.h"
#include "metrics/noop_metrics.h"

namespace pgrevise::metrics {
namespace {

using testing::count_series;
using testing::parse_exposition;
using testing::populate;
using testing::Sample;
using testing::value_of;

ProcessResult promtool_check_metrics(const std::string& text) {
  ProcessSpec spec;
  spec.argv = {"promtool", "check", "metrics"};
  spec.stdin_data = text;
  spec.timeout = std::chrono::seconds(60);
  return run_process(spec);
}

TEST(PrometheusMetrics, PopulatedExpositionPassesPromtoolCheckMetrics) {
  PrometheusMetrics metrics("1.2.3");
  populate(metrics);
  std::string text = metrics.render();
  ProcessResult result = promtool_check_metrics(text);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err << "\n" << text;
  EXPECT_EQ(result.out + result.err, "");
}

TEST(PrometheusMetrics, PromtoolFlagsAMisnamedMetricSoTheCheckAboveCanFail) {
  ProcessResult result =
      promtool_check_metrics("# HELP bad_requests x\n# TYPE bad_requests counter\nbad_requests 1\n");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.out + result.err, ::testing::HasSubstr("_total"));
}

TEST(PrometheusMetrics, EveryNameStartsWithThePrefix) {
  PrometheusMetrics metrics("1.2.3");
  populate(metrics);
  for (const Sample& sample : parse_exposition(metrics.render())) {
    EXPECT_EQ(sample.name.rfind("pgrevise_", 0), 0u) << sample.name;
  }
}

TEST(PrometheusMetrics, PhaseIsAStateSetFollowingTheCurrentPhase) {
  PrometheusMetrics metrics("dev");
  metrics.set_phase("ns", "db", Phase::kBackingUp);
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_phase", {{"namespace", "ns"}, {"name", "db"}}), 6);
  for (const auto& [phase, name] : kPhaseNames) {
    EXPECT_EQ(
        value_of(samples, "pgrevise_migration_phase", {{"namespace", "ns"}, {"name", "db"}, {"phase", name}}),
        phase == Phase::kBackingUp ? 1.0 : 0.0)
        << name;
  }
  metrics.set_phase("ns", "db", Phase::kSucceeded);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_phase",
                     {{"namespace", "ns"}, {"name", "db"}, {"phase", "BackingUp"}}),
            0.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_phase",
                     {{"namespace", "ns"}, {"name", "db"}, {"phase", "Succeeded"}}),
            1.0);
}

TEST(PrometheusMetrics, ResourceGaugesAreOneFamilyEachAndOnlyOnceAResourceHasThem) {
  PrometheusMetrics metrics("dev");
  metrics.set_phase("team-b", "db", Phase::kPending);
  metrics.set_phase("team-a", "db", Phase::kSucceeded);
  std::string text = metrics.render();
  const auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("# TYPE pgrevise_migration_phase gauge\n"), 1u);
  EXPECT_EQ(count("pgrevise_migration_pending_revisions"), 0u);
  EXPECT_EQ(count("pgrevise_migration_heads_info"), 0u);
  EXPECT_EQ(count("pgrevise_migration_last_success_timestamp_seconds"), 0u);
  // By namespace, then name.
  EXPECT_LT(text.find("namespace=\"team-a\""), text.find("namespace=\"team-b\""));

  metrics.set_pending_revisions("team-b", "db", 2);
  text = metrics.render();
  EXPECT_EQ(count("# TYPE pgrevise_migration_pending_revisions gauge\n"), 1u);
  auto samples = parse_exposition(text);
  EXPECT_EQ(count_series(samples, "pgrevise_migration_pending_revisions", {}), 1);
  EXPECT_EQ(count_series(samples, "pgrevise_migration_phase", {}), 12);
  ProcessResult result = promtool_check_metrics(text);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err << "\n" << text;
}

TEST(PrometheusMetrics, ValuesFollowTheCalls) {
  PrometheusMetrics metrics("dev");
  const testing::LabelSet db{{"namespace", "ns"}, {"name", "db"}};
  metrics.set_pending_revisions("ns", "db", 5);
  metrics.observe_run("ns", "db", RunResult::kSucceeded, 10);
  metrics.observe_run("ns", "db", RunResult::kSucceeded, 20);
  metrics.observe_backup("ns", "db", RunResult::kSucceeded, 3, 1000);
  metrics.observe_backup("ns", "db", RunResult::kFailed, 1,
                         999999);  // a failed backup has no meaningful size
  metrics.set_last_success("ns", "db", 1234.0);
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_pending_revisions", db), 5.0);
  auto with = [&](testing::LabelSet extra) {
    extra.insert(db.begin(), db.end());
    return extra;
  };
  EXPECT_EQ(value_of(samples, "pgrevise_migration_runs_total", with({{"result", "succeeded"}})), 2.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_runs_total", with({{"result", "failed"}})), std::nullopt);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_run_duration_seconds_count", db), 2.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_run_duration_seconds_sum", db), 30.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_run_duration_seconds_bucket", with({{"le", "15"}})), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_backup_runs_total", with({{"result", "failed"}})), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_backup_last_size_bytes", db), 1000.0);
  EXPECT_EQ(value_of(samples, "pgrevise_backup_duration_seconds_count", db), 2.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_last_success_timestamp_seconds", db), 1234.0);

  metrics.set_pending_revisions("ns", "db", 0);
  metrics.observe_run("ns", "db", RunResult::kFailed, 1);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_pending_revisions", db), 0.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_runs_total", with({{"result", "failed"}})), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_run_duration_seconds_count", db), 3.0);
}

TEST(PrometheusMetrics, StepsCarryTheRevisionAndDirection) {
  PrometheusMetrics metrics("dev");
  metrics.observe_step("ns", "db", "018", Direction::kUpgrade, 0.2);
  metrics.observe_step("ns", "db", "018", Direction::kUpgrade, 0.4);
  metrics.observe_step("ns", "db", "019", Direction::kDowngrade, 2);
  auto samples = parse_exposition(metrics.render());
  testing::LabelSet up{{"namespace", "ns"}, {"name", "db"}, {"revision", "018"}, {"direction", "upgrade"}};
  EXPECT_EQ(value_of(samples, "pgrevise_migration_step_duration_seconds_count", up), 2.0);
  EXPECT_NEAR(*value_of(samples, "pgrevise_migration_step_duration_seconds_sum", up), 0.6, 1e-9);
  EXPECT_EQ(count_series(samples, "pgrevise_migration_step_duration_seconds_count", {{"revision", "019"}}),
            1);
}

TEST(PrometheusMetrics, HeadsInfoIsReplacedNotAccumulated) {
  PrometheusMetrics metrics("dev");
  metrics.set_heads_info("ns", "db", {"017"}, {"020", "019b"});
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_heads_info",
                     {{"namespace", "ns"}, {"name", "db"}, {"current", "017"}, {"target", "019b,020"}}),
            1.0);
  metrics.set_heads_info("ns", "db", {"020", "019b"}, {"019b", "020"});
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_heads_info", {{"namespace", "ns"}, {"name", "db"}}), 1);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_heads_info",
                     {{"namespace", "ns"}, {"name", "db"}, {"current", "019b,020"}, {"target", "019b,020"}}),
            1.0);
}

TEST(PrometheusMetrics, TheRunningStatementIsReplacedAndGoesWhenNothingRuns) {
  PrometheusMetrics metrics("dev");
  const testing::LabelSet db{{"namespace", "ns"}, {"name", "db"}, {"revision", "018"}};
  RunningStatement running{.revision = "018",
                           .running_seconds = 12,
                           .phase = "building index: scanning table",
                           .blocks_done = 5,
                           .blocks_total = 10};
  metrics.set_running_statement("ns", "db", &running);
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_statement_running_seconds", db), 12.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_index_build_blocks_done", db), 5.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_index_build_blocks_planned", db), 10.0);
  EXPECT_EQ(value_of(samples, "pgrevise_migration_index_build_tuples_planned", db), 0.0);
  testing::LabelSet phase = db;
  phase["phase"] = "building index: scanning table";
  EXPECT_EQ(value_of(samples, "pgrevise_migration_index_build_phase_info", phase), 1.0);
  running.phase = "building index: sorting live tuples";
  metrics.set_running_statement("ns", "db", &running);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_index_build_phase_info", {{"name", "db"}}), 1);
  running = RunningStatement{.revision = "019", .running_seconds = 1};  // not an index build
  metrics.set_running_statement("ns", "db", &running);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_statement_running_seconds", {{"name", "db"}}), 1);
  EXPECT_EQ(count_series(samples, "pgrevise_migration_index_build_blocks_done", {{"name", "db"}}), 0);
  metrics.set_running_statement("ns", "db", nullptr);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_statement_running_seconds", {{"name", "db"}}), 0);
}

TEST(PrometheusMetrics, LintFindingsByRuleAndSeverityReplaceThoseOfTheEarlierPlan) {
  PrometheusMetrics metrics("dev");
  metrics.set_lint_findings(
      "ns", "db", {{{"require-concurrent-index-creation", "error"}, 2}, {{"ban-drop-table", "warning"}, 1}});
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_lint_findings",
                     {{"namespace", "ns"},
                      {"name", "db"},
                      {"rule", "require-concurrent-index-creation"},
                      {"severity", "error"}}),
            2.0);
  EXPECT_EQ(count_series(samples, "pgrevise_lint_findings", {{"name", "db"}}), 2);
  metrics.set_lint_findings("ns", "db", {{{"ban-drop-table", "info"}, 1}});
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_lint_findings", {{"name", "db"}}), 1);
  metrics.set_lint_findings("ns", "db", {});
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_lint_findings", {{"name", "db"}}), 0);
}

TEST(PrometheusMetrics, ForgetRemovesEverySeriesOfTheResourceOnly) {
  PrometheusMetrics metrics("dev");
  populate(metrics);
  metrics.forget("team-a", "app-db");
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(count_series(samples, "pgrevise_migration_phase", {{"name", "billing"}}), 6);
  for (const Sample& sample : samples) {
    auto name = sample.labels.find("name");
    EXPECT_FALSE(name != sample.labels.end() && name->second == "app-db") << sample.name;
  }
  // Recording again after forget brings the resource back from zero.
  metrics.observe_run("team-a", "app-db", RunResult::kSucceeded, 1);
  samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_migration_runs_total",
                     {{"namespace", "team-a"}, {"name", "app-db"}, {"result", "succeeded"}}),
            1.0);
  metrics.forget("team-a", "never-seen");  // harmless
}

TEST(PrometheusMetrics, OperatorHealthSeries) {
  PrometheusMetrics metrics("1.2.3");
  populate(metrics);
  metrics.inc_api_request("GET", 200);
  metrics.inc_api_request("<script>", 99);
  metrics.set_leader(false);
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_build_info", {{"version", "1.2.3"}}), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_leader", {}), 0.0);
  EXPECT_EQ(value_of(samples, "pgrevise_workqueue_depth", {}), 4.0);
  EXPECT_EQ(value_of(samples, "pgrevise_reconcile_total", {{"result", "error"}}), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_reconcile_duration_seconds_count", {}), 3.0);
  EXPECT_EQ(value_of(samples, "pgrevise_workqueue_queue_duration_seconds_count", {}), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_watch_restarts_total", {{"resource", "postgresmigrations"}}), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_watch_relists_total", {{"resource", "jobs"}}), 1.0);
  EXPECT_EQ(value_of(samples, "pgrevise_kube_api_requests_total", {{"verb", "get"}, {"code", "200"}}), 2.0);
  EXPECT_EQ(value_of(samples, "pgrevise_kube_api_requests_total", {{"verb", "other"}, {"code", "0"}}), 1.0);
}

TEST(PrometheusMetrics, LabelValuesStayBounded) {
  PrometheusMetrics metrics("dev");
  metrics.observe_step("ns", "db", std::string(500, 'r'), Direction::kUpgrade, 1);
  metrics.set_heads_info("ns", "db", std::vector<std::string>(100, std::string(32, 'h')), {"x"});
  for (const Sample& sample : parse_exposition(metrics.render())) {
    for (const auto& [key, value] : sample.labels) {
      EXPECT_LE(value.size(), kMaxHeadsLabel) << sample.name << " " << key;
      if (key == "revision") {
        EXPECT_LE(value.size(), kMaxRevisionLabel);
      }
    }
  }
}

TEST(PrometheusMetrics, LongRevisionIdsAreLabelsWholeOrStayDistinct) {
  PrometheusMetrics metrics("dev");
  const std::string readable = "089_allow_auto_entries_no_project";
  const std::string widest(255, 'w');
  // Three ids of more than 256 characters that differ only past the cut.
  std::vector<std::string> ids = {readable, widest};
  for (const std::string tail : {"a", "b", "größe"}) ids.push_back(std::string(300, 'x').append(tail));
  for (const auto& id : ids) metrics.observe_step("ns", "db", id, Direction::kUpgrade, 1);
  std::set<std::string> revisions;
  for (const Sample& sample : parse_exposition(metrics.render())) {
    if (sample.name != "pgrevise_migration_step_duration_seconds_count") continue;
    const std::string& value = sample.labels.at("revision");
    EXPECT_LE(value.size(), kMaxRevisionLabel);
    revisions.insert(value);
  }
  EXPECT_EQ(revisions.size(), 5u);
  EXPECT_TRUE(revisions.count(readable));
  EXPECT_TRUE(revisions.count(widest));
}

TEST(PrometheusMetrics, ConcurrentRecordingForgettingAndRenderingAgree) {
  PrometheusMetrics metrics("dev");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      std::string name = "db" + std::to_string(t);
      for (int i = 0; i < 300; ++i) {
        metrics.set_phase("ns", name, Phase::kMigrating);
        metrics.observe_run("ns", name, RunResult::kSucceeded, 1);
        metrics.observe_reconcile(ReconcileResult{}, 0.01);
        if (i % 50 == 0) metrics.forget("ns", name);
        if (i % 20 == 0) parse_exposition(metrics.render());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto samples = parse_exposition(metrics.render());
  EXPECT_EQ(value_of(samples, "pgrevise_reconcile_total", {{"result", "success"}}), 1200.0);
  for (int t = 0; t < 4; ++t) {
    // The last forget happened at i == 250, so 49 runs were recorded after it.
    EXPECT_EQ(value_of(samples, "pgrevise_migration_runs_total",
                       {{"namespace", "ns"}, {"name", "db" + std::to_string(t)}, {"result", "succeeded"}}),
              49.0);
  }
}

// NoopMetrics implements the whole interface (a missing override would make it abstract).
static_assert(!std::is_abstract_v<NoopMetrics>);

}  // namespace
}  // namespace pgrevise::metrics
