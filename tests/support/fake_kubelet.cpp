#include "support/fake_kubelet.h"

#include "common/clock.h"
#include "common/error.h"
#include "kube/cpprest_transport.h"
#include "kube/errors.h"
#include "local/job_executor.h"
#include "local/job_status.h"

namespace pgrevise::testing {

using Json = nlohmann::json;

namespace {

std::string now() {
  return format_rfc3339(std::chrono::system_clock::now());
}

bool has_finished(const Json& job) {
  for (const auto& c : job.value("status", Json::object()).value("conditions", Json::array())) {
    const std::string type = c.value("type", "");
    if ((type == "Complete" || type == "Failed") && c.value("status", "") == "True") return true;
  }
  return false;
}

// Runs a Job's container processes and hands each one's result to the kubelet's observer.
class ObservedRunner final : public ProcessRunner {
 public:
  ObservedRunner(ProcessRunner& inner, const Json& job, const FakeKubeletOptions& options)
      : inner_(inner), job_(job), options_(options) {}
  ProcessResult run(const ProcessSpec& spec) override {
    ProcessResult result = inner_.run(spec);
    if (options_.on_container_exit) options_.on_container_exit(job_, spec, result);
    return result;
  }

 private:
  ProcessRunner& inner_;
  const Json& job_;
  const FakeKubeletOptions& options_;
};

}  // namespace

FakeKubelet::FakeKubelet(FakeKubeletOptions options) : options_(std::move(options)) {}

FakeKubelet::~FakeKubelet() {
  stop();
}

void FakeKubelet::start() {
  kube::ClusterConfig config;
  config.server = options_.server_url;
  if (!options_.token.empty()) config.token = std::make_shared<kube::StaticTokenSource>(options_.token);
  kube::RestClientOptions client_options;
  client_options.qps = 0;
  client_options.request_timeout = std::chrono::seconds(20);
  client_options.user_agent = "fake-kubelet";
  client_ = std::make_unique<kube::RestClient>(std::make_shared<kube::CppRestTransport>(config),
                                               client_options, SystemClock::instance());
  kube::StoreHandler handler;
  handler.on_added = [this](const std::string&, const Json& job) { consider(job); };
  handler.on_updated = [this](const std::string&, const Json&, const Json& job) { consider(job); };
  store_ = std::make_unique<kube::Store>(handler);
  kube::WatcherOptions watch_options;
  watch_options.backoff_initial = std::chrono::milliseconds(100);
  watch_options.backoff_max = std::chrono::milliseconds(1000);
  watcher_ = std::make_unique<kube::Watcher>(*client_, kube::resources::jobs(), "", *store_,
                                             SystemClock::instance(), watch_options);
  watcher_->start();
  if (!watcher_->wait_for_sync(std::chrono::seconds(30)))
    throw Error(ErrorKind::kIo, "fake kubelet: the Job cache did not sync with " + options_.server_url);
}

void FakeKubelet::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    paused_ = false;
  }
  cv_.notify_all();
  if (watcher_) watcher_->stop();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void FakeKubelet::pause(std::function<bool(const Json& job)> which) {
  std::lock_guard lock(mu_);
  paused_ = true;
  paused_which_ = std::move(which);
}

void FakeKubelet::resume() {
  {
    std::lock_guard lock(mu_);
    paused_ = false;
  }
  cv_.notify_all();
}

std::vector<std::string> FakeKubelet::started_jobs() const {
  std::lock_guard lock(mu_);
  return started_;
}

std::size_t FakeKubelet::running_jobs() const {
  std::lock_guard lock(mu_);
  return running_;
}

bool FakeKubelet::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return running_ == 0; });
}

// Starts a Job the first time its uid is seen, unless it is suspended or already ran (a status written by
// an earlier kubelet).
void FakeKubelet::consider(const Json& job) {
  const Json& meta = job.value("metadata", Json::object());
  const std::string uid = meta.value("uid", "");
  if (uid.empty() || meta.contains("deletionTimestamp")) return;
  if (job.value("spec", Json::object()).value("suspend", false)) return;
  const Json status = job.value("status", Json::object());
  if (has_finished(job) || status.contains("startTime")) return;
  std::lock_guard lock(mu_);
  if (stopping_ || !seen_uids_.insert(uid).second) return;
  started_.push_back(kube::object_key(job));
  ++running_;
  threads_.emplace_back([this, job] { run_job(job); });
}

Json FakeKubelet::mark_started(const Json& job) {
  const std::string ns = job["metadata"].value("namespace", "default");
  const std::string started = now();
  client_->patch_status(kube::resources::jobs(), ns, job["metadata"].value("name", ""),
                        kube::PatchType::kMerge,
                        {{"status", {{"startTime", started}, {"active", 1}, {"ready", 1}}}});
  const std::string pod_name =
      job["metadata"].value("name", "") + "-" + std::to_string(10000 + ++pod_counter_);
  Json pod = local::pod_for_job(job, pod_name);
  if (options_.mutate_pod) options_.mutate_pod(pod);
  pod = client_->create(kube::resources::pods(), ns, pod);
  pod["status"] = local::running_pod_status(pod, started);
  return client_->update_status(kube::resources::pods(), ns, pod);
}

void FakeKubelet::wait_while_paused(const Json& job) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !paused_ || stopping_ || (paused_which_ && !paused_which_(job)); });
}

void FakeKubelet::run_job(Json job) {
  const std::string ns = job["metadata"].value("namespace", "default");
  const std::string name = job["metadata"].value("name", "");
  try {
    Json pod = mark_started(job);
    const std::string started = pod["status"].value("startTime", now());
    wait_while_paused(job);
    bool abandon = false;
    {
      std::lock_guard lock(mu_);
      abandon = stopping_;
    }
    if (!abandon) {
      local::JobEnvironment env;
      env.pgrevise_binary = options_.pgrevise_binary;
      env.work_dir = options_.work_dir / "pods" / ns;
      env.default_claims_dir = options_.work_dir / "claims" / ns;
      env.extra_env = options_.extra_env;
      if (options_.env_for_job)
        for (const auto& [k, v] : options_.env_for_job(job)) env.extra_env[k] = v;
      env.get_secret = [this](const std::string& n, const std::string& s) {
        return client_->try_get(kube::resources::secrets(), n, s);
      };
      env.get_config_map = [this](const std::string& n, const std::string& c) {
        return client_->try_get(kube::resources::config_maps(), n, c);
      };
      ObservedRunner runner(runner_, job, options_);
      local::JobExecutor executor(env, runner, SystemClock::instance());
      const local::JobOutcome outcome = executor.run(job);
      const std::string finished = now();
      if (local::has_native_sidecars(pod)) {
        pod["status"] = local::stopping_sidecars_pod_status(pod, outcome, started, finished);
        pod = client_->update_status(kube::resources::pods(), ns, pod);
      }
      pod["status"] = local::finished_pod_status(pod, outcome, started, finished);
      pod = client_->update_status(kube::resources::pods(), ns, pod);
      // A Pod that cannot be configured waits forever, and its Job stays active, as in a cluster.
      if (outcome.reason != "CreateContainerConfigError") {
        client_->patch_status(kube::resources::jobs(), ns, name, kube::PatchType::kMerge,
                              {{"status", local::finished_job_status(outcome, now())}});
      }
    }
  } catch (const std::exception& e) {
    // The Job may have been deleted while it ran; nothing else is expected to fail here.
    if (!kube::is_not_found(e))
      std::fprintf(stderr, "fake kubelet: Job %s/%s: %s\n", ns.c_str(), name.c_str(), e.what());
  }
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_all();
}

}  // namespace pgrevise::testing
