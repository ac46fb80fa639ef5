#include "unit/controller/fake_cluster.h"

#include "common/base64.h"
#include "common/error.h"
#include "specs/jobs.h"

namespace pgrevise::testing {
namespace {

std::string key(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

std::string name_of(const Json& object) {
  return object.at("metadata").at("name").get<std::string>();
}

}  // namespace

std::string FakeCluster::next_version() {
  return std::to_string(++version_);
}

std::optional<Json> FakeCluster::get_resource(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = resources_.find(key(ns, name));
  if (it == resources_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakeCluster::list_owned_jobs(const std::string& ns, const std::string& resource_label) {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  if (list_lagging_) return out;
  for (const auto& [k, job] : jobs_) {
    if (job["metadata"].value("namespace", "") != ns) continue;
    const auto labels = job["metadata"].value("labels", Json::object());
    if (labels.value(std::string(specs::kResourceLabel), "") == resource_label) out.push_back(job);
  }
  return out;
}

Json FakeCluster::create_job(const std::string& ns, const Json& job) {
  std::lock_guard lock(mu_);
  const std::string k = key(ns, name_of(job));
  if (auto it = jobs_.find(k); it != jobs_.end()) return it->second;
  if (job["spec"]["template"]["spec"].value("restartPolicy", "") != "Never" &&
      job["spec"]["template"]["spec"].value("restartPolicy", "") != "OnFailure") {
    throw Error(ErrorKind::kBadInput, "Job.batch \"" + name_of(job) + "\" is invalid: restartPolicy");
  }
  Json stored = job;
  stored["metadata"]["namespace"] = ns;
  stored["metadata"]["uid"] = "job-uid-" + std::to_string(++uid_);
  stored["metadata"]["resourceVersion"] = next_version();
  stored["metadata"]["creationTimestamp"] = now;
  stored["status"] = Json::object();
  jobs_[k] = stored;
  ++job_creations_;
  return stored;
}

std::optional<std::string> FakeCluster::get_job_pod_report(const std::string& ns,
                                                           const std::string& job_name) {
  std::lock_guard lock(mu_);
  auto it = reports_.find(key(ns, job_name));
  if (it == reports_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakeCluster::list_job_pods(const std::string& ns, const std::string& job_name) {
  std::lock_guard lock(mu_);
  ++job_pod_lists_;
  auto it = job_pods_.find(key(ns, job_name));
  return it == job_pods_.end() ? std::vector<Json>{} : it->second;
}

std::vector<Json> FakeCluster::list_job_events(const std::string& ns, const std::string& job_name) {
  std::lock_guard lock(mu_);
  auto it = job_events_.find(key(ns, job_name));
  return it == job_events_.end() ? std::vector<Json>{} : it->second;
}

void FakeCluster::put_job_pods(const std::string& ns, const std::string& job_name, std::vector<Json> pods) {
  std::lock_guard lock(mu_);
  job_pods_[key(ns, job_name)] = std::move(pods);
}

void FakeCluster::put_job_events(const std::string& ns, const std::string& job_name,
                                 std::vector<Json> events) {
  std::lock_guard lock(mu_);
  job_events_[key(ns, job_name)] = std::move(events);
}

int FakeCluster::job_pod_lists() const {
  std::lock_guard lock(mu_);
  return job_pod_lists_;
}

std::optional<Json> FakeCluster::get_secret(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = secrets_.find(key(ns, name));
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::optional<Json> FakeCluster::get_config_map(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = config_maps_.find(key(ns, name));
  if (it == config_maps_.end()) return std::nullopt;
  return it->second;
}

Json FakeCluster::apply_config_map(const std::string& ns, const Json& config_map) {
  std::lock_guard lock(mu_);
  Json stored = config_map;
  stored["metadata"]["namespace"] = ns;
  stored["metadata"]["resourceVersion"] = next_version();
  config_maps_[key(ns, name_of(config_map))] = stored;
  return stored;
}

Json FakeCluster::update_status(const Json& resource) {
  std::lock_guard lock(mu_);
  const std::string k = key(resource["metadata"].value("namespace", ""), name_of(resource));
  auto it = resources_.find(k);
  if (it == resources_.end()) throw controller::NotFoundError("postgresmigrations \"" + k + "\" not found");
  if (conflicts_ > 0) {
    --conflicts_;
    it->second["metadata"]["resourceVersion"] = next_version();
    throw controller::ConflictError(
        "the object has been modified; please apply your changes to the latest version");
  }
  if (resource["metadata"].value("resourceVersion", "") !=
      it->second["metadata"].value("resourceVersion", "")) {
    throw controller::ConflictError(
        "the object has been modified; please apply your changes to the latest version");
  }
  it->second["status"] = resource.value("status", Json::object());
  it->second["metadata"]["resourceVersion"] = next_version();
  ++status_writes_;
  return it->second;
}

void FakeCluster::record_event(const Json& regarding, controller::EventType type, const std::string& reason,
                               const std::string& message) {
  std::lock_guard lock(mu_);
  events_.push_back(
      {key(regarding["metadata"].value("namespace", ""), name_of(regarding)), type, reason, message});
}

Json FakeCluster::apply_resource(const Json& resource) {
  std::lock_guard lock(mu_);
  const std::string k = key(resource["metadata"].value("namespace", ""), name_of(resource));
  auto it = resources_.find(k);
  Json stored = resource;
  stored.erase("status");
  if (it == resources_.end()) {
    stored["metadata"]["uid"] = "uid-" + std::to_string(++uid_);
    stored["metadata"]["generation"] = 1;
    stored["metadata"]["creationTimestamp"] = now;
  } else {
    stored["metadata"]["uid"] = it->second["metadata"]["uid"];
    const auto generation = it->second["metadata"]["generation"].get<std::int64_t>();
    stored["metadata"]["generation"] = it->second["spec"] == resource["spec"] ? generation : generation + 1;
    stored["metadata"]["creationTimestamp"] = it->second["metadata"]["creationTimestamp"];
    if (it->second.contains("status")) stored["status"] = it->second["status"];
  }
  stored["metadata"]["resourceVersion"] = next_version();
  resources_[k] = stored;
  return stored;
}

void FakeCluster::delete_resource(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  resources_.erase(key(ns, name));
}

void FakeCluster::put_secret(const std::string& ns, const std::string& name,
                             const std::map<std::string, std::string>& data) {
  std::lock_guard lock(mu_);
  Json secret = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  secret["data"] = Json::object();
  for (const auto& [k, v] : data) secret["data"][k] = base64_encode(v);
  secrets_[key(ns, name)] = secret;
}

void FakeCluster::put_config_map(const std::string& ns, const std::string& name,
                                 const std::map<std::string, std::string>& data) {
  std::lock_guard lock(mu_);
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  cm["data"] = Json::object();
  for (const auto& [k, v] : data) cm["data"][k] = v;
  config_maps_[key(ns, name)] = cm;
}

void FakeCluster::put_raw_secret(const std::string& ns, Json secret) {
  std::lock_guard lock(mu_);
  secret["metadata"]["namespace"] = ns;
  const std::string k = key(ns, name_of(secret));
  secrets_[k] = std::move(secret);
}

void FakeCluster::put_raw_config_map(const std::string& ns, Json config_map) {
  std::lock_guard lock(mu_);
  config_map["metadata"]["namespace"] = ns;
  const std::string k = key(ns, name_of(config_map));
  config_maps_[k] = std::move(config_map);
}

void FakeCluster::delete_config_map(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  config_maps_.erase(key(ns, name));
}

void FakeCluster::start_job(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  Json& job = jobs_.at(key(ns, name));
  job["status"]["startTime"] = now;
  job["status"]["active"] = 1;
  job["metadata"]["resourceVersion"] = next_version();
}

void FakeCluster::finish_job(const std::string& ns, const std::string& name, bool succeeded,
                             const std::string& report, const std::string& failure_reason) {
  std::lock_guard lock(mu_);
  Json& job = jobs_.at(key(ns, name));
  if (!job["status"].contains("startTime")) job["status"]["startTime"] = now;
  job["status"].erase("active");
  Json condition = {
      {"type", succeeded ? "Complete" : "Failed"}, {"status", "True"}, {"lastTransitionTime", now}};
  if (!succeeded) {
    condition["reason"] = failure_reason;
    condition["message"] = "Job has reached the specified backoff limit";
    job["status"]["failed"] = 1;
  } else {
    job["status"]["succeeded"] = 1;
    job["status"]["completionTime"] = now;
  }
  job["status"]["conditions"] = Json::array({condition});
  job["metadata"]["resourceVersion"] = next_version();
  if (!report.empty()) reports_[key(ns, name)] = report;
}

void FakeCluster::mark_failure_target(const std::string& ns, const std::string& name,
                                      const std::string& reason) {
  std::lock_guard lock(mu_);
  Json& job = jobs_.at(key(ns, name));
  if (!job["status"].contains("startTime")) job["status"]["startTime"] = now;
  job["status"]["conditions"] = Json::array({Json{{"type", "FailureTarget"},
                                                  {"status", "True"},
                                                  {"reason", reason},
                                                  {"message", "Job is being stopped"},
                                                  {"lastTransitionTime", now}}});
  job["metadata"]["resourceVersion"] = next_version();
}

void FakeCluster::delete_job(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  jobs_.erase(key(ns, name));
  reports_.erase(key(ns, name));
  job_pods_.erase(key(ns, name));
  job_events_.erase(key(ns, name));
}

void FakeCluster::inject_conflicts(int n) {
  std::lock_guard lock(mu_);
  conflicts_ = n;
}

void FakeCluster::set_list_lagging(bool lagging) {
  std::lock_guard lock(mu_);
  list_lagging_ = lagging;
}

std::vector<Json> FakeCluster::jobs(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [k, job] : jobs_) {
    if (job["metadata"].value("namespace", "") == ns) out.push_back(job);
  }
  return out;
}

std::optional<Json> FakeCluster::job(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(key(ns, name));
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<FakeCluster::RecordedEvent> FakeCluster::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<std::string> FakeCluster::event_reasons() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : events_) out.push_back(e.reason);
  return out;
}

void FakeCluster::clear_events() {
  std::lock_guard lock(mu_);
  events_.clear();
}

int FakeCluster::status_writes() const {
  std::lock_guard lock(mu_);
  return status_writes_;
}

int FakeCluster::job_creations() const {
  std::lock_guard lock(mu_);
  return job_creations_;
}

std::vector<std::string> FakeProbe::read_heads(const controller::DatabaseTarget& target) {
  std::lock_guard lock(mu_);
  ++reads_;
  last_target_ = target;
  if (unreachable_) throw Error(ErrorKind::kConnection, "could not connect to db:5432: connection refused");
  if (error_) throw *error_;
  return heads_;
}

std::optional<controller::MigrationProgress> FakeProbe::read_progress(
    const controller::DatabaseTarget& target) {
  std::lock_guard lock(mu_);
  last_target_ = target;
  if (unreachable_) throw Error(ErrorKind::kConnection, "could not connect to db:5432: connection refused");
  if (error_) throw *error_;
  return progress_;
}

lint::RelationFactsMap FakeProbe::read_relation_facts(const controller::DatabaseTarget& target,
                                                      const std::vector<std::string>& relations) {
  std::lock_guard lock(mu_);
  last_target_ = target;
  if (unreachable_) throw Error(ErrorKind::kConnection, "could not connect to db:5432: connection refused");
  lint::RelationFactsMap out;
  for (const auto& relation : relations) {
    auto it = relation_facts_.find(relation);
    if (it != relation_facts_.end()) out.emplace(relation, it->second);
  }
  return out;
}

std::optional<int> FakeProbe::read_server_version(const controller::DatabaseTarget& target) {
  std::lock_guard lock(mu_);
  last_target_ = target;
  if (unreachable_) throw Error(ErrorKind::kConnection, "could not connect to db:5432: connection refused");
  return server_version_;
}

void FakeProbe::set_server_version(std::optional<int> major) {
  std::lock_guard lock(mu_);
  server_version_ = major;
}

void FakeProbe::set_relation_facts(lint::RelationFactsMap facts) {
  std::lock_guard lock(mu_);
  relation_facts_ = std::move(facts);
}

void FakeProbe::set_heads(std::vector<std::string> heads) {
  std::lock_guard lock(mu_);
  heads_ = std::move(heads);
}

std::vector<std::string> FakeProbe::heads() const {
  std::lock_guard lock(mu_);
  return heads_;
}

void FakeProbe::set_unreachable(bool unreachable) {
  std::lock_guard lock(mu_);
  unreachable_ = unreachable;
}

void FakeProbe::set_error(std::optional<Error> error) {
  std::lock_guard lock(mu_);
  error_ = std::move(error);
}

void FakeProbe::set_progress(std::optional<controller::MigrationProgress> progress) {
  std::lock_guard lock(mu_);
  progress_ = std::move(progress);
}

std::optional<controller::DatabaseTarget> FakeProbe::last_target() const {
  std::lock_guard lock(mu_);
  return last_target_;
}

int FakeProbe::reads() const {
  std::lock_guard lock(mu_);
  return reads_;
}

}  // namespace pgrevise::testing
