#pragma once

#include <string>

#include "app/operator_runtime.h"
#include "common/clock.h"
#include "controller/cluster.h"
#include "controller/postgres_probe.h"
#include "controller/reconciler.h"
#include "controller/secret_cache.h"
#include "kube/work_queue.h"
#include "metrics/recorder.h"

namespace pgrevise::app {

// One work-queue key through the controller's Reconciler, with the outcome turned into what the queue does
// next (requeue after a delay, requeue with backoff, or forget) and counted in the reconcile metrics.
class ReconcileLoop {
 public:
  ReconcileLoop(controller::Cluster& cluster, metrics::MigrationMetrics& metrics, Clock& clock,
                const OperatorConfig& config);

  ReconcileResult reconcile(const std::string& key);

 private:
  metrics::MigrationMetrics& metrics_;
  Clock& clock_;
  controller::PostgresProbe probe_;
  controller::SecretCachingCluster cluster_;
  controller::Reconciler reconciler_;
};

controller::ReconcilerOptions reconciler_options(const OperatorConfig& config);
controller::PostgresProbeOptions probe_options(const OperatorConfig& config);

}  // namespace pgrevise::app
