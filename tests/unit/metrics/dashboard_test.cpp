// The Grafana dashboard and the alerting rules shipped in helm/pgrevise/files refer only to metrics the
// operator exports, and every query parses as PromQL.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "common/process.h"
#include "exposition.h"
#include "metrics/prometheus_metrics.h"

namespace pgrevise::metrics {
namespace {

std::filesystem::path chart_files() {
  const char* source = std::getenv("PGREVISE_SOURCE_DIR");
  return std::filesystem::path(source != nullptr ? source : ".") / "helm/pgrevise/files";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::set<std::string> exported_names() {
  PrometheusMetrics metrics("1.0.0");
  testing::populate(metrics);
  std::set<std::string> names;
  for (const auto& sample : testing::parse_exposition(metrics.render())) names.insert(sample.name);
  return names;
}

std::set<std::string> referenced_names(const std::string& text) {
  std::set<std::string> names;
  static const std::regex kName("pgrevise_[a-z0-9_]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName); it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

// Every "expr" of every panel (rows included), and the template variables' queries.
void collect_queries(const nlohmann::json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if ((key == "expr" || key == "definition") && value.is_string())
        out.push_back(value.get<std::string>());
      collect_queries(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) collect_queries(item, out);
  }
}

std::string with_grafana_variables_replaced(std::string expr) {
  for (auto [from, to] : {std::pair{"$__rate_interval", "5m"}, {"$__range", "6h"}, {"$__interval", "1m"}}) {
    for (std::size_t at; (at = expr.find(from)) != std::string::npos;)
      expr.replace(at, std::strlen(from), to);
  }
  return expr;
}

TEST(GrafanaDashboard, IsValidJsonWithTheExpectedPanels) {
  nlohmann::json dashboard = nlohmann::json::parse(read_file(chart_files() / "grafana-dashboard.json"));
  EXPECT_EQ(dashboard.at("uid"), "pgrevise-overview");
  EXPECT_TRUE(dashboard.at("schemaVersion").is_number_integer());
  std::set<std::string> titles;
  std::set<int> ids;
  for (const auto& panel : dashboard.at("panels")) {
    titles.insert(panel.at("title").get<std::string>());
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id " << panel.at("id");
    EXPECT_TRUE(panel.at("gridPos").contains("w") && panel.at("gridPos").contains("h"));
    if (panel.at("type") != "row") {
      EXPECT_FALSE(panel.at("targets").empty()) << panel.at("title");
      EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}") << panel.at("title");
    }
  }
  for (const char* expected :
       {"Phase per resource", "Pending revisions", "Run duration p50 / p95",
        "Step duration by revision (mean)", "Last backup size", "Backup duration p50 / p95",
        "Reconcile rate by result", "Reconcile errors", "Work queue depth", "Leader"}) {
    EXPECT_TRUE(titles.count(expected)) << "missing panel " << expected;
  }
}

TEST(GrafanaDashboard, QueriesReferOnlyToExportedMetrics) {
  nlohmann::json dashboard = nlohmann::json::parse(read_file(chart_files() / "grafana-dashboard.json"));
  std::vector<std::string> queries;
  collect_queries(dashboard, queries);
  ASSERT_GT(queries.size(), 15u);
  std::set<std::string> exported = exported_names();
  std::set<std::string> used;
  for (const auto& query : queries) {
    for (const auto& name : referenced_names(query)) {
      used.insert(name);
      EXPECT_TRUE(exported.count(name)) << name << " in " << query;
    }
  }
  // Every family the operator exports appears on the dashboard.
  for (const char* family :
       {"pgrevise_migration_phase", "pgrevise_migration_pending_revisions",
        "pgrevise_migration_run_duration_seconds_bucket", "pgrevise_migration_step_duration_seconds_sum",
        "pgrevise_backup_last_size_bytes", "pgrevise_backup_duration_seconds_bucket",
        "pgrevise_reconcile_total", "pgrevise_workqueue_depth", "pgrevise_leader",
        "pgrevise_migration_heads_info"}) {
    EXPECT_TRUE(used.count(family)) << family << " is not on the dashboard";
  }
}

TEST(GrafanaDashboard, EveryQueryParsesAsPromQL) {
  // promtool has no expression checker; a recording rule per panel query gets the same parser.
  nlohmann::json dashboard = nlohmann::json::parse(read_file(chart_files() / "grafana-dashboard.json"));
  std::vector<std::string> queries;
  collect_queries(dashboard, queries);
  nlohmann::json rules = nlohmann::json::array();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (queries[i].rfind("label_values(", 0) == 0) continue;  // a Grafana function, not PromQL
    rules.push_back({{"record", "dashboard:query" + std::to_string(i)},
                     {"expr", with_grafana_variables_replaced(queries[i])}});
  }
  nlohmann::json file = {{"groups", {{{"name", "dashboard"}, {"rules", rules}}}}};
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("pgrevise-dashboard-rules-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << file.dump();  // JSON is YAML
  ProcessSpec spec;
  spec.argv = {"promtool", "check", "rules", path.string()};
  spec.timeout = std::chrono::seconds(60);
  ProcessResult result = run_process(spec);
  std::filesystem::remove(path);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, ::testing::HasSubstr("SUCCESS: " + std::to_string(rules.size()) + " rules found"));
}

TEST(PrometheusRules, ReferOnlyToExportedMetrics) {
  std::string rules = read_file(chart_files() / "prometheus-rules.yaml");
  std::set<std::string> exported = exported_names();
  std::set<std::string> used = referenced_names(rules);
  EXPECT_GE(used.size(), 3u);
  for (const auto& name : used) EXPECT_TRUE(exported.count(name)) << name;
}

}  // namespace
}  // namespace pgrevise::metrics
