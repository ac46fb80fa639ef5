#include "local/local_cluster.h"

#include <fstream>

#include "common/base64.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "controller/job_view.h"
#include "local/job_status.h"
#include "specs/jobs.h"

namespace pgrevise::local {
namespace {

std::string key(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

std::string name_of(const Json& object) {
  return object.at("metadata").at("name").get<std::string>();
}

std::string namespace_of(const Json& object) {
  return object.value("metadata", Json::object()).value("namespace", "");
}

// The Pod the Job controller would create from the Job's template, running.
Json pod_for(const Json& job, const std::string& pod_name, const std::string& started) {
  Json pod = pod_for_job(job, pod_name);
  pod["metadata"]["creationTimestamp"] = started;
  pod["status"] = running_pod_status(pod, started);
  return pod;
}

// A Secret as the API server stores it: stringData folded into base64 data, every value a string.
Json normalise_secret(Json secret, const std::string& where) {
  if (!secret.contains("data") || secret["data"].is_null()) secret["data"] = Json::object();
  if (!secret["data"].is_object()) throw_bad_input(where + ": data must be a map of strings");
  if (auto string_data = secret.find("stringData"); string_data != secret.end()) {
    if (!string_data->is_object()) throw_bad_input(where + ": stringData must be a map of strings");
    for (const auto& [k, v] : string_data->items()) {
      if (!v.is_string()) throw_bad_input(where + ": stringData." + k + " must be a string");
      secret["data"][k] = base64_encode(v.get<std::string>());
    }
    secret.erase("stringData");
  }
  for (const auto& [k, v] : secret["data"].items()) {
    if (!v.is_string()) throw_bad_input(where + ": data." + k + " must be a base64 string");
    base64_decode(v.get<std::string>(), where + ": data." + k);  // refuses what is not base64
  }
  return secret;
}

}  // namespace

LocalCluster::LocalCluster(LocalClusterOptions options, ProcessRunner& runner, Clock& clock)
    : options_(std::move(options)), runner_(runner), clock_(clock) {}

LocalCluster::~LocalCluster() {
  wait_idle();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

std::string LocalCluster::next_version() {
  return std::to_string(++version_);
}

std::string LocalCluster::now() const {
  return format_rfc3339(clock_.now());
}

std::optional<Json> LocalCluster::get_resource(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = resources_.find(key(ns, name));
  if (it == resources_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> LocalCluster::list_owned_jobs(const std::string& ns, const std::string& resource_name) {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [k, job] : jobs_) {
    if (namespace_of(job) != ns) continue;
    const auto labels = job["metadata"].value("labels", Json::object());
    if (labels.value(std::string(specs::kResourceLabel), "") == resource_name) out.push_back(job);
  }
  return out;
}

Json LocalCluster::create_job(const std::string& ns, const Json& job) {
  Json stored;
  {
    std::lock_guard lock(mu_);
    const std::string k = key(ns, name_of(job));
    if (auto it = jobs_.find(k); it != jobs_.end()) return it->second;
    const std::string restart = job["spec"]["template"]["spec"].value("restartPolicy", "");
    if (restart != "Never" && restart != "OnFailure") {
      throw Error(ErrorKind::kBadInput, "Job.batch \"" + name_of(job) +
                                            "\" is invalid: spec.template.spec.restartPolicy must be "
                                            "Never or OnFailure");
    }
    stored = job;
    stored["metadata"]["namespace"] = ns;
    stored["metadata"]["uid"] = "local-job-" + std::to_string(++uid_);
    stored["metadata"]["resourceVersion"] = next_version();
    stored["metadata"]["creationTimestamp"] = now();
    stored["status"] = Json::object();
    jobs_[k] = stored;
    ++running_;
    threads_.emplace_back([this, stored] { run_job(stored); });
  }
  return stored;
}

std::optional<std::string> LocalCluster::get_job_pod_report(const std::string& ns,
                                                            const std::string& job_name) {
  std::lock_guard lock(mu_);
  std::optional<std::string> latest;
  long long latest_version = -1;
  for (const auto& [k, pod] : pods_) {
    if (namespace_of(pod) != ns) continue;
    if (pod["metadata"]["labels"].value("job-name", "") != job_name) continue;
    const Json* main = controller::main_container_status(pod);
    if (main == nullptr) continue;
    const auto terminated = main->value("state", Json::object()).value("terminated", Json::object());
    if (!terminated.contains("message")) continue;
    const long long version = std::stoll(pod["metadata"].value("resourceVersion", "0"));
    if (version > latest_version) {
      latest_version = version;
      latest = terminated["message"].get<std::string>();
    }
  }
  return latest;
}

std::optional<Json> LocalCluster::get_secret(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = secrets_.find(key(ns, name));
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::optional<Json> LocalCluster::get_config_map(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = config_maps_.find(key(ns, name));
  if (it == config_maps_.end()) return std::nullopt;
  return it->second;
}

Json LocalCluster::apply_config_map(const std::string& ns, const Json& config_map) {
  std::lock_guard lock(mu_);
  const std::string k = key(ns, name_of(config_map));
  Json stored = config_map;
  if (auto it = config_maps_.find(k); it != config_maps_.end()) {
    stored = it->second;
    for (const char* field : {"data", "binaryData"}) {
      if (config_map.contains(field))
        stored[field] = config_map[field];
      else
        stored.erase(field);
    }
    for (const char* field : {"labels", "ownerReferences"}) {
      if (config_map["metadata"].contains(field)) stored["metadata"][field] = config_map["metadata"][field];
    }
  } else {
    stored["metadata"]["uid"] = "local-cm-" + std::to_string(++uid_);
    stored["metadata"]["creationTimestamp"] = now();
  }
  stored["metadata"]["namespace"] = ns;
  stored["metadata"]["resourceVersion"] = next_version();
  config_maps_[k] = stored;
  return stored;
}

Json LocalCluster::update_status(const Json& resource) {
  std::lock_guard lock(mu_);
  const std::string k = key(namespace_of(resource), name_of(resource));
  auto it = resources_.find(k);
  if (it == resources_.end()) throw controller::NotFoundError("postgresmigrations \"" + k + "\" not found");
  if (resource["metadata"].value("resourceVersion", "") !=
      it->second["metadata"].value("resourceVersion", "")) {
    throw controller::ConflictError("Operation cannot be fulfilled on postgresmigrations \"" + k +
                                    "\": the object has been modified; please apply your changes to the "
                                    "latest version and try again");
  }
  // The status subresource: only status changes, whatever else the caller sent.
  const Json status = resource.value("status", Json::object());
  if (it->second.value("status", Json::object()) == status) return it->second;  // no-op write
  it->second["status"] = status;
  it->second["metadata"]["resourceVersion"] = next_version();
  return it->second;
}

void LocalCluster::record_event(const Json& regarding, controller::EventType type, const std::string& reason,
                                const std::string& message) {
  Json event;
  std::function<void(const Json&)> callback;
  {
    std::lock_guard lock(mu_);
    const Json meta = regarding.value("metadata", Json::object());
    const std::string ns = meta.value("namespace", "default");
    event = {
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata",
         {{"name", meta.value("name", "") + "." + std::to_string(events_.size() + 1)}, {"namespace", ns}}},
        {"involvedObject",
         {{"apiVersion", regarding.value("apiVersion", "")},
          {"kind", regarding.value("kind", "")},
          {"name", meta.value("name", "")},
          {"namespace", ns},
          {"uid", meta.value("uid", "")}}},
        {"type", controller::to_string(type)},
        {"reason", reason},
        {"message", redact(message)},
        {"firstTimestamp", now()},
        {"source", {{"component", "pgrevise-apply"}}}};
    events_.push_back(event);
    callback = event_callback_;
  }
  if (callback) callback(event);
}

Json LocalCluster::apply_object(const Json& object, const std::string& default_ns) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object() ||
      !object["metadata"].contains("name") || !object["metadata"]["name"].is_string()) {
    throw_bad_input("every document needs metadata.name");
  }
  const std::string kind = object.value("kind", "");
  Json stored = object;
  std::string ns = namespace_of(object);
  if (ns.empty()) ns = default_ns;
  stored["metadata"]["namespace"] = ns;
  const std::string k = key(ns, name_of(object));
  const std::string where = kind + " " + k;
  std::lock_guard lock(mu_);
  std::map<std::string, Json>* store = nullptr;
  if (kind == "Secret") {
    stored = normalise_secret(std::move(stored), where);
    store = &secrets_;
  } else if (kind == "ConfigMap") {
    store = &config_maps_;
  } else if (kind == "PostgresMigration") {
    store = &resources_;
    stored.erase("status");
    stored["metadata"]["generation"] = 1;
  } else {
    throw_bad_input(where + ": pgrevise apply reads PostgresMigration, Secret and ConfigMap objects only");
  }
  auto it = store->find(k);
  if (it == store->end()) {
    stored["metadata"]["uid"] = "local-" + std::to_string(++uid_);
    stored["metadata"]["creationTimestamp"] = now();
  } else {
    const Json& old = it->second;
    stored["metadata"]["uid"] = old["metadata"]["uid"];
    stored["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"];
    stored["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"];
    if (kind == "PostgresMigration") {
      // generation counts changes of the spec only; the status is kept (it is a subresource).
      const auto generation = old["metadata"].value("generation", std::int64_t{1});
      stored["metadata"]["generation"] =
          old.value("spec", Json()) == object.value("spec", Json()) ? generation : generation + 1;
      if (old.contains("status")) stored["status"] = old["status"];
    }
    if (stored == old) return old;  // nothing changed: no new resourceVersion, like the API server
  }
  stored["metadata"]["resourceVersion"] = next_version();
  (*store)[k] = stored;
  return stored;
}

void LocalCluster::on_job_started(std::function<void(const Json& job)> callback) {
  std::lock_guard lock(mu_);
  job_started_ = std::move(callback);
}

void LocalCluster::on_job_finished(std::function<void(const FinishedJob&)> callback) {
  std::lock_guard lock(mu_);
  job_finished_ = std::move(callback);
}

void LocalCluster::on_event(std::function<void(const Json& event)> callback) {
  std::lock_guard lock(mu_);
  event_callback_ = std::move(callback);
}

std::uint64_t LocalCluster::finished_jobs() const {
  std::lock_guard lock(mu_);
  return finished_;
}

std::size_t LocalCluster::running_jobs() const {
  std::lock_guard lock(mu_);
  return running_;
}

bool LocalCluster::wait_for_job(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return finished_ > seen || woken_; });
  woken_ = false;
  return finished_ > seen;
}

void LocalCluster::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void LocalCluster::wait_idle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return running_ == 0; });
}

std::vector<Json> LocalCluster::jobs(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [k, job] : jobs_)
    if (namespace_of(job) == ns) out.push_back(job);
  return out;
}

std::vector<Json> LocalCluster::resources() const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [k, resource] : resources_) out.push_back(resource);
  return out;
}

std::vector<Json> LocalCluster::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

void LocalCluster::store_job_start(const std::string& job_key) {
  Json& job = jobs_.at(job_key);
  const std::string started = now();
  job["status"]["startTime"] = started;
  job["status"]["active"] = 1;
  job["status"]["ready"] = 1;
  job["metadata"]["resourceVersion"] = next_version();
  Json pod = pod_for(job, name_of(job) + "-" + std::to_string(++uid_), started);
  pod["metadata"]["uid"] = "local-pod-" + std::to_string(uid_);
  pod["metadata"]["resourceVersion"] = next_version();
  pods_[key(namespace_of(job), name_of(pod))] = pod;
}

void LocalCluster::store_job_finish(const std::string& job_key, const JobOutcome& outcome,
                                    const std::string& started) {
  Json& job = jobs_.at(job_key);
  const std::string finished = now();
  job["status"].merge_patch(finished_job_status(outcome, finished));
  job["metadata"]["resourceVersion"] = next_version();
  for (auto& [k, pod] : pods_) {
    if (namespace_of(pod) != namespace_of(job) ||
        pod["metadata"]["labels"].value("job-name", "") != name_of(job) ||
        pod["status"].value("phase", "") != "Running") {
      continue;
    }
    pod["status"] = finished_pod_status(pod, outcome, started, finished);
    pod["metadata"]["resourceVersion"] = next_version();
  }
}

void LocalCluster::run_job(Json job) {
  const std::string ns = namespace_of(job);
  const std::string name = name_of(job);
  const std::string job_key = key(ns, name);
  std::function<void(const Json&)> started_callback;
  std::string started;
  {
    std::lock_guard lock(mu_);
    store_job_start(job_key);
    job = jobs_.at(job_key);
    started = job["status"]["startTime"].get<std::string>();
    started_callback = job_started_;
  }
  if (started_callback) started_callback(job);

  JobEnvironment env;
  env.pgrevise_binary = options_.pgrevise_binary;
  env.work_dir = options_.data_dir / "pods" / ns;
  env.default_claims_dir = options_.data_dir / "claims";
  env.extra_env = options_.extra_env;
  env.get_secret = [this](const std::string& n, const std::string& s) { return get_secret(n, s); };
  env.get_config_map = [this](const std::string& n, const std::string& c) { return get_config_map(n, c); };

  FinishedJob finished;
  finished.log_file = options_.data_dir / "logs" / ns / (name + ".log");
  const auto began = clock_.steady_now();
  try {
    JobExecutor executor(env, runner_, clock_);
    finished.outcome = executor.run(job);
  } catch (const std::exception& e) {
    finished.outcome.reason = "Error";
    finished.outcome.message = redact(e.what());
    finished.outcome.attempts = std::max(finished.outcome.attempts, 1);
  }
  finished.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - began);
  try {
    std::filesystem::create_directories(finished.log_file.parent_path());
    std::ofstream(finished.log_file, std::ios::binary | std::ios::trunc) << redact(finished.outcome.logs);
  } catch (const std::exception& e) {
    log::warn("cannot write the Job's log", {{"job", job_key}, {"error", e.what()}});
  }

  std::function<void(const FinishedJob&)> finished_callback;
  {
    std::lock_guard lock(mu_);
    store_job_finish(job_key, finished.outcome, started);
    finished.job = jobs_.at(job_key);
    finished_callback = job_finished_;
  }
  if (finished_callback) finished_callback(finished);
  {
    std::lock_guard lock(mu_);
    ++finished_;
    --running_;
  }
  cv_.notify_all();
}

}  // namespace pgrevise::local
