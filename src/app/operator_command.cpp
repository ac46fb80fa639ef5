// `pgrevise operator`: flags, logging and signals; src/app/operator_runtime.cpp does the wiring.
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "api/validation.h"
#include "app/commands.h"
#include "app/operator_runtime.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "kube/cpprest_transport.h"
#include "kube/errors.h"
#include "specs/settings.h"

namespace pgrevise::app {
namespace {

const cli::CommandSpec kOperatorSpec{
    "pgrevise operator [flags]",
    "Runs the controller: watches PostgresMigration resources, their Jobs and the ConfigMaps they "
    "reference,\n"
    "and keeps each database at its declared target through backup and migrate Jobs.",
    {{"kubeconfig", "FILE", "kubeconfig to use", false, "$KUBECONFIG, else in-cluster, else ~/.kube/config"},
     {"namespace", "NS", "watch only this namespace (repeatable; a namespace name)", true, "all namespaces"},
     {"leader-elect", "", "run leader election so that only one of several replicas reconciles"},
     {"leader-elect-lease-namespace", "NS", "namespace of the Lease", false,
      "$POD_NAMESPACE, else the service account's, else default"},
     {"leader-elect-lease-name", "NAME", "name of the Lease", false, "pgrevise-operator"},
     {"leader-elect-lease-duration", "DURATION",
      "how long a standby waits, after the lease was last renewed, before taking it over", false, "15s"},
     {"leader-elect-renew-deadline", "DURATION",
      "how long the leader keeps acting without a successful renewal; past it, it sends no write and exits "
      "(less than the lease duration)",
      false, "10s"},
     {"leader-elect-retry-period", "DURATION",
      "how often the lease is renewed or tried (less than the renew deadline)", false, "2s"},
     {"metrics-bind-address", "ADDR", "where /metrics listens ([host]:port, 0 disables)", false, ":8080"},
     {"health-probe-bind-address", "ADDR", "where /healthz and /readyz listen ([host]:port, 0 disables)",
      false, ":8081"},
     {"max-concurrent-reconciles", "N", "resources reconciled at once (one key never twice at once)", false,
      "2"},
     {"runner-image", "IMAGE", "image of the backup, migrate and plan Jobs", false,
      "$PGREVISE_RUNNER_IMAGE, else ghcr.io/pgrevise/pgrevise:VERSION"},
     {"job-resources", "JSON",
      "requests and limits of every Job container, e.g. {\"limits\":{\"memory\":\"1Gi\"}} ({} for none); a "
      "resource's spec.job.resources replaces them",
      false, "requests cpu 100m, memory 128Mi; limits cpu 1, memory 1Gi"},
     {"job-image-pull-secret", "NAME",
      "a Secret every Job's Pods pull their images with (repeatable), before the resource's own", true, ""},
     {"job-start-timeout", "DURATION",
      "how long a Job's Pod may wait for its image, a node or its creation before the Job is reported "
      "(JobPodNotStarting) and deleted; raise it where a cluster autoscaler adds nodes for the Jobs",
      false, "40s"},
     {"qps", "N",
      "client-side limit of API requests per second (0: none, the API server's priority and fairness limits)",
      false, "0"},
     {"burst", "N", "requests allowed above --qps in a burst", false, "30"},
     {"shutdown-timeout", "SECONDS", "how long SIGTERM waits for in-flight reconciles", false, "60"},
     {"resync-period", "DURATION", "how often a resource at rest is looked at again (its database read)",
      false, "5m"},
     {"database-idle-timeout", "DURATION",
      "how long a database connection stays open after use, for the next reconcile on that database (0 "
      "closes it at once)",
      false, "5s"},
     {"log-level", "LEVEL", "debug|info|warn|error", false, "info"},
     {"log-format", "FORMAT", "json|text", false, "json"}},
    0,
    0,
    "Only the leader reconciles; a standby keeps its caches warm and reports ready once they are synced.\n"
    "Secrets are read with `get` only. /readyz answers 200 once every cache has synced.\n\n"
    "Exit codes:\n"
    "  0  stopped by SIGTERM or SIGINT: in-flight reconciles drained, the lease released\n"
    "  1  the leader lease was lost, or a fatal runtime error (restart the process)\n"
    "  2  bad flags or kubeconfig (every flag is checked before the first API request; the message names "
    "it)\n"
    "  4  the API server could not be reached at start-up"};

void configure_logging(const cli::ParsedArgs& a) {
  const std::string level_text = a.get_or("log-level", "info");
  log::Level level;
  if (!log::parse_level(level_text, level))
    throw_bad_input("--log-level: expected debug, info, warn or error, got '" + level_text + "'");
  const std::string format_text = a.get_or("log-format", "json");
  log::Format format;
  if (!log::parse_format(format_text, format))
    throw_bad_input("--log-format: expected json or text, got '" + format_text + "'");
  log::configure(level, format);
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The Pod's name (else the host name) and a random suffix, so that a restarted process is a new candidate.
std::string leader_identity() {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof(host), "pgrevise");
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", rd());
  return env_or("POD_NAME", host) + "_" + suffix;
}

std::chrono::milliseconds duration_flag(const cli::ParsedArgs& a, const std::string& flag,
                                        std::chrono::milliseconds fallback) {
  const auto text = a.get(flag);
  if (!text) return fallback;
  auto d = parse_duration(*text);
  if (!d || *d < std::chrono::milliseconds(100))
    throw_bad_input("--" + flag + ": '" + *text + "' is not a duration of at least 100ms (e.g. 15s)");
  return *d;
}

// client-go's rule: the leader gives up acting (renew deadline) before a standby may take over (lease
// duration), and tries to renew several times within the deadline.
void read_lease_timing(const cli::ParsedArgs& a, OperatorConfig& c) {
  c.lease_duration = duration_flag(a, "leader-elect-lease-duration", c.lease_duration);
  c.renew_deadline = duration_flag(a, "leader-elect-renew-deadline", c.renew_deadline);
  c.retry_period = duration_flag(a, "leader-elect-retry-period", c.retry_period);
  if (c.renew_deadline >= c.lease_duration)
    throw_bad_input("--leader-elect-renew-deadline must be less than --leader-elect-lease-duration");
  if (c.retry_period >= c.renew_deadline)
    throw_bad_input("--leader-elect-retry-period must be less than --leader-elect-renew-deadline");
}

// A namespace is a DNS-1123 label; a name the API server would refuse is refused here, before any request.
std::string namespace_flag(const std::string& flag, const std::string& value) {
  std::string problem = api::dns1123_subdomain_problem(value);
  if (problem.empty() && value.find('.') != std::string::npos) problem = "must not contain '.'";
  if (problem.empty() && value.size() > 63) problem = "must be at most 63 characters";
  if (!problem.empty()) throw_bad_input("--" + flag + " '" + value + "': not a namespace name: " + problem);
  return value;
}

std::string runner_image(const cli::ParsedArgs& a) {
  constexpr const char* kDefaultImage = "ghcr.io/pgrevise/pgrevise:" PGREVISE_VERSION;
  const std::string image = a.get_or("runner-image", env_or("PGREVISE_RUNNER_IMAGE", kDefaultImage));
  if (image.empty() || image.find_first_of(" \t\r\n") != std::string::npos)
    throw_bad_input("--runner-image '" + image + "': expected an image reference such as " + kDefaultImage);
  return image;
}

std::string object_name_flag(const std::string& flag, const std::string& value) {
  if (auto problem = api::dns1123_subdomain_problem(value); !problem.empty())
    throw_bad_input("--" + flag + " '" + value + "': not a Secret name: " + problem);
  return value;
}

// --job-resources: a core/v1 ResourceRequirements of requests and limits, as JSON.
nlohmann::json job_resources(const cli::ParsedArgs& a) {
  const auto text = a.get("job-resources");
  if (!text) return specs::default_job_resources();
  const auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    throw_bad_input("--job-resources '" + *text + "': " + why +
                    " (expected e.g. {\"requests\":{\"cpu\":\"100m\"},\"limits\":{\"memory\":\"1Gi\"}})");
  };
  if (!parsed.is_object()) bad("not a JSON object");
  for (const auto& [key, quantities] : parsed.items()) {
    if (key != "requests" && key != "limits") bad("unknown key \"" + key + "\"");
    if (!quantities.is_object()) bad("\"" + key + "\" is not an object of quantities");
    for (const auto& [name, quantity] : quantities.items())
      if (!quantity.is_string() && !quantity.is_number())
        bad("the quantity of \"" + name + "\" is not a string");
  }
  return parsed;
}

// What every Job gets from the operator: resources, pull secrets, and how long its Pod may take to start.
void read_job_flags(const cli::ParsedArgs& a, OperatorConfig& c) {
  c.job_resources = job_resources(a);
  for (const auto& name : a.get_all("job-image-pull-secret"))
    c.job_image_pull_secrets.push_back(object_name_flag("job-image-pull-secret", name));
  if (auto text = a.get("job-start-timeout")) {
    auto d = parse_duration(*text);
    if (!d || *d < std::chrono::seconds(10) || *d > std::chrono::hours(1))
      throw_bad_input("--job-start-timeout: '" + *text +
                      "' is not a duration between 10s and 1h (e.g. 40s, 5m)");
    c.job_start_timeout = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
}

OperatorConfig config_from(const cli::ParsedArgs& a) {
  OperatorConfig c;
  c.cluster = cluster_config_from_flag(a.get("kubeconfig"));
  for (const auto& ns : a.get_all("namespace")) c.namespaces.push_back(namespace_flag("namespace", ns));
  c.leader_elect = a.has("leader-elect");
  c.lease_namespace =
      a.get_or("leader-elect-lease-namespace", env_or("POD_NAMESPACE", c.cluster.default_namespace));
  if (a.has("leader-elect-lease-namespace"))
    namespace_flag("leader-elect-lease-namespace", c.lease_namespace);
  c.lease_name = a.get_or("leader-elect-lease-name", "pgrevise-operator");
  if (auto problem = api::dns1123_subdomain_problem(c.lease_name); !problem.empty())
    throw_bad_input("--leader-elect-lease-name '" + c.lease_name + "': not a Lease name: " + problem);
  c.identity = leader_identity();
  read_lease_timing(a, c);
  c.metrics_address =
      metrics::parse_bind_address("metrics-bind-address", a.get_or("metrics-bind-address", ":8080"));
  c.health_address = metrics::parse_bind_address("health-probe-bind-address",
                                                 a.get_or("health-probe-bind-address", ":8081"));
  c.max_concurrent_reconciles = static_cast<int>(a.get_int("max-concurrent-reconciles", 1, 64).value_or(2));
  c.runner_image = runner_image(a);
  read_job_flags(a, c);
  c.qps = static_cast<double>(a.get_int("qps", 0, 10000).value_or(0));
  c.burst = static_cast<int>(a.get_int("burst", 1, 10000).value_or(30));
  c.drain_timeout = std::chrono::seconds(a.get_int("shutdown-timeout", 1, 3600).value_or(60));
  if (auto text = a.get("resync-period")) {
    auto d = parse_duration(*text);
    if (!d || *d < std::chrono::seconds(1))
      throw_bad_input("--resync-period: '" + *text + "' is not a duration of at least 1s (e.g. 30s, 5m)");
    c.resync_period = *d;
  }
  if (auto text = a.get("database-idle-timeout")) {
    auto d = parse_duration(*text);
    if (!d || *d > std::chrono::minutes(10))
      throw_bad_input("--database-idle-timeout: '" + *text +
                      "' is not a duration of at most 10m (e.g. 5s, 0)");
    c.database_idle_timeout = *d;
  }
  return c;
}

// Most of what the process holds beyond its caches is per thread: glibc keeps up to eight malloc arenas per
// core, each keeping what its threads freed, and cpprestsdk starts 40 I/O threads. The operator allocates in
// a handful of threads (workers, watchers, the elector) and its requests are asynchronous on the I/O pool, so
// two arenas and four I/O threads serve it; measured on the real cluster in bench/README.md.
void reduce_thread_overheads() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 2);
#endif
  kube::set_http_threads(4);
}

int run(const Args& args) {
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(kOperatorSpec).c_str());
    return kExitOk;
  }
  OperatorConfig config;
  try {
    const auto parsed = cli::parse(kOperatorSpec, args);
    configure_logging(parsed);
    config = config_from(parsed);
  } catch (const Error& e) {
    std::fprintf(stderr, "pgrevise operator: %s\n", redact(e.what()).c_str());
    return kOperatorExitBadInput;
  }
  // Block the shutdown signals in every thread started from here on; run_operator waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer that hangs up (a probe, a watch) must not end the process.
  signal(SIGPIPE, SIG_IGN);
  reduce_thread_overheads();
  return run_operator(config);
}

}  // namespace

kube::ClusterConfig cluster_config_from_flag(const std::optional<std::string>& flag) {
  if (flag && flag->empty()) throw_bad_input("--kubeconfig: expected a file, got ''");
  try {
    return kube::resolve_cluster_config(flag.value_or(""), kube::process_env());
  } catch (const Error& e) {
    if (!flag) throw;
    throw Error(ErrorKind::kBadInput, "--kubeconfig " + *flag + ": " + e.what());
  }
}

namespace {

const CommandRegistration operator_command("operator", "run the Kubernetes controller", run, 50, {},
                                           [] { return cli::CompletionNode{.flags = kOperatorSpec.flags}; });

}  // namespace
}  // namespace pgrevise::app
