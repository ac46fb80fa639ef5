#include "local/job_executor.h"

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/redact.h"
#include "local/pod_files.h"

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

// podFailurePolicy: does a FailJob rule match this exit code?
bool fails_job_at_once(const Json& job_spec, int exit_code) {
  auto policy = job_spec.find("podFailurePolicy");
  if (policy == job_spec.end()) return false;
  for (const auto& rule : policy->value("rules", Json::array())) {
    if (rule.value("action", "") != "FailJob" || !rule.contains("onExitCodes")) continue;
    const auto& on = rule["onExitCodes"];
    bool listed = false;
    for (const auto& v : on.value("values", Json::array()))
      listed |= v.is_number_integer() && v.get<int>() == exit_code;
    if ((on.value("operator", "In") == "In") == listed) return true;
  }
  return false;
}

struct Attempt {
  ProcessResult result;
  std::string termination_message;
};

}  // namespace

JobExecutor::JobExecutor(JobEnvironment env, ProcessRunner& runner) : env_(std::move(env)), runner_(runner) {}

JobOutcome JobExecutor::run(const Json& job) {
  const std::string ns = job["metadata"].value("namespace", "default");
  const std::string name = job["metadata"].value("name", "job");
  const Json spec = job.value("spec", Json::object());
  const Json pod = spec.value("template", Json::object()).value("spec", Json::object());
  const int backoff_limit = spec.value("backoffLimit", 6);
  std::optional<std::chrono::milliseconds> deadline;
  if (spec.contains("activeDeadlineSeconds"))
    deadline = std::chrono::seconds(spec["activeDeadlineSeconds"].get<long>());
  JobOutcome outcome;
  const auto started = std::chrono::steady_clock::now();

  for (int attempt = 0; attempt <= backoff_limit; ++attempt) {
    ++outcome.attempts;
    const auto dir = env_.work_dir / (name + "-" + std::to_string(attempt));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string pod_name = name + "-" + std::to_string(attempt);
    Attempt last;
    try {
      const auto volumes = materialize_volumes(pod, ns, env_, dir);
      std::vector<Json> containers;
      for (const auto& c : pod.value("initContainers", Json::array())) containers.push_back(c);
      if (!pod.contains("containers") || pod["containers"].empty())
        throw_bad_input("the Pod template has no container");
      containers.push_back(pod["containers"][0]);
      for (size_t i = 0; i < containers.size(); ++i) {
        const auto& c = containers[i];
        const auto log_file = dir / ("termination-log-" + std::to_string(i));
        const auto mounts = mounts_for(c, volumes, log_file);
        auto vars = container_env(c, ns, pod_name, env_);
        ProcessSpec ps;
        std::vector<std::string> words;
        for (const auto& w : c.value("command", Json::array())) words.push_back(w.get<std::string>());
        if (words.empty()) words.push_back("pgrevise");  // the image's ENTRYPOINT
        for (const auto& w : c.value("args", Json::array())) words.push_back(w.get<std::string>());
        for (auto& w : words) w = mounts.rewrite(expand_references(w, vars));
        if (words[0] == "pgrevise") words[0] = env_.pgrevise_binary;
        ps.argv = words;
        for (auto& [k, v] : vars) ps.env_set[k] = mounts.rewrite(v);
        for (const auto& [k, v] : env_.extra_env) ps.env_set[k] = v;
        // The Pod sees only what it declares; the host's database settings must not leak in.
        ps.env_unset = {"DATABASE_URL",       "PGHOST",     "PGPORT",
                        "PGDATABASE",         "PGUSER",     "PGPASSWORD",
                        "PGSERVICE",          "PGPASSFILE", "PGREVISE_MIGRATIONS_DIR",
                        "PGREVISE_BACKUP_DIR"};
        if (auto wd = c.value("workingDir", ""); !wd.empty()) ps.working_dir = mounts.rewrite(wd);
        if (deadline) {
          auto left = *deadline - std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - started);
          ps.timeout = std::max(left, std::chrono::milliseconds(1));
        }
        last.result = runner_.run(ps);
        last.termination_message = tail(read_file(log_file), 4096);
        if (last.result.timed_out || !last.result.ok()) break;
      }
    } catch (const Error& e) {
      outcome.reason = "CreateContainerConfigError";
      outcome.message = redact(e.what());
      outcome.exit_code = -1;
      return outcome;  // the kubelet keeps such a Pod waiting; nothing would ever run
    }
    outcome.exit_code = last.result.exit_code;
    outcome.logs = redact(last.result.out + last.result.err);
    outcome.termination_message = last.termination_message;
    if (outcome.termination_message.empty() && !last.result.ok() &&
        pod["containers"][0].value("terminationMessagePolicy", "") == "FallbackToLogsOnError") {
      outcome.termination_message = tail(outcome.logs, 2048);
    }
    if (last.result.ok()) {
      outcome.succeeded = true;
      outcome.reason = "Completed";
      return outcome;
    }
    if (last.result.timed_out) {
      outcome.reason = "DeadlineExceeded";
      outcome.message = "Job was active longer than specified deadline";
      return outcome;
    }
    if (fails_job_at_once(spec, last.result.exit_code)) {
      outcome.reason = "PodFailurePolicy";
      outcome.message = "Container exited with code " + std::to_string(last.result.exit_code) +
                        ", which the pod failure policy marks as a failure of the whole Job";
      return outcome;
    }
  }
  outcome.reason = "BackoffLimitExceeded";
  outcome.message = "Job has reached the specified backoff limit";
  return outcome;
}

}  // namespace pgrevise::local
