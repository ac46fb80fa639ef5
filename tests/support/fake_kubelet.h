#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process.h"
#include "kube/rest_client.h"
#include "kube/store.h"
#include "kube/watcher.h"

namespace pgrevise::testing {

struct FakeKubeletOptions {
  std::string server_url;                        // the fake API server
  std::string token;                             // bearer token, "" when the server needs none
  std::string pgrevise_binary = "pgrevise";      // what the `pgrevise` image's entrypoint runs
  std::filesystem::path work_dir;                // Pod folders and PersistentVolumeClaim folders go below it
  std::map<std::string, std::string> extra_env;  // set in every container, over the Pod's own variables
  // Extra variables for the containers of one Job, over extra_env (e.g. a PATH whose pg_dump fails, to
  // stand for a node where backups break).
  std::function<std::map<std::string, std::string>(const nlohmann::json& job)> env_for_job;
  // Called when each container process of a Job ends, with its stdout and stderr as the process wrote them
  // (what `kubectl logs` would show; the Pod status keeps only a redacted tail). May run on several threads.
  std::function<void(const nlohmann::json& job, const ProcessSpec& spec, const ProcessResult& result)>
      on_container_exit;
  // Changes each Pod before it is created, as a mutating admission webhook would (a service mesh or a
  // database proxy injecting its sidecar). Containers added this way are reported but not run.
  std::function<void(nlohmann::json& pod)> mutate_pod;
};

// Stands in for the Job controller and the kubelet of a cluster: watches batch/v1 Jobs on the API server and
// runs each new one (once per uid) on its own thread with local::JobExecutor, as local processes. It writes
// what a cluster would: the Job's status (startTime and active when it starts; succeeded or failed counts,
// completionTime and a Complete or Failed condition when it ends) and one Pod per Job, labelled job-name and
// controller-uid, owned by the Job, whose main container's status carries the exit code, reason and
// termination message. Container statuses are sorted by name, as the kubelet sorts them; when the Pod has
// native sidecars, a status with the main container ended and the sidecars still running comes first, and
// the Job ends only after the Pod. Secrets and ConfigMaps for the Pod are read from the API server.
class FakeKubelet {
 public:
  explicit FakeKubelet(FakeKubeletOptions options);
  ~FakeKubelet();
  FakeKubelet(const FakeKubelet&) = delete;
  FakeKubelet& operator=(const FakeKubelet&) = delete;

  void start();  // returns once the Job cache has synced
  void stop();   // stops watching and waits for running Jobs to finish

  // While paused, new Jobs (those `which` selects; all when it is empty) are started (status active, Pod
  // Running) but their containers wait until resume(): lets a test act while a Job is known to be running.
  void pause(std::function<bool(const nlohmann::json& job)> which = {});
  void resume();

  // Names ("namespace/name") of the Jobs started so far, in order; a name recreated with a new uid counts
  // again.
  std::vector<std::string> started_jobs() const;
  std::size_t running_jobs() const;
  // Waits until no Job runs (or the timeout passes); true when idle.
  bool wait_idle(std::chrono::milliseconds timeout) const;

 private:
  void consider(const nlohmann::json& job);
  void run_job(nlohmann::json job);
  nlohmann::json mark_started(const nlohmann::json& job);
  void wait_while_paused(const nlohmann::json& job);

  FakeKubeletOptions options_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::Store> store_;
  std::unique_ptr<kube::Watcher> watcher_;
  SystemProcessRunner runner_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::set<std::string> seen_uids_;
  std::vector<std::string> started_;
  std::size_t running_ = 0;
  bool paused_ = false;
  std::function<bool(const nlohmann::json& job)> paused_which_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> pod_counter_{0};
};

}  // namespace pgrevise::testing
