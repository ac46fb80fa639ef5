#include "app/operator_reconcile.h"

#include "app/version.h"
#include "common/log.h"
#include "common/object_ref.h"

namespace pgrevise::app {

controller::ReconcilerOptions reconciler_options(const OperatorConfig& config) {
  controller::ReconcilerOptions options;
  options.settings.runner_image = config.runner_image;
  options.settings.default_resources = config.job_resources;
  options.settings.image_pull_secrets = config.job_image_pull_secrets;
  options.stuck_pod_grace = config.job_start_timeout;
  options.resync_interval = config.resync_period;
  options.pgrevise_version = PGREVISE_VERSION;
  return options;
}

controller::PostgresProbeOptions probe_options(const OperatorConfig& config) {
  controller::PostgresProbeOptions options;
  options.idle_lifetime = config.database_idle_timeout;
  return options;
}

ReconcileLoop::ReconcileLoop(controller::Cluster& cluster, metrics::MigrationMetrics& metrics, Clock& clock,
                             const OperatorConfig& config)
    : metrics_(metrics),
      clock_(clock),
      probe_(probe_options(config), clock),
      cluster_(cluster, clock, config.secret_cache_duration),
      reconciler_(cluster_, probe_, metrics, clock, reconciler_options(config)) {}

ReconcileResult ReconcileLoop::reconcile(const std::string& key) {
  const ObjectRef resource = ObjectRef::from_key(key);
  const auto started = clock_.steady_now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock_.steady_now() - started).count(); };
  ReconcileResult result;
  try {
    result = reconciler_.reconcile(resource.ns, resource.name);
  } catch (...) {
    metrics_.observe_reconcile(ReconcileResult{.error = true}, seconds());
    throw;  // the worker pool logs it and requeues with backoff
  }
  metrics_.observe_reconcile(result, seconds());
  if (result.error) {
    (result.transient ? log::info : log::warn)("reconcile did not finish; retrying with backoff",
                                               {{"key", key}, {"message", result.message}});
  } else {
    log::debug("reconciled", {{"key", key}, {"message", result.message}});
  }
  return result;
}

}  // namespace pgrevise::app
