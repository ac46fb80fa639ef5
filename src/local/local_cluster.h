#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/process.h"
#include "controller/cluster.h"
#include "local/job_executor.h"

namespace pgrevise::local {

// Where a LocalCluster keeps what a cluster would keep on volumes and nodes.
struct LocalClusterOptions {
  std::string pgrevise_binary = "pgrevise";  // stands for the `pgrevise` image's entrypoint
  // <data_dir>/claims/<claimName>: each PersistentVolumeClaim (backups live here and outlive runs);
  // <data_dir>/pods/<ns>: Pods' volumes and termination logs; <data_dir>/logs/<ns>/<job>.log: container
  // output (redacted).
  std::filesystem::path data_dir = ".pgrevise";
  std::map<std::string, std::string> extra_env;  // set in every container, over the Pod's own
};

// A Job the local cluster ran, as `pgrevise apply` reports it.
struct FinishedJob {
  Json job;  // with its final status
  JobOutcome outcome;
  std::chrono::milliseconds elapsed{0};
  std::filesystem::path log_file;
};

// An in-process Kubernetes for `pgrevise apply`: an object store with the API semantics the reconciler relies
// on (resourceVersion bumped on every write, generation bumped when the spec changes, optimistic concurrency
// on the status subresource, AlreadyExists answered with the stored Job) plus a kubelet and Job controller:
// every Job created runs on its own thread through JobExecutor, then its status (Complete / Failed condition,
// succeeded / failed counts) and a Pod carrying the termination message are stored. Thread-safe.
class LocalCluster final : public controller::Cluster {
 public:
  LocalCluster(LocalClusterOptions options, ProcessRunner& runner, Clock& clock);
  ~LocalCluster() override;  // waits for running Jobs
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // ---- controller::Cluster ----
  std::optional<Json> get_resource(const std::string& ns, const std::string& name) override;
  std::vector<Json> list_owned_jobs(const std::string& ns, const std::string& resource_name) override;
  Json create_job(const std::string& ns, const Json& job) override;
  std::optional<std::string> get_job_pod_report(const std::string& ns, const std::string& job_name) override;
  // Jobs run here as local processes, which never wait for an image, a node or a quota: no Pod of theirs is
  // ever stuck, so these answer with nothing and delete nothing.
  std::vector<Json> list_job_pods(const std::string&, const std::string&) override { return {}; }
  std::vector<Json> list_job_events(const std::string&, const std::string&) override { return {}; }
  void delete_job(const std::string&, const std::string&) override {}
  std::optional<Json> get_secret(const std::string& ns, const std::string& name) override;
  std::optional<Json> get_config_map(const std::string& ns, const std::string& name) override;
  Json apply_config_map(const std::string& ns, const Json& config_map) override;
  Json update_status(const Json& resource) override;
  void record_event(const Json& regarding, controller::EventType type, const std::string& reason,
                    const std::string& message) override;

  // ---- loading, as `kubectl apply` would ----
  // Stores a PostgresMigration, Secret or ConfigMap (namespace `default_ns` when it names none): creates it,
  // or replaces its metadata and content keeping a PostgresMigration's status, uid and creation time. A
  // Secret's stringData is folded into base64 data like the API server does. Other kinds are Error(kBadInput)
  // naming the document. Returns the object as stored.
  Json apply_object(const Json& object, const std::string& default_ns = "default");

  // ---- observing ----
  // Called on the Job's thread when a Job starts and when it has finished (after its status is stored).
  void on_job_started(std::function<void(const Json& job)> callback);
  void on_job_finished(std::function<void(const FinishedJob&)> callback);
  void on_event(std::function<void(const Json& event)> callback);

  std::uint64_t finished_jobs() const;  // counts Jobs finished so far
  std::size_t running_jobs() const;
  // Blocks until more than `seen` Jobs have finished, wake() is called, or `timeout` passes. Returns whether
  // a Job finished.
  bool wait_for_job(std::uint64_t seen, std::chrono::milliseconds timeout);
  void wake();
  void wait_idle();  // until no Job runs

  std::vector<Json> jobs(const std::string& ns) const;
  std::vector<Json> resources() const;  // every PostgresMigration
  std::vector<Json> events() const;

 private:
  std::string next_version();
  std::string now() const;
  void run_job(Json job);
  void store_job_start(const std::string& key);
  void store_job_finish(const std::string& key, const JobOutcome& outcome, const std::string& started);

  LocalClusterOptions options_;
  ProcessRunner& runner_;
  Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Json> resources_, jobs_, secrets_, config_maps_, pods_;
  std::vector<Json> events_;
  std::int64_t version_ = 0;
  int uid_ = 0;
  std::uint64_t finished_ = 0;
  std::size_t running_ = 0;
  bool woken_ = false;
  std::vector<std::thread> threads_;
  std::function<void(const Json&)> job_started_;
  std::function<void(const FinishedJob&)> job_finished_;
  std::function<void(const Json&)> event_callback_;
};

}  // namespace pgrevise::local
