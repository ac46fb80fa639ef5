// `pgrevise apply -f FILE`: the operator's pipeline run once, here. The resources of FILE go into an
// in-process cluster (src/local), the same Reconciler and Job builders as the operator drive them, and each
// Job runs as local processes of this same binary. The composition root of that, and its output.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "api/reasons.h"
#include "api/validation.h"
#include "api/yaml.h"
#include "app/apply_output.h"
#include "app/commands.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/object_ref.h"
#include "common/redact.h"
#include "controller/postgres_probe.h"
#include "controller/reconciler.h"
#include "db/connection.h"
#include "local/local_cluster.h"
#include "local/settler.h"
#include "metrics/bind_address.h"
#include "metrics/endpoints.h"
#include "metrics/prometheus_metrics.h"

namespace pgrevise::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const cli::CommandSpec kApplySpec{
    "pgrevise apply -f FILE [flags]",
    "Runs the operator's pipeline once, on this machine, for the PostgresMigration resources in FILE (a\n"
    "multi-document YAML that also holds the Secrets and ConfigMaps they reference, as for kubectl apply).\n"
    "The same reconciler and Job builders as `pgrevise operator` run against an in-process cluster: each\n"
    "backup and migrate Job runs as local processes of this binary, its ConfigMap volumes written out as\n"
    "files, its PersistentVolumeClaims as folders of --data-dir, its secretKeyRef variables read from\n"
    "FILE's Secrets. Each phase is printed as it happens, then each Job's steps with their durations, then "
    "a\n"
    "summary line per resource and its final status as YAML (not with --quiet).",
    {{"filename", "FILE", "the manifests to apply (-f FILE works too)"},
     {"database-url", "URL",
      "used instead of the URL in the resources' Secrets, never printed (host/port forms too)"},
     {"data-dir", "DIR",
      "where backups (DIR/claims/CLAIM), Job work folders (DIR/pods) and Job logs (DIR/logs) go; created "
      "when a Job first needs it",
      false, ".pgrevise"},
     {"namespace", "NS", "namespace of the documents that name none", false, "default"},
     {"metrics-bind-address", "ADDR", "serve Prometheus /metrics on ADDR (host:port) while running; 0: off",
      false, "0"},
     {"migrations", "DIR",
      "use the migration files (*.sql) in this local folder instead of the resources' ConfigMap or image"},
     {"quiet", "", "print the summary without each resource's final status as YAML"},
     cli::output_flag(
         "json: the summary and final statuses as one JSON document on stdout, the progress lines on stderr"),
     {"watch", "", "keep running: apply FILE again whenever it changes (Ctrl-C or SIGTERM stops)"},
     {"runner-binary", "PATH", "the program Jobs run as `pgrevise` (an executable file)", false,
      "this executable"},
     {"log-level", "LEVEL", "debug, info, warn or error (for this process and the Jobs' runners)", false,
      "warn"}},
    0,
    0,
    "Exit codes: 0 every resource is Ready; 1 a backup or migration failed (reason, revision and SQLSTATE\n"
    "are printed); 2 bad input: FILE, a spec, a missing Secret or ConfigMap, a refused downgrade, a broken\n"
    "revision graph; 4 the database is unreachable or refused the credentials.\n\n"
    "Nothing is kept between runs but the database and --data-dir: every apply reads the database's\n"
    "version table again, and does nothing (no backup, no Job) when it is already at the target.\n\n"
    "Example:\n"
    "  pgrevise apply -f examples/postgresmigration.yaml --database-url postgresql://app@localhost/app\n"
    "  pgrevise apply -f examples/postgresmigration.yaml --migrations ./migrations --quiet",
    // The project's settings file does not apply: --database-url here replaces the resources' own.
    false};

std::atomic<bool> g_stop{false};

void on_stop_signal(int) {
  g_stop = true;
}

void install_stop_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct ApplyConfig {
  fs::path file;
  std::optional<std::string> database_url;
  fs::path data_dir;
  std::optional<fs::path> migrations_dir;  // --migrations: local files instead of the resources' own
  bool quiet = false;
  bool json = false;  // --output json
  std::string ns;
  std::optional<metrics::BindAddress> metrics_address;
  bool watch = false;
  std::string runner_binary;
  std::string log_level;
};

// FILE must be a readable file; in --watch mode it may still be missing or broken, and is watched until
// fixed.
fs::path manifest_file(const cli::ParsedArgs& args) {
  auto file = args.get("filename");
  if (!file) throw_bad_input("-f FILE is required: the manifests to apply (see --help)");
  if (file->empty()) throw_bad_input("-f FILE: expected a file, got ''");
  std::error_code ec;
  if (!args.has("watch") && fs::is_directory(*file, ec))
    throw_bad_input("-f " + *file + ": a directory, not a file of manifests");
  return *file;
}

// --data-dir is created when a Job first needs it; a path that can never be a directory is refused now.
fs::path data_dir(const cli::ParsedArgs& args) {
  const std::string text = args.get_or("data-dir", ".pgrevise");
  if (text.empty()) throw_bad_input("--data-dir: expected a directory, got ''");
  const fs::path dir = fs::absolute(text);
  std::error_code ec;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      if (!fs::is_directory(p, ec))
        throw_bad_input("--data-dir " + text + ": " + p.string() + " exists and is not a directory");
      break;
    }
    if (p == p.parent_path()) break;
  }
  return dir;
}

// The URL replaces the ones in FILE's Secrets: one libpq refuses is refused here, naming the flag, before any
// Job or database connection. Its secret parts are registered first, so that no message shows them.
std::optional<std::string> database_url(const cli::ParsedArgs& args) {
  auto url = args.get("database-url");
  if (!url) return std::nullopt;
  register_secret(*url);
  if (url->empty()) throw_bad_input("--database-url: expected a URL or conninfo, got ''");
  if (auto problem = db::conninfo_problem(*url)) throw_bad_input("--database-url: " + *problem);
  return url;
}

std::string namespace_flag(const cli::ParsedArgs& args) {
  const std::string ns = args.get_or("namespace", "default");
  std::string problem = api::dns1123_subdomain_problem(ns);
  if (problem.empty() && ns.find('.') != std::string::npos) problem = "must not contain '.'";
  if (problem.empty() && ns.size() > 63) problem = "must be at most 63 characters";
  if (!problem.empty()) throw_bad_input("--namespace '" + ns + "': not a namespace name: " + problem);
  return ns;
}

std::string runner_binary(const cli::ParsedArgs& args) {
  if (auto runner = args.get("runner-binary")) {
    const fs::path path = fs::absolute(*runner);
    std::error_code ec;
    if (runner->empty() || !fs::is_regular_file(path, ec) || ::access(path.c_str(), X_OK) != 0)
      throw_bad_input("--runner-binary '" + *runner + "': not an executable file");
    return path.string();
  }
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  return ec || self.empty() ? "pgrevise" : self;
}

ApplyConfig read_config(const cli::ParsedArgs& args) {
  ApplyConfig config;
  config.log_level = args.get_or("log-level", "warn");
  log::Level level;
  if (!log::parse_level(config.log_level, level))
    throw_bad_input("--log-level: expected debug, info, warn or error, got '" + config.log_level + "'");
  config.file = manifest_file(args);
  config.database_url = database_url(args);
  config.data_dir = data_dir(args);
  config.ns = namespace_flag(args);
  config.metrics_address =
      metrics::parse_bind_address("metrics-bind-address", args.get_or("metrics-bind-address", "0"));
  config.watch = args.has("watch");
  config.quiet = args.has("quiet");
  config.json = cli::json_output(args);
  if (auto dir = args.get("migrations")) {
    std::error_code ec;
    if (dir->empty() || !fs::is_directory(*dir, ec))
      throw_bad_input("--migrations '" + *dir + "': no such folder of migration files");
    config.migrations_dir = fs::absolute(*dir);
  }
  config.runner_binary = runner_binary(args);
  log::configure(level, log::Format::kText);
  return config;
}

std::vector<Json> read_documents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw_bad_input(file.string() + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return api::parse_yaml_documents(text.str());
  } catch (const Error& e) {
    throw Error(ErrorKind::kBadInput, file.string() + ": " + e.what());
  }
}

std::string namespace_or(const Json& doc, const std::string& fallback) {
  const std::string ns = doc.value("metadata", Json::object()).value("namespace", "");
  return ns.empty() ? fallback : ns;
}

Json& secret_document(std::vector<Json>& docs, const std::string& ns, const std::string& name,
                      const std::string& default_ns) {
  for (auto& doc : docs) {
    if (doc.value("kind", "") == "Secret" && namespace_or(doc, default_ns) == ns &&
        doc["metadata"].value("name", "") == name) {
      return doc;
    }
  }
  docs.push_back({{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", {{"name", name}, {"namespace", ns}}},
                  {"type", "Opaque"}});
  return docs.back();
}

// --database-url: every resource's URL Secret holds this URL; a resource given host/port/dbname is pointed at
// a Secret of its own holding it.
void override_database_url(std::vector<Json>& docs, const std::string& url, const std::string& default_ns) {
  std::vector<std::pair<std::string, Json>> refs;  // namespace, urlSecretRef
  for (auto& doc : docs) {
    if (doc.value("kind", "") != "PostgresMigration" || !doc.contains("spec") || !doc["spec"].is_object())
      continue;
    Json& database = doc["spec"]["database"];
    const Json ref = database.is_object() ? database.value("urlSecretRef", Json()) : Json();
    if (ref.is_object() && ref.contains("name")) {
      refs.emplace_back(namespace_or(doc, default_ns), ref);
      continue;
    }
    const Json own = {{"name", doc["metadata"].value("name", "") + "-database-url"}, {"key", "url"}};
    database = {{"urlSecretRef", own}};
    refs.emplace_back(namespace_or(doc, default_ns), own);
  }
  for (const auto& [ns, ref] : refs) {
    Json& secret = secret_document(docs, ns, ref.value("name", ""), default_ns);
    const std::string key = ref.value("key", "url");
    if (secret.contains("data") && secret["data"].is_object()) secret["data"].erase(key);
    secret["stringData"][key] = url;
  }
}

// --migrations DIR: the folder's *.sql files become a ConfigMap (keys are their paths below DIR, '/' and any
// character a key cannot hold written as '_'), and every resource takes its migrations from it.
void use_local_migrations(std::vector<Json>& docs, const fs::path& dir, const std::string& default_ns) {
  Json data = Json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string relative = fs::relative(entry.path(), dir).generic_string();
    if (relative.rfind("..", 0) == 0 || !entry.is_regular_file() || entry.path().extension() != ".sql")
      continue;
    std::string key = relative;
    for (char& c : key)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
    if (data.contains(key))
      throw_bad_input("--migrations: " + relative + " and another file both map to " + key);
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    data[key] = text.str();
  }
  if (data.empty()) throw_bad_input("--migrations " + dir.string() + ": no *.sql file in it");
  const std::string name = "pgrevise-local-migrations";
  std::set<std::string> namespaces;
  for (auto& doc : docs) {
    if (doc.value("kind", "") != "PostgresMigration" || !doc.contains("spec") || !doc["spec"].is_object())
      continue;
    doc["spec"]["migrations"] = {{"configMapRef", {{"name", name}}}};
    namespaces.insert(namespace_or(doc, default_ns));
  }
  for (const auto& ns : namespaces)
    docs.push_back({{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", name}, {"namespace", ns}}},
                    {"data", data}});
}

// Stores FILE's objects in the cluster; returns the PostgresMigrations' keys.
std::vector<ObjectRef> load(local::LocalCluster& cluster, const ApplyConfig& config) {
  auto docs = read_documents(config.file);
  if (config.database_url) override_database_url(docs, *config.database_url, config.ns);
  if (config.migrations_dir) use_local_migrations(docs, *config.migrations_dir, config.ns);
  std::vector<ObjectRef> keys;
  for (const auto& doc : docs) {
    const bool has_kind = doc.is_object() && doc.contains("kind") && doc["kind"].is_string();
    const std::string kind = has_kind ? doc["kind"].get<std::string>() : "";
    if (kind != "PostgresMigration" && kind != "Secret" && kind != "ConfigMap") {
      std::fprintf(stderr, "%s: skipping a %s: pgrevise apply handles PostgresMigration, Secret, ConfigMap\n",
                   config.file.c_str(), kind.empty() ? "document without kind" : kind.c_str());
      continue;
    }
    Json stored = cluster.apply_object(doc, config.ns);
    if (kind == "PostgresMigration")
      keys.push_back({stored["metadata"]["namespace"].get<std::string>(),
                      stored["metadata"]["name"].get<std::string>()});
  }
  if (keys.empty()) throw_bad_input(config.file.string() + ": no PostgresMigration to apply");
  return keys;
}

std::string condition_reason(const Json& resource, const std::string& type) {
  for (const auto& c : resource.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("type", "") == type) return c.value("reason", "");
  return "";
}

// The documented exit code for a resource that ended where it ended.
int exit_code_for(const Json& resource, bool unreachable) {
  if (local::condition_true(resource, api::condition::kReady)) return kExitOk;
  if (unreachable) return kExitConnection;
  const std::string reason = condition_reason(resource, std::string(api::condition::kStalled));
  return api::reason::is_bad_input(reason) ? kExitBadInput : kExitFailed;
}

// Prints from any thread, in one piece per call, to stdout (stderr when stdout holds JSON).
class Output {
 public:
  explicit Output(FILE* stream = stdout) : stream_(stream) {}
  void now(const std::string& text) {
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), stream_);
    std::fflush(stream_);
  }
  // Text from Job threads waits until the main thread has printed what led to it.
  void later(std::string text) {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(text));
  }
  void flush() {
    std::vector<std::string> pending;
    {
      std::lock_guard lock(mu_);
      pending.swap(pending_);
    }
    for (const auto& text : pending) now(text);
  }

 private:
  FILE* stream_;
  std::mutex mu_;
  std::vector<std::string> pending_;
};

// Prints a summary line per resource, then (unless quiet) every resource's final status, and returns the
// worst exit code.
int finish(local::LocalCluster& cluster, const std::vector<local::Settling>& tracked, Output& out,
           const ApplyConfig& config) {
  int code = kExitOk;
  std::string summary, statuses;
  Json resources = Json::array();
  for (const auto& t : tracked) {
    auto resource = cluster.get_resource(t.resource.ns, t.resource.name);
    if (!resource) continue;
    const int own = exit_code_for(*resource, t.unreachable);
    if (own != kExitOk && (code == kExitOk || own == kExitFailed)) code = own;
    summary += display_name(*resource, config.ns) +
               (own == kExitOk ? ": Ready\n" : ": not Ready (exit " + std::to_string(own) + ")\n");
    statuses += final_status_yaml(*resource);
    Json entry = {{"name", t.resource.name},
                  {"namespace", t.resource.ns},
                  {"ready", own == kExitOk},
                  {"exitCode", own}};
    if (!config.quiet) entry["status"] = resource->value("status", Json::object());
    resources.push_back(std::move(entry));
  }
  if (config.json) {
    const std::string text = redact(Json{{"resources", resources}, {"exitCode", code}}.dump()) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    out.now(config.quiet ? summary : summary + statuses);
  }
  return code;
}

std::optional<fs::file_time_type> modified_at(const fs::path& file) {
  std::error_code ec;
  auto t = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;
  return t;
}

struct ApplyParts {
  const ApplyConfig& config;
  local::LocalCluster& cluster;
  local::Settler& settler;
  Output& out;
  Clock& clock;
};

int apply_once(ApplyParts& parts) {
  std::vector<local::Settling> tracked;
  for (auto& resource : load(parts.cluster, parts.config)) tracked.push_back({.resource = resource});
  if (!parts.settler.run(tracked)) {
    parts.out.now("stopping: waiting for the running Jobs to finish\n");
    parts.cluster.wait_idle();
    parts.out.flush();
    finish(parts.cluster, tracked, parts.out, parts.config);
    return kExitFailed;
  }
  return finish(parts.cluster, tracked, parts.out, parts.config);
}

// A bad FILE is reported with its name; in --watch mode it is then watched until it is fixed.
int apply_reporting_errors(ApplyParts& parts) {
  try {
    return apply_once(parts);
  } catch (const Error& e) {
    std::fprintf(stderr, "pgrevise apply: %s\n", redact(e.what()).c_str());
    return e.kind() == ErrorKind::kBadInput     ? kExitBadInput
           : e.kind() == ErrorKind::kConnection ? kExitConnection
                                                : kExitFailed;
  } catch (const std::exception& e) {  // e.g. a document of an unexpected shape
    std::fprintf(stderr, "pgrevise apply: %s: %s\n", parts.config.file.c_str(), redact(e.what()).c_str());
    return kExitBadInput;
  }
}

int watch(ApplyParts& parts) {
  auto stamp = modified_at(parts.config.file);
  apply_reporting_errors(parts);
  const std::string watching = "watching " + parts.config.file.string() + " for changes (Ctrl-C to stop)\n";
  parts.out.now(watching);
  auto last_poll = parts.clock.steady_now();
  while (!g_stop) {
    parts.cluster.wait_for_job(parts.cluster.finished_jobs(), local::kSettleTick);
    if (parts.clock.steady_now() - last_poll < std::chrono::seconds(1)) continue;
    last_poll = parts.clock.steady_now();
    const auto now_stamp = modified_at(parts.config.file);
    if (now_stamp == stamp) continue;
    stamp = now_stamp;
    parts.out.now(parts.config.file.string() + " changed: applying it again\n");
    apply_reporting_errors(parts);
    if (!g_stop) parts.out.now(watching);
  }
  parts.cluster.wait_idle();
  parts.out.flush();
  return kExitOk;
}

std::unique_ptr<metrics::Endpoints> serve_metrics(const ApplyConfig& config,
                                                  metrics::PrometheusMetrics& metrics,
                                                  const metrics::Readiness& readiness) {
  if (!config.metrics_address) return nullptr;
  auto endpoints = std::make_unique<metrics::Endpoints>(
      metrics::EndpointOptions{config.metrics_address, std::nullopt}, [&metrics] { return metrics.render(); },
      readiness);
  endpoints->start();
  std::fprintf(stderr, "serving metrics on http://%s:%d/metrics\n",
               config.metrics_address->host.empty() ? "0.0.0.0" : config.metrics_address->host.c_str(),
               endpoints->metrics_port().value_or(0));
  return endpoints;
}

local::SettlerOutput settler_output(Output& out, const std::string& ns) {
  return {.phase_line = [ns](const Json& resource) { return phase_line(resource, ns); },
          .display_name = [ns](const Json& resource) { return display_name(resource, ns); },
          .print = [&out](const std::string& text) { out.now(text); },
          .flush = [&out] { out.flush(); }};
}

controller::ReconcilerOptions reconciler_options(const ApplyConfig& config) {
  controller::ReconcilerOptions options;
  options.job_poll_interval = std::chrono::milliseconds(1000);  // progress of a running migration
  options.settings.runner_log_level = config.log_level;
  options.pgrevise_version = PGREVISE_VERSION;
  options.retry_hint = "; fix the cause and run `pgrevise apply` again to retry it";
  return options;
}

int run_apply(const Args& raw_args) {
  Args args;
  for (const auto& a : raw_args) args.push_back(a == "-f" ? "--filename" : a);
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(kApplySpec).c_str());
    return kExitOk;
  }
  const ApplyConfig config = read_config(cli::parse(kApplySpec, args));
  install_stop_handlers();

  metrics::PrometheusMetrics metrics(PGREVISE_VERSION);
  metrics::Readiness readiness;
  auto endpoints = serve_metrics(config, metrics, readiness);
  Output out(config.json ? stderr : stdout);  // outlives the cluster, whose Job threads print through it
  SystemProcessRunner runner;
  Clock& clock = SystemClock::instance();
  local::LocalCluster cluster({.pgrevise_binary = config.runner_binary, .data_dir = config.data_dir}, runner,
                              clock);
  cluster.on_job_finished([&out, claims = config.data_dir / "claims"](const local::FinishedJob& finished) {
    out.later(job_finished_text(finished, claims));
  });
  controller::PostgresProbe probe;
  controller::Reconciler reconciler(cluster, probe, metrics, clock, reconciler_options(config));
  local::Settler settler(cluster, reconciler, clock, settler_output(out, config.ns), g_stop);
  ApplyParts parts{config, cluster, settler, out, clock};
  const int code = config.watch ? watch(parts) : apply_reporting_errors(parts);
  if (endpoints) endpoints->stop();
  return code;
}

const CommandRegistration apply_command(
    "apply", "run the operator's pipeline here, on the resources of a file (Jobs as local processes)",
    run_apply, 45, {}, [] { return cli::CompletionNode{.flags = kApplySpec.flags}; });

}  // namespace
}  // namespace pgrevise::app
