#include "exposition.h"

#include <stdexcept>

namespace pgrevise::metrics::testing {

namespace {

LabelSet parse_labels(const std::string& line, std::size_t& pos) {
  LabelSet labels;
  ++pos;  // '{'
  while (pos < line.size() && line[pos] != '}') {
    std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      throw std::runtime_error("bad labels: " + line);
    }
    std::string key = line.substr(pos, eq - pos);
    std::string value;
    pos = eq + 2;
    while (pos < line.size() && line[pos] != '"') {
      if (line[pos] == '\\' && pos + 1 < line.size()) {
        ++pos;  // an escape: \\, \" or \n
        value.push_back(line[pos] == 'n' ? '\n' : line[pos]);
        ++pos;
        continue;
      }
      value.push_back(line[pos++]);
    }
    labels[key] = value;
    ++pos;  // closing quote
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) throw std::runtime_error("unterminated labels: " + line);
  ++pos;  // '}'
  return labels;
}

}  // namespace

std::vector<Sample> parse_exposition(const std::string& text) {
  std::vector<Sample> samples;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) throw std::runtime_error("no value: " + line);
    sample.name = line.substr(0, pos);
    if (line[pos] == '{') sample.labels = parse_labels(line, pos);
    sample.value = std::stod(line.substr(pos));
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::optional<double> value_of(const std::vector<Sample>& samples, const std::string& name,
                               const LabelSet& labels) {
  for (const auto& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

int count_series(const std::vector<Sample>& samples, const std::string& name, const LabelSet& subset) {
  int count = 0;
  for (const auto& sample : samples) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [key, value] : subset) {
      auto found = sample.labels.find(key);
      matches = matches && found != sample.labels.end() && found->second == value;
    }
    count += matches ? 1 : 0;
  }
  return count;
}

void populate(MigrationMetrics& m) {
  for (const char* name : {"app-db", "billing"}) {
    m.set_phase("team-a", name, Phase::kMigrating);
    m.set_pending_revisions("team-a", name, 3);
    m.set_heads_info("team-a", name, {"017"}, {"020", "019b"});
    m.observe_run("team-a", name, RunResult::kSucceeded, 42.5);
    m.observe_run("team-a", name, RunResult::kFailed, 3);
    m.observe_step("team-a", name, "018", Direction::kUpgrade, 0.25);
    m.observe_step("team-a", name, "018", Direction::kDowngrade, 0.5);
    m.set_last_success("team-a", name, 1790000000);
    m.observe_backup("team-a", name, RunResult::kSucceeded, 12, 4096);
    m.observe_backup("team-a", name, RunResult::kFailed, 1, 0);
    m.observe_lock_wait("team-a", name, 0.2);
    const RunningStatement running{.revision = "018",
                                   .running_seconds = 95,
                                   .phase = "building index: scanning table",
                                   .blocks_done = 120,
                                   .blocks_total = 400};
    m.set_running_statement("team-a", name, &running);
    m.set_lint_findings("team-a", name, {{{"require-concurrent-index-creation", "error"}, 1}});
  }
  m.observe_reconcile(ReconcileResult{}, 0.03);
  m.observe_reconcile(ReconcileResult{.error = true}, 0.5);
  m.observe_reconcile(ReconcileResult{.requeue_after = std::chrono::milliseconds(1000)}, 0.01);
  m.set_queue_depth(4);
  m.observe_queue_latency(0.002);
  m.inc_watch_restart("postgresmigrations");
  m.inc_relist("jobs");
  m.inc_api_request("get", 200);
  m.inc_api_request("patch", 409);
  m.set_leader(true);
}

}  // namespace pgrevise::metrics::testing
