#pragma once

// The running operator: watchers filling caches, the work queue and its workers, leader election, the
// metrics and health endpoints, and an orderly shutdown. Wiring only; the decisions live in src/controller.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/config.h"
#include "metrics/bind_address.h"

namespace pgrevise::app {

// Exit codes of `pgrevise operator` (documented in its --help).
inline constexpr int kOperatorExitOk = 0;        // stopped by SIGTERM or SIGINT after draining
inline constexpr int kOperatorExitFailed = 1;    // lost the leader lease, or a fatal runtime error
inline constexpr int kOperatorExitBadInput = 2;  // bad flags or kubeconfig
inline constexpr int kOperatorExitNoApi = 4;     // the API server could not be reached at start-up

struct OperatorConfig {
  kube::ClusterConfig cluster;
  std::vector<std::string> namespaces;  // empty: all namespaces
  bool leader_elect = false;
  std::string lease_namespace;
  std::string lease_name = "pgrevise-operator";
  std::string identity;
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  std::optional<metrics::BindAddress> metrics_address;
  std::optional<metrics::BindAddress> health_address;
  int max_concurrent_reconciles = 2;
  std::string runner_image;
  nlohmann::json job_resources = nlohmann::json::object();  // --job-resources
  std::vector<std::string> job_image_pull_secrets;          // --job-image-pull-secret
  std::chrono::seconds job_start_timeout{40};               // --job-start-timeout
  double qps = 0;
  int burst = 30;
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(60)};
  // How often a resource at rest is looked at again (its database read for out-of-band changes).
  std::chrono::milliseconds resync_period{std::chrono::minutes(5)};
  // How long a database connection stays open after a reconcile read the database, for the next reconcile on
  // the same database (zero: a connection per read).
  std::chrono::milliseconds database_idle_timeout{std::chrono::seconds(5)};
  // How long a Secret read by a reconcile answers for the next reconciles (a changed Secret is seen within
  // it).
  std::chrono::milliseconds secret_cache_duration{std::chrono::seconds(2)};
};

// Runs until SIGTERM / SIGINT (returns kOperatorExitOk after draining in-flight reconciles and releasing the
// lease) or until the lease is lost (kOperatorExitFailed). The caller must have blocked SIGTERM and SIGINT
// in every thread before calling, so that only this function's signal wait receives them.
int run_operator(const OperatorConfig& config);

// The cluster a command talks to: --kubeconfig FILE when given, else $KUBECONFIG, in-cluster, ~/.kube/config.
// Defined with the operator's flags (operator_command.cpp); `pgrevise crd` takes the same flag.
kube::ClusterConfig cluster_config_from_flag(const std::optional<std::string>& kubeconfig_flag);

}  // namespace pgrevise::app
