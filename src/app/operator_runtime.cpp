#include "app/operator_runtime.h"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "app/operator_reconcile.h"
#include "app/version.h"
#include "common/clock.h"
#include "common/log.h"
#include "controller/kube_cluster.h"
#include "controller/watches.h"
#include "kube/cpprest_transport.h"
#include "kube/errors.h"
#include "kube/event_recorder.h"
#include "kube/handlers.h"
#include "kube/leader_election.h"
#include "kube/watcher.h"
#include "kube/work_queue.h"
#include "metrics/endpoints.h"
#include "metrics/prometheus_metrics.h"
#include "specs/jobs.h"

namespace pgrevise::app {
namespace {

using Json = nlohmann::json;

// The watchers of one resource type, one per watched namespace (or one for all), each with its own store.
struct WatchedType {
  kube::ResourceType type;
  std::vector<std::unique_ptr<kube::Store>> stores;
  std::vector<std::unique_ptr<kube::Watcher>> watchers;
  controller::StoreSet set;
  int restarts_seen = 0;
  int relists_seen = 0;
};

class OperatorRuntime {
 public:
  explicit OperatorRuntime(const OperatorConfig& config);
  int run();

 private:
  kube::RestClientOptions client_options();
  kube::RestClientOptions lease_client_options();
  void add_watched(WatchedType& watched, const std::string& label_selector, const kube::StoreHandler& handler,
                   bool metadata_only = false, const std::vector<Json::json_pointer>& unread_fields = {});
  kube::StoreHandler config_map_handler();
  kube::StoreHandler job_handler();
  bool caches_synced() const;
  bool check_api_reachable();
  void start_reconciling();
  void stop_reconciling();
  void publish_watch_metrics(WatchedType& watched);
  void publish_queue_metrics();
  int wait_for_shutdown();
  void shut_down();

  OperatorConfig config_;
  Clock& clock_ = SystemClock::instance();
  metrics::PrometheusMetrics metrics_{PGREVISE_VERSION};
  kube::RestClient client_;        // reads, and the writes of reconciles (only while leading)
  kube::RestClient lease_client_;  // the lease alone, never held up by the reconciles' rate limit
  kube::WorkQueue queue_;
  WatchedType resources_{controller::postgres_migrations(), {}, {}, {}};
  WatchedType jobs_{kube::resources::jobs(), {}, {}, {}};
  WatchedType config_maps_{kube::resources::config_maps(), {}, {}, {}};
  controller::RecentlyDeletedJobs deleted_jobs_{clock_};
  kube::EventRecorder events_;
  std::unique_ptr<controller::KubeCluster> cluster_;
  std::unique_ptr<ReconcileLoop> reconcile_;
  metrics::Readiness readiness_;
  std::unique_ptr<metrics::Endpoints> endpoints_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::thread elector_thread_;
  std::mutex pool_mu_;
  std::unique_ptr<kube::WorkerPool> pool_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> lost_lease_{false};
  std::uint64_t gets_seen_ = 0;
  std::chrono::milliseconds latency_seen_{0};
};

kube::RestClientOptions OperatorRuntime::client_options() {
  kube::RestClientOptions o;
  o.qps = config_.qps;
  o.burst = config_.burst;
  // Appended rather than concatenated: GCC 12 reports a false array-bounds error on `std::string + literal`
  // here.
  o.user_agent = "pgrevise-operator/";
  o.user_agent += PGREVISE_VERSION;
  o.on_request = [this](const std::string& verb, int code) { metrics_.inc_api_request(verb, code); };
  o.retry_after_attempts = 5;
  // With leader election, a write goes out only while the lease is known to be held: once it is lost or
  // could not be renewed within the renew deadline, reconciles still running cannot act any more.
  o.may_write = [this] { return !config_.leader_elect || (elector_ && elector_->leadership().held()); };
  return o;
}

// A renewal that takes longer than the renew deadline is of no use; it must not wait behind reconciles for
// the rate limiter either.
kube::RestClientOptions OperatorRuntime::lease_client_options() {
  kube::RestClientOptions o = client_options();
  o.qps = 0;
  o.request_timeout = config_.renew_deadline;
  o.retry_after_attempts = 0;
  o.may_write = nullptr;
  return o;
}

OperatorRuntime::OperatorRuntime(const OperatorConfig& config)
    : config_(config),
      client_(std::make_shared<kube::CppRestTransport>(config.cluster), client_options(), clock_),
      lease_client_(client_.transport(), lease_client_options(), clock_),
      queue_(clock_, {std::chrono::milliseconds(5), std::chrono::seconds(120)}),
      events_(client_, clock_, {.reporting_instance = config.identity}) {}

void OperatorRuntime::add_watched(WatchedType& watched, const std::string& label_selector,
                                  const kube::StoreHandler& handler, bool metadata_only,
                                  const std::vector<Json::json_pointer>& unread_fields) {
  std::vector<std::string> namespaces = config_.namespaces;
  if (namespaces.empty()) namespaces.push_back("");
  kube::WatcherOptions options;
  options.label_selector = label_selector;
  options.metadata_only = metadata_only;
  for (const auto& ns : namespaces) {
    auto store = std::make_unique<kube::Store>(handler, unread_fields);
    watched.set.by_namespace[ns] = store.get();
    watched.watchers.push_back(
        std::make_unique<kube::Watcher>(client_, watched.type, ns, *store, clock_, options));
    watched.stores.push_back(std::move(store));
  }
}

// A Job change concerns the resource owning it; a finished Job deleted is remembered for a while, so that a
// reconcile still reads its outcome (controller/deleted_jobs.h).
kube::StoreHandler OperatorRuntime::job_handler() {
  kube::StoreHandler handler = kube::enqueue_owner_keys(queue_, "PostgresMigration");
  handler.on_deleted = [this, enqueue = handler.on_deleted](const std::string& key, const Json& last_known) {
    deleted_jobs_.remember(last_known);
    enqueue(key, last_known);
  };
  return handler;
}

// Which resources a ConfigMap change concerns is the controller's rule (controller/watches.h).
kube::StoreHandler OperatorRuntime::config_map_handler() {
  const auto enqueue = [this](const Json& config_map) {
    const std::string ns = config_map["metadata"].value("namespace", "");
    const kube::Store* store = resources_.set.find(ns);
    const std::vector<Json> resources = store != nullptr ? store->list(ns) : std::vector<Json>{};
    for (const auto& resource : controller::resources_for_config_map(config_map, resources))
      queue_.add(resource.key());
  };
  return {[enqueue](const std::string&, const Json& o) { enqueue(o); },
          [enqueue](const std::string&, const Json&, const Json& o) { enqueue(o); },
          [enqueue](const std::string&, const Json& o) { enqueue(o); }};
}

bool OperatorRuntime::caches_synced() const {
  for (const WatchedType* w : {&resources_, &jobs_, &config_maps_})
    for (const auto& store : w->stores)
      if (!store->synced()) return false;
  return true;
}

// One request before anything starts, so that a wrong server address ends the process with a clear message
// instead of watchers retrying forever.
bool OperatorRuntime::check_api_reachable() {
  try {
    kube::ListOptions options;
    options.limit = 1;
    client_.list(resources_.type, config_.namespaces.empty() ? "" : config_.namespaces[0], options);
  } catch (const kube::ApiError& e) {
    if (e.reason() == kube::ApiReason::kUnavailable) {
      log::error("the API server cannot be reached",
                 {{"server", config_.cluster.server}, {"error", e.what()}});
      return false;
    }
    log::warn("listing PostgresMigrations failed; the watchers will keep trying", {{"error", e.what()}});
  }
  return true;
}

void OperatorRuntime::start_reconciling() {
  std::lock_guard lock(pool_mu_);
  if (pool_ || shutting_down_) return;
  metrics_.set_leader(true);
  // Everything known is looked at once when this process starts acting.
  for (const auto& store : resources_.stores)
    for (const auto& key : store->keys()) queue_.add(key);
  pool_ = std::make_unique<kube::WorkerPool>(
      queue_, config_.max_concurrent_reconciles,
      [this](const std::string& key) { return reconcile_->reconcile(key); },
      [](const std::string& key, const std::exception& e) {
        log::warn("reconcile failed; retrying with backoff", {{"key", key}, {"error", e.what()}});
      });
  pool_->start();
  log::info("reconciling", {{"workers", std::to_string(config_.max_concurrent_reconciles)}});
}

// Drains: reconciles in flight finish, nothing new starts.
void OperatorRuntime::stop_reconciling() {
  std::lock_guard lock(pool_mu_);
  queue_.shut_down();
  if (pool_) pool_->stop();
  metrics_.set_leader(false);
}

void OperatorRuntime::publish_watch_metrics(WatchedType& watched) {
  int restarts = 0;
  int relists = 0;
  for (const auto& w : watched.watchers) {
    restarts += w->restarts();
    relists += w->relists();
  }
  for (; watched.restarts_seen < restarts; ++watched.restarts_seen)
    metrics_.inc_watch_restart(watched.type.resource);
  for (; watched.relists_seen < relists; ++watched.relists_seen) metrics_.inc_relist(watched.type.resource);
}

// The queue keeps totals; the keys handed out since the last look are observed at their mean wait.
void OperatorRuntime::publish_queue_metrics() {
  const auto stats = queue_.stats();
  metrics_.set_queue_depth(static_cast<std::int64_t>(stats.depth + stats.waiting));
  const std::uint64_t gets = stats.gets_total - gets_seen_;
  if (gets == 0) return;
  const double mean = std::chrono::duration<double>(stats.queue_latency_total - latency_seen_).count() /
                      static_cast<double>(gets);
  for (std::uint64_t i = 0; i < gets; ++i) metrics_.observe_queue_latency(mean);
  gets_seen_ = stats.gets_total;
  latency_seen_ = stats.queue_latency_total;
}

// Waits for SIGTERM / SIGINT (exit 0) or the loss of the lease (exit 1); meanwhile starts reconciling once
// the caches are synced (and, with leader election, once this process leads) and keeps the gauges fresh.
int OperatorRuntime::wait_for_shutdown() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  const timespec tick{0, 200 * 1000 * 1000};
  bool election_started = false;
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      return kOperatorExitOk;
    }
    if (lost_lease_) return kOperatorExitFailed;
    if (!election_started && caches_synced()) {
      election_started = true;
      if (elector_) {
        elector_thread_ = std::thread([this] { elector_->run(); });
      } else {
        start_reconciling();
      }
    }
    publish_queue_metrics();
    for (WatchedType* w : {&resources_, &jobs_, &config_maps_}) publish_watch_metrics(*w);
  }
}

void OperatorRuntime::shut_down() {
  shutting_down_ = true;
  // In-flight reconciles finish before the lease goes, so that no two operators act on a key at once; a
  // reconcile that hangs must not keep the process (and the lease) forever.
  std::atomic<bool> drained{false};
  std::thread watchdog([this, &drained] {
    const auto until = clock_.steady_now() + config_.drain_timeout;
    while (!drained && clock_.steady_now() < until) clock_.sleep_for(std::chrono::milliseconds(50));
    if (!drained) {
      log::error("in-flight reconciles did not finish in time; exiting", {});
      std::_Exit(kOperatorExitFailed);
    }
  });
  stop_reconciling();
  drained = true;
  watchdog.join();
  if (elector_) {
    elector_->stop();
    if (elector_thread_.joinable()) elector_thread_.join();
  }
  for (WatchedType* w : {&resources_, &jobs_, &config_maps_})
    for (auto& watcher : w->watchers) watcher->stop();
  if (endpoints_) endpoints_->stop();
}

int OperatorRuntime::run() {
  // The operator's own status writes come back as updates; only other changes need another reconcile.
  add_watched(resources_, "", kube::enqueue_object_keys_unless_status_only(queue_));
  add_watched(jobs_, specs::managed_jobs_selector(), job_handler(), /*metadata_only=*/false,
              controller::unread_job_fields());
  // Every ConfigMap of the cluster is watched, but by metadata only: that is enough to know which resources a
  // change concerns, and the ConfigMaps that resources name are fetched when a reconcile reads them. A
  // cluster full of Helm release data and dashboards costs a few hundred bytes per ConfigMap, not its
  // content.
  add_watched(config_maps_, "", config_map_handler(), /*metadata_only=*/true,
              controller::unread_config_map_fields());
  cluster_ = std::make_unique<controller::KubeCluster>(
      client_, events_, controller::KubeCaches{resources_.set, jobs_.set, config_maps_.set, &deleted_jobs_});
  reconcile_ = std::make_unique<ReconcileLoop>(*cluster_, metrics_, clock_, config_);

  readiness_.add_check("caches-synced", [this] { return caches_synced(); });
  endpoints_ = std::make_unique<metrics::Endpoints>(
      metrics::EndpointOptions{config_.metrics_address, config_.health_address},
      [this] { return metrics_.render(); }, readiness_);
  try {
    endpoints_->start();
  } catch (const Error& e) {
    log::error("cannot serve the metrics and health endpoints", {{"error", e.what()}});
    return kOperatorExitBadInput;
  }
  if (!check_api_reachable()) {
    endpoints_->stop();
    return kOperatorExitNoApi;
  }
  if (config_.leader_elect) {
    kube::LeaderElectionConfig election{config_.lease_namespace, config_.lease_name, config_.identity};
    election.lease_duration = config_.lease_duration;
    election.renew_deadline = config_.renew_deadline;
    election.retry_period = config_.retry_period;
    kube::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] {
      log::info("became the leader", {{"identity", config_.identity}});
      start_reconciling();
    };
    callbacks.on_stopped_leading = [this] {
      if (shutting_down_) return;
      // The writes are already refused (the elector's leadership lapsed first); no reconcile starts now.
      queue_.shut_down();
      lost_lease_ = true;
    };
    elector_ = std::make_unique<kube::LeaderElector>(lease_client_, clock_, election, callbacks);
  } else {
    metrics_.set_leader(false);
  }
  for (WatchedType* w : {&resources_, &jobs_, &config_maps_})
    for (auto& watcher : w->watchers) watcher->start();
  log::info("operator started",
            {{"version", PGREVISE_VERSION},
             {"namespaces", config_.namespaces.empty() ? "all" : std::to_string(config_.namespaces.size())},
             {"leader-election", config_.leader_elect ? "on" : "off"}});
  const int code = wait_for_shutdown();
  if (code != kOperatorExitOk)
    log::error("the leader lease was lost; exiting so that a new process starts", {});
  shut_down();
  log::info("operator stopped", {});
  return code;
}

}  // namespace

int run_operator(const OperatorConfig& config) {
  OperatorRuntime runtime(config);
  return runtime.run();
}

}  // namespace pgrevise::app
