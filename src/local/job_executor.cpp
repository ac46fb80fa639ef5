#include "local/job_executor.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/redact.h"
#include "local/pod_files.h"
#include "specs/jobs.h"

namespace pgrevise::local {

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The kubelet keeps at most 4096 bytes of a termination message; with FallbackToLogsOnError, the log tail.
std::string tail(const std::string& text, size_t limit) {
  return text.size() <= limit ? text : text.substr(text.size() - limit);
}

// podFailurePolicy: does a FailJob rule match this exit code of this container? A rule that names a
// container (onExitCodes.containerName) matches only that one's exit codes.
bool fails_job_at_once(const Json& job_spec, const std::string& container, int exit_code) {
  auto policy = job_spec.find("podFailurePolicy");
  if (policy == job_spec.end()) return false;
  for (const auto& rule : policy->value("rules", Json::array())) {
    if (rule.value("action", "") != "FailJob" || !rule.contains("onExitCodes")) continue;
    const auto& on = rule["onExitCodes"];
    if (on.contains("containerName") && on.value("containerName", "") != container) continue;
    bool listed = false;
    for (const auto& v : on.value("values", Json::array()))
      listed |= v.is_number_integer() && v.get<int>() == exit_code;
    if ((on.value("operator", "In") == "In") == listed) return true;
  }
  return false;
}

// The containers the Pod runs one after the other: its init containers in order, then the main container.
// A native sidecar (an init container with restartPolicy Always) is not among them: the kubelet starts it and
// goes on without waiting for it to end, and stops it once the main container has; run in line, one that
// serves until stopped would hold the Pod, and its Job, open.
std::vector<Json> containers_in_order(const Json& job, const Json& pod) {
  std::vector<Json> containers;
  for (const auto& c : pod.value("initContainers", Json::array()))
    if (!is_native_sidecar(c)) containers.push_back(c);
  containers.push_back(main_container(pod, job));
  return containers;
}

// What the containers of one attempt share.
struct PodContext {
  std::string ns;
  std::string name;
  std::map<std::string, std::filesystem::path> volumes;
  std::chrono::steady_clock::time_point started;
  std::optional<std::chrono::milliseconds> deadline;  // activeDeadlineSeconds, from `started`
};

ProcessSpec container_process(const Json& container, const PodContext& pod, const JobEnvironment& env,
                              const std::filesystem::path& termination_log,
                              std::chrono::steady_clock::time_point now) {
  const auto mounts = mounts_for(container, pod.volumes, termination_log);
  auto vars = container_env(container, pod.ns, pod.name, env);
  std::vector<std::string> words;
  for (const auto& w : container.value("command", Json::array())) words.push_back(w.get<std::string>());
  if (words.empty()) words.push_back("pgrevise");  // the image's ENTRYPOINT
  for (const auto& w : container.value("args", Json::array())) words.push_back(w.get<std::string>());
  for (auto& w : words) w = mounts.rewrite(expand_references(w, vars));
  if (words[0] == "pgrevise") words[0] = env.pgrevise_binary;
  ProcessSpec ps;
  ps.argv = words;
  for (auto& [k, v] : vars) ps.env_set[k] = mounts.rewrite(v);
  for (const auto& [k, v] : env.extra_env) ps.env_set[k] = v;
  // The Pod sees only what it declares; the host's database settings must not leak in.
  ps.env_unset = {"DATABASE_URL",       "PGHOST",     "PGPORT",
                  "PGDATABASE",         "PGUSER",     "PGPASSWORD",
                  "PGSERVICE",          "PGPASSFILE", "PGREVISE_MIGRATIONS_DIR",
                  "PGREVISE_BACKUP_DIR"};
  if (auto wd = container.value("workingDir", ""); !wd.empty()) ps.working_dir = mounts.rewrite(wd);
  if (pod.deadline) {
    auto left = *pod.deadline - std::chrono::duration_cast<std::chrono::milliseconds>(now - pod.started);
    ps.timeout = std::max(left, std::chrono::milliseconds(1));
  }
  return ps;
}

struct Attempt {
  ProcessResult result;
  std::string termination_message;
  Json container;  // the one that ran last: the main container, or the init container that failed
};

// Records how an attempt ended in `outcome`; true when that ends the Job, false when it is retried.
bool conclude(const Json& job_spec, const Attempt& last, JobOutcome& outcome) {
  outcome.container = last.container.value("name", "");
  outcome.exit_code = last.result.exit_code;
  outcome.logs = redact(last.result.out + last.result.err);
  outcome.termination_message = last.termination_message;
  if (outcome.termination_message.empty() && !last.result.ok() &&
      last.container.value("terminationMessagePolicy", "") == "FallbackToLogsOnError") {
    outcome.termination_message = tail(outcome.logs, 2048);
  }
  if (last.result.ok()) {
    outcome.succeeded = true;
    outcome.reason = "Completed";
    return true;
  }
  if (last.result.timed_out) {
    outcome.reason = "DeadlineExceeded";
    outcome.message = "Job was active longer than specified deadline";
    return true;
  }
  if (fails_job_at_once(job_spec, outcome.container, last.result.exit_code)) {
    outcome.reason = "PodFailurePolicy";
    outcome.message = "Container exited with code " + std::to_string(last.result.exit_code) +
                      ", which the pod failure policy marks as a failure of the whole Job";
    return true;
  }
  return false;
}

}  // namespace

bool is_native_sidecar(const Json& container) {
  return container.value("restartPolicy", "") == "Always";
}

const Json& main_container(const Json& pod_spec, const Json& labelled) {
  auto containers = pod_spec.find("containers");
  if (containers == pod_spec.end() || !containers->is_array() || containers->empty())
    throw_bad_input("the Pod template has no container");
  if (const auto kind = specs::job_kind_of(labelled)) {
    for (const auto& c : *containers)
      if (c.value("name", "") == specs::main_container_name(*kind)) return c;
  }
  return containers->front();
}

JobExecutor::JobExecutor(JobEnvironment env, ProcessRunner& runner, const Clock& clock)
    : env_(std::move(env)), runner_(runner), clock_(clock) {}

JobOutcome JobExecutor::run(const Json& job) {
  const std::string name = job["metadata"].value("name", "job");
  const Json spec = job.value("spec", Json::object());
  const Json pod = spec.value("template", Json::object()).value("spec", Json::object());
  const int backoff_limit = spec.value("backoffLimit", 6);
  PodContext context{.ns = job["metadata"].value("namespace", "default"), .started = clock_.steady_now()};
  if (spec.contains("activeDeadlineSeconds"))
    context.deadline = std::chrono::seconds(spec["activeDeadlineSeconds"].get<long>());
  JobOutcome outcome;
  for (int attempt = 0; attempt <= backoff_limit; ++attempt) {
    ++outcome.attempts;
    const auto dir = env_.work_dir / (name + "-" + std::to_string(attempt));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    context.name = name + "-" + std::to_string(attempt);
    Attempt last;
    try {
      context.volumes = materialize_volumes(pod, context.ns, env_, dir, clock_.now());
      const std::vector<Json> containers = containers_in_order(job, pod);
      for (size_t i = 0; i < containers.size(); ++i) {
        last.container = containers[i];
        const auto log_file = dir / ("termination-log-" + std::to_string(i));
        last.result =
            runner_.run(container_process(containers[i], context, env_, log_file, clock_.steady_now()));
        last.termination_message = tail(read_file(log_file), 4096);
        if (last.result.timed_out || !last.result.ok()) break;
      }
    } catch (const Error& e) {
      outcome.container = last.container.is_object() ? last.container.value("name", "") : "";
      outcome.reason = "CreateContainerConfigError";
      outcome.message = redact(e.what());
      outcome.exit_code = -1;
      return outcome;  // the kubelet keeps such a Pod waiting; nothing would ever run
    }
    if (conclude(spec, last, outcome)) return outcome;
  }
  outcome.reason = "BackoffLimitExceeded";
  outcome.message = "Job has reached the specified backoff limit";
  return outcome;
}

}  // namespace pgrevise::local
