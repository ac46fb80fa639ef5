#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>

#include "common/clock.h"
#include "controller/cluster.h"

namespace pgrevise::controller {

// A Cluster that answers get_secret with a Secret it read less than `ttl` ago, and passes everything else
// through to `inner`. The reconciles that follow each other during a run (the target changed, the Job
// created, the Job finished) then read the resource's Secret once instead of each time, which keeps them
// clear of the client-side rate limit. A Secret that was not found is not kept: one created meanwhile is
// seen at once. A changed Secret is seen within `ttl`. At most `max_entries` Secrets are kept. Thread-safe.
class SecretCachingCluster final : public Cluster {
 public:
  SecretCachingCluster(Cluster& inner, const Clock& clock, std::chrono::milliseconds ttl,
                       std::size_t max_entries = 256);

  std::optional<Json> get_secret(const std::string& ns, const std::string& name) override;

  std::optional<Json> get_resource(const std::string& ns, const std::string& name) override {
    return inner_.get_resource(ns, name);
  }
  std::vector<Json> list_owned_jobs(const std::string& ns, const std::string& resource_label) override {
    return inner_.list_owned_jobs(ns, resource_label);
  }
  Json create_job(const std::string& ns, const Json& job) override { return inner_.create_job(ns, job); }
  std::optional<std::string> get_job_pod_report(const std::string& ns, const std::string& job_name) override {
    return inner_.get_job_pod_report(ns, job_name);
  }
  std::vector<Json> list_job_pods(const std::string& ns, const std::string& job_name) override {
    return inner_.list_job_pods(ns, job_name);
  }
  std::vector<Json> list_job_events(const std::string& ns, const std::string& job_name) override {
    return inner_.list_job_events(ns, job_name);
  }
  void delete_job(const std::string& ns, const std::string& name) override { inner_.delete_job(ns, name); }
  std::optional<Json> get_config_map(const std::string& ns, const std::string& name) override {
    return inner_.get_config_map(ns, name);
  }
  Json apply_config_map(const std::string& ns, const Json& config_map) override {
    return inner_.apply_config_map(ns, config_map);
  }
  Json update_status(const Json& resource) override { return inner_.update_status(resource); }
  void record_event(const Json& regarding, EventType type, const std::string& reason,
                    const std::string& message) override {
    inner_.record_event(regarding, type, reason, message);
  }

 private:
  struct Kept {
    Json secret;
    std::chrono::steady_clock::time_point read_at;
  };
  void keep(const std::string& key, const Json& secret, std::chrono::steady_clock::time_point now);

  Cluster& inner_;
  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  std::mutex mu_;
  std::map<std::string, Kept> kept_;  // by namespace/name
};

}  // namespace pgrevise::controller
