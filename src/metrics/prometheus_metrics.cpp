#include "metrics/prometheus_metrics.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "common/hash.h"
#include "metrics/text_exposition.h"

namespace pgrevise::metrics {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

// Bucket layouts by what is measured: reconciles and queue waits are sub-second, steps range from
// milliseconds to an hour-long CREATE INDEX CONCURRENTLY, runs and backups from seconds to hours.
const Histogram::BucketBoundaries kReconcileBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    10,  30};
const Histogram::BucketBoundaries kQueueBuckets{0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};
const Histogram::BucketBoundaries kStepBuckets{0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600};
const Histogram::BucketBoundaries kRunBuckets{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200};
const Histogram::BucketBoundaries kBackupBuckets{1, 5, 15, 30, 60, 300, 600, 1800, 3600, 7200, 14400};
const Histogram::BucketBoundaries kLockWaitBuckets{0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900};

// A longer value keeps its start, cut on a UTF-8 character boundary, then "~" and 8 hex digits of its hash:
// two long revision ids that share a start stay two series.
std::string bounded(std::string_view value, std::size_t max) {
  if (value.size() <= max) return std::string(value);
  const std::string suffix = "~" + sha256_hex(value).substr(0, 8);
  std::size_t keep = max - suffix.size();
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  return std::string(value.substr(0, keep)) + suffix;
}

// A Kubernetes resource plural or API verb as a label: lower-case letters, digits, '.', '-' only, short.
std::string token_label(std::string_view value) {
  std::string out;
  for (char c : value.substr(0, 63)) {
    char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    bool keep =
        (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '.' || lower == '-';
    out.push_back(keep ? lower : '_');
  }
  return out.empty() ? "unknown" : out;
}

std::string verb_label(std::string_view verb) {
  static const char* const kVerbs[] = {"get", "list", "watch", "create", "update", "patch", "delete"};
  std::string lower = token_label(verb);
  for (const char* known : kVerbs) {
    if (lower == known) return lower;
  }
  return "other";
}

std::string heads_label(const std::vector<std::string>& heads) {
  std::vector<std::string> sorted = heads;
  std::sort(sorted.begin(), sorted.end());
  std::string joined;
  for (const auto& head : sorted) {
    if (!joined.empty()) joined += ",";
    joined += head;
  }
  return bounded(joined, kMaxHeadsLabel);
}

using ResourceKey = std::pair<std::string, std::string>;

// The gauges every resource has (its phase, pending revisions, heads and last success): nine series a
// resource, kept here as values and written at each scrape (see write_resource_gauges) rather than as
// prometheus-cpp series, which hold their labels in a map each and are copied again at each scrape.
struct ResourceGauges {
  std::optional<Phase> phase;
  std::optional<std::int64_t> pending;
  std::optional<std::pair<std::string, std::string>> heads;  // current, target
  std::optional<double> last_success;
};

constexpr std::string_view kPhaseFamily = "pgrevise_migration_phase";
constexpr std::string_view kPhaseHelp =
    "Current phase of a PostgresMigration: 1 for the phase it is in, 0 for the others.";
constexpr std::string_view kPendingFamily = "pgrevise_migration_pending_revisions";
constexpr std::string_view kPendingHelp = "Revisions between the database's current heads and the target.";
constexpr std::string_view kHeadsFamily = "pgrevise_migration_heads_info";
constexpr std::string_view kHeadsHelp =
    "Current and target revision heads of a PostgresMigration (value is always 1).";
constexpr std::string_view kLastSuccessFamily = "pgrevise_migration_last_success_timestamp_seconds";
constexpr std::string_view kLastSuccessHelp =
    "Unix time at which the PostgresMigration last reached its target.";

// The series created for one resource, so that forget() can remove them all (prometheus-cpp families cannot
// be queried by a label subset). Keyed by the metric's address, which is unique while the series exists.
struct ResourceSeries {
  ResourceGauges gauges;
  std::map<const void*, std::function<void()>> removers;
  std::vector<const void*> running;  // the series of the running statement, replaced on each report
  std::vector<const void*> lint;     // the series of the lint findings, replaced on each analysis

  // Removes the series of `group` (running or lint) from their families, and forgets them.
  void remove_all(std::vector<const void*>& group) {
    for (const void* metric : group) {
      auto found = removers.find(metric);
      if (found == removers.end()) continue;
      found->second();
      removers.erase(found);
    }
    group.clear();
  }
};

// Writes one family of the resource gauges: its header, then `write(name, namespace, gauges)` for each
// resource that `has` the gauge, in order of namespace and name; nothing at all when no resource has it yet.
template <typename Has, typename Write>
void write_family(TextExposition& exposition, const std::map<ResourceKey, ResourceSeries>& resources,
                  std::string_view family, std::string_view help, Has has, Write write) {
  bool opened = false;
  for (const auto& [key, series] : resources) {
    if (!has(series.gauges)) continue;
    if (!opened) exposition.family(family, "gauge", help);
    opened = true;
    write(key.second, key.first, series.gauges);
  }
}

void write_resource_gauges(std::string& out, const std::map<ResourceKey, ResourceSeries>& resources) {
  TextExposition text(out);
  write_family(
      text, resources, kPhaseFamily, kPhaseHelp, [](const auto& g) { return g.phase.has_value(); },
      [&](std::string_view name, std::string_view ns, const ResourceGauges& g) {
        for (const auto& [phase, phase_name] : kPhaseNames)
          text.sample(kPhaseFamily, {{"name", name}, {"namespace", ns}, {"phase", phase_name}},
                      phase == *g.phase ? 1 : 0);
      });
  write_family(
      text, resources, kPendingFamily, kPendingHelp, [](const auto& g) { return g.pending.has_value(); },
      [&](std::string_view name, std::string_view ns, const ResourceGauges& g) {
        text.sample(kPendingFamily, {{"name", name}, {"namespace", ns}}, static_cast<double>(*g.pending));
      });
  write_family(
      text, resources, kHeadsFamily, kHeadsHelp, [](const auto& g) { return g.heads.has_value(); },
      [&](std::string_view name, std::string_view ns, const ResourceGauges& g) {
        text.sample(
            kHeadsFamily,
            {{"current", g.heads->first}, {"name", name}, {"namespace", ns}, {"target", g.heads->second}}, 1);
      });
  write_family(
      text, resources, kLastSuccessFamily, kLastSuccessHelp,
      [](const auto& g) { return g.last_success.has_value(); },
      [&](std::string_view name, std::string_view ns, const ResourceGauges& g) {
        text.sample(kLastSuccessFamily, {{"name", name}, {"namespace", ns}}, *g.last_success);
      });
}

}  // namespace

struct PrometheusMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mutex;  // guards `resources` and the Add/Remove pairs on the families below
  std::map<ResourceKey, ResourceSeries> resources;
  std::atomic<std::size_t> last_render_size{0};

  Family<Counter>& runs = counter("pgrevise_migration_runs_total", "Finished migrate runs by result.");
  Family<Histogram>& run_duration =
      histogram("pgrevise_migration_run_duration_seconds", "Duration of finished migrate runs.");
  Family<Histogram>& step_duration = histogram("pgrevise_migration_step_duration_seconds",
                                               "Duration of each revision applied by a migrate run.");
  Family<Counter>& backups = counter("pgrevise_backup_runs_total", "Finished backup runs by result.");
  Family<Histogram>& backup_duration =
      histogram("pgrevise_backup_duration_seconds", "Duration of finished backup runs.");
  Family<Gauge>& backup_size =
      gauge("pgrevise_backup_last_size_bytes", "Size of the last successful backup.");
  Family<Histogram>& lock_wait = histogram("pgrevise_migration_lock_wait_seconds",
                                           "Time the runner waited for the migration advisory lock.");

  Family<Gauge>& statement_running =
      gauge("pgrevise_migration_statement_running_seconds",
            "How long the statement the migrate Job's runner runs now has run, by revision.");
  Family<Gauge>& index_build_phase =
      gauge("pgrevise_migration_index_build_phase_info",
            "The phase of the CREATE INDEX or REINDEX the runner runs now (value is always 1).");
  Family<Gauge>& index_blocks_done =
      gauge("pgrevise_migration_index_build_blocks_done",
            "Blocks the running CREATE INDEX or REINDEX has done in its phase.");
  Family<Gauge>& index_blocks_planned = gauge("pgrevise_migration_index_build_blocks_planned",
                                              "Blocks the running CREATE INDEX or REINDEX's phase has.");
  Family<Gauge>& index_tuples_done =
      gauge("pgrevise_migration_index_build_tuples_done",
            "Tuples the running CREATE INDEX or REINDEX has done in its phase.");
  Family<Gauge>& index_tuples_planned = gauge("pgrevise_migration_index_build_tuples_planned",
                                              "Tuples the running CREATE INDEX or REINDEX's phase has.");

  Family<Gauge>& lint_findings = gauge(
      "pgrevise_lint_findings",
      "Findings of the safety analysis of the current plan of a PostgresMigration, by rule and severity.");

  Family<Counter>& reconciles = counter("pgrevise_reconcile_total", "Reconciles by result.");
  Family<Histogram>& reconcile_duration =
      histogram("pgrevise_reconcile_duration_seconds", "Duration of reconciles.");
  Family<Gauge>& queue_depth = gauge("pgrevise_workqueue_depth", "Keys waiting in the work queue.");
  Family<Histogram>& queue_latency = histogram("pgrevise_workqueue_queue_duration_seconds",
                                               "Time a key waited in the work queue before being processed.");
  Family<Counter>& watch_restarts = counter(
      "pgrevise_watch_restarts_total", "Watch streams restarted after they ended or failed, by resource.");
  Family<Counter>& relists = counter("pgrevise_watch_relists_total",
                                     "Full relists of a watched resource (initial list and after 410 Gone).");
  Family<Counter>& api_requests =
      counter("pgrevise_kube_api_requests_total",
              "Kubernetes API requests by verb and HTTP status code (0: no response).");
  Family<Gauge>& leader = gauge("pgrevise_leader", "1 when this operator instance holds the leader lease.");
  Family<Gauge>& build_info =
      gauge("pgrevise_build_info", "Build information of the operator (value is always 1).");

  Family<Gauge>& gauge(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry);
  }
  Family<Counter>& counter(const std::string& name, const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*registry);
  }
  Family<Histogram>& histogram(const std::string& name, const std::string& help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(*registry);
  }

  // A resource's gauges, created on first use. Caller holds `mutex`.
  ResourceGauges& gauges(std::string_view ns, std::string_view name) {
    return resources[{std::string(ns), std::string(name)}].gauges;
  }

  // A resource's series in `family`, created on first use and remembered for forget(). Caller holds `mutex`.
  template <typename T, typename... Args>
  T& series(Family<T>& family, std::string_view ns, std::string_view name, Labels labels, Args&&... args) {
    ResourceKey key{std::string(ns), std::string(name)};
    labels.emplace("namespace", key.first);
    labels.emplace("name", key.second);
    T& metric = family.Add(labels, std::forward<Args>(args)...);
    auto& tracked = resources[key].removers;
    tracked.try_emplace(&metric, [&family, &metric] { family.Remove(&metric); });
    return metric;
  }
};

PrometheusMetrics::PrometheusMetrics(std::string_view version) : state_(std::make_unique<State>()) {
  state_->build_info.Add({{"version", bounded(version, 64)}}).Set(1);
  state_->leader.Add({}).Set(0);
  state_->queue_depth.Add({}).Set(0);
}

PrometheusMetrics::~PrometheusMetrics() = default;

void PrometheusMetrics::set_phase(std::string_view ns, std::string_view name, Phase phase) {
  std::lock_guard lock(state_->mutex);
  state_->gauges(ns, name).phase = phase;
}

void PrometheusMetrics::set_pending_revisions(std::string_view ns, std::string_view name,
                                              std::int64_t count) {
  std::lock_guard lock(state_->mutex);
  state_->gauges(ns, name).pending = count;
}

void PrometheusMetrics::set_heads_info(std::string_view ns, std::string_view name,
                                       const std::vector<std::string>& current_heads,
                                       const std::vector<std::string>& target_heads) {
  std::pair<std::string, std::string> values{heads_label(current_heads), heads_label(target_heads)};
  std::lock_guard lock(state_->mutex);
  state_->gauges(ns, name).heads = std::move(values);
}

void PrometheusMetrics::observe_run(std::string_view ns, std::string_view name, RunResult result,
                                    double seconds) {
  std::lock_guard lock(state_->mutex);
  state_->series(state_->runs, ns, name, {{"result", to_string(result)}}).Increment();
  state_->series(state_->run_duration, ns, name, {}, kRunBuckets).Observe(seconds);
}

void PrometheusMetrics::observe_step(std::string_view ns, std::string_view name, std::string_view revision,
                                     Direction direction, double seconds) {
  std::lock_guard lock(state_->mutex);
  Labels labels{{"revision", bounded(revision, kMaxRevisionLabel)}, {"direction", to_string(direction)}};
  state_->series(state_->step_duration, ns, name, labels, kStepBuckets).Observe(seconds);
}

void PrometheusMetrics::set_last_success(std::string_view ns, std::string_view name, double unix_seconds) {
  std::lock_guard lock(state_->mutex);
  state_->gauges(ns, name).last_success = unix_seconds;
}

void PrometheusMetrics::observe_backup(std::string_view ns, std::string_view name, RunResult result,
                                       double seconds, std::uint64_t size_bytes) {
  std::lock_guard lock(state_->mutex);
  state_->series(state_->backups, ns, name, {{"result", to_string(result)}}).Increment();
  state_->series(state_->backup_duration, ns, name, {}, kBackupBuckets).Observe(seconds);
  if (result == RunResult::kSucceeded) {
    state_->series(state_->backup_size, ns, name, {}).Set(static_cast<double>(size_bytes));
  }
}

void PrometheusMetrics::observe_lock_wait(std::string_view ns, std::string_view name, double seconds) {
  std::lock_guard lock(state_->mutex);
  state_->series(state_->lock_wait, ns, name, {}, kLockWaitBuckets).Observe(seconds);
}

void PrometheusMetrics::set_running_statement(std::string_view ns, std::string_view name,
                                              const RunningStatement* running) {
  std::lock_guard lock(state_->mutex);
  ResourceSeries& tracked = state_->resources[{std::string(ns), std::string(name)}];
  tracked.remove_all(tracked.running);
  if (running == nullptr) return;
  const Labels labels{{"revision", bounded(running->revision, kMaxRevisionLabel)}};
  auto set = [&](Family<Gauge>& family, Labels with, double value) {
    Gauge& gauge = state_->series(family, ns, name, std::move(with));
    gauge.Set(value);
    tracked.running.push_back(&gauge);
  };
  set(state_->statement_running, labels, running->running_seconds);
  if (running->phase.empty()) return;
  Labels phase = labels;
  phase.emplace("phase", bounded(running->phase, 128));
  set(state_->index_build_phase, phase, 1);
  set(state_->index_blocks_done, labels, static_cast<double>(running->blocks_done));
  set(state_->index_blocks_planned, labels, static_cast<double>(running->blocks_total));
  set(state_->index_tuples_done, labels, static_cast<double>(running->tuples_done));
  set(state_->index_tuples_planned, labels, static_cast<double>(running->tuples_total));
}

void PrometheusMetrics::set_lint_findings(
    std::string_view ns, std::string_view name,
    const std::map<std::pair<std::string, std::string>, int>& by_rule_and_severity) {
  std::lock_guard lock(state_->mutex);
  ResourceSeries& tracked = state_->resources[{std::string(ns), std::string(name)}];
  tracked.remove_all(tracked.lint);
  for (const auto& [key, count] : by_rule_and_severity) {
    Gauge& gauge = state_->series(state_->lint_findings, ns, name,
                                  {{"rule", bounded(key.first, 64)}, {"severity", bounded(key.second, 16)}});
    gauge.Set(count);
    tracked.lint.push_back(&gauge);
  }
}

void PrometheusMetrics::forget(std::string_view ns, std::string_view name) {
  std::lock_guard lock(state_->mutex);
  auto found = state_->resources.find({std::string(ns), std::string(name)});
  if (found == state_->resources.end()) return;
  for (auto& [metric, remove] : found->second.removers) remove();
  state_->resources.erase(found);
}

void PrometheusMetrics::observe_reconcile(const ReconcileResult& result, double seconds) {
  state_->reconciles.Add({{"result", result.outcome_label()}}).Increment();
  state_->reconcile_duration.Add({}, kReconcileBuckets).Observe(seconds);
}

void PrometheusMetrics::set_queue_depth(std::int64_t depth) {
  state_->queue_depth.Add({}).Set(static_cast<double>(depth));
}

void PrometheusMetrics::observe_queue_latency(double seconds) {
  state_->queue_latency.Add({}, kQueueBuckets).Observe(seconds);
}

void PrometheusMetrics::inc_watch_restart(std::string_view resource) {
  state_->watch_restarts.Add({{"resource", token_label(resource)}}).Increment();
}

void PrometheusMetrics::inc_relist(std::string_view resource) {
  state_->relists.Add({{"resource", token_label(resource)}}).Increment();
}

void PrometheusMetrics::inc_api_request(std::string_view verb, int code) {
  int bounded_code = code >= 100 && code <= 599 ? code : 0;
  state_->api_requests.Add({{"verb", verb_label(verb)}, {"code", std::to_string(bounded_code)}}).Increment();
}

void PrometheusMetrics::set_leader(bool is_leader) {
  state_->leader.Add({}).Set(is_leader ? 1 : 0);
}

std::string PrometheusMetrics::render() const {
  std::string text;
  // The size of the last scrape: the text is written once into a buffer of its size, not grown by doubling.
  text.reserve(state_->last_render_size.load() + 4096);
  {
    StringAppender appender(text);
    std::ostream out(&appender);
    prometheus::TextSerializer().Serialize(out, state_->registry->Collect());
  }
  {
    std::lock_guard lock(state_->mutex);
    write_resource_gauges(text, state_->resources);
  }
  state_->last_render_size = text.size();
  return text;
}

}  // namespace pgrevise::metrics
