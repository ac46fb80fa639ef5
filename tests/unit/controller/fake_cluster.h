#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/cluster.h"
#include "controller/database_probe.h"

namespace pgrevise::testing {

using controller::Json;

// An in-memory Cluster with the API's semantics that the reconciler relies on: resourceVersion bumped on
// every write, generation bumped when the spec changes, optimistic concurrency on the status write
// (ConflictError), create_job answering AlreadyExists with the stored Job. Tests drive Jobs to completion
// themselves (finish_job), the way a kubelet would. Thread-safe.
class FakeCluster final : public controller::Cluster {
 public:
  struct RecordedEvent {
    std::string object;  // namespace/name
    controller::EventType type;
    std::string reason;
    std::string message;
  };

  // ---- Cluster ----
  std::optional<Json> get_resource(const std::string& ns, const std::string& name) override;
  std::vector<Json> list_owned_jobs(const std::string& ns, const std::string& resource_label) override;
  Json create_job(const std::string& ns, const Json& job) override;
  std::optional<std::string> get_job_pod_report(const std::string& ns, const std::string& job_name) override;
  std::vector<Json> list_job_pods(const std::string& ns, const std::string& job_name) override;
  std::vector<Json> list_job_events(const std::string& ns, const std::string& job_name) override;
  std::optional<Json> get_secret(const std::string& ns, const std::string& name) override;
  std::optional<Json> get_config_map(const std::string& ns, const std::string& name) override;
  Json apply_config_map(const std::string& ns, const Json& config_map) override;
  Json update_status(const Json& resource) override;
  void record_event(const Json& regarding, controller::EventType type, const std::string& reason,
                    const std::string& message) override;

  // ---- test controls ----
  // Creates or replaces the resource's metadata (labels, annotations) and spec, keeping its status; assigns a
  // uid on creation; bumps generation when the spec changes and resourceVersion always.
  Json apply_resource(const Json& resource);
  void delete_resource(const std::string& ns, const std::string& name);
  void put_secret(const std::string& ns, const std::string& name,
                  const std::map<std::string, std::string>& data);
  void put_config_map(const std::string& ns, const std::string& name,
                      const std::map<std::string, std::string>& data);
  void delete_config_map(const std::string& ns, const std::string& name);
  // Stores the Secret or ConfigMap exactly as given (namespace set to `ns`), for objects the helpers above
  // cannot build: values that are not base64, binaryData, fields of the wrong type.
  void put_raw_secret(const std::string& ns, Json secret);
  void put_raw_config_map(const std::string& ns, Json config_map);
  // Marks the Job running (startTime), succeeded or failed, with the Pod's termination message.
  void start_job(const std::string& ns, const std::string& name);
  void finish_job(const std::string& ns, const std::string& name, bool succeeded, const std::string& report,
                  const std::string& failure_reason = "BackoffLimitExceeded");
  // Sets the Job's FailureTarget condition alone, as the Job controller does while it stops the Pods of a
  // Job it has decided fails (Failed follows once they are gone); the Pods have no report yet.
  void mark_failure_target(const std::string& ns, const std::string& name, const std::string& reason);
  void delete_job(const std::string& ns, const std::string& name) override;
  // The Pods and Events list_job_pods and list_job_events answer with for the Job, as the kubelet, the
  // scheduler and the Job controller would leave them.
  void put_job_pods(const std::string& ns, const std::string& job_name, std::vector<Json> pods);
  void put_job_events(const std::string& ns, const std::string& job_name, std::vector<Json> events);
  int job_pod_lists() const;  // calls of list_job_pods
  // The next `n` status writes fail with ConflictError, as if someone else had written the resource meanwhile
  // (its resourceVersion is bumped each time).
  void inject_conflicts(int n);
  // While set, list_owned_jobs answers with no Job, like a watch cache that has not caught up yet.
  void set_list_lagging(bool lagging);

  std::vector<Json> jobs(const std::string& ns) const;
  std::optional<Json> job(const std::string& ns, const std::string& name) const;
  std::vector<RecordedEvent> events() const;
  std::vector<std::string> event_reasons() const;
  void clear_events();
  int status_writes() const;
  int job_creations() const;                 // Jobs actually created (not AlreadyExists answers)
  std::string now = "2026-11-30T08:00:00Z";  // timestamps this fake writes

 private:
  std::string next_version();

  mutable std::mutex mu_;
  std::map<std::string, Json> resources_, jobs_, secrets_, config_maps_;
  std::map<std::string, std::string> reports_;                      // job key -> termination message
  std::map<std::string, std::vector<Json>> job_pods_, job_events_;  // by job key
  int job_pod_lists_ = 0;
  std::vector<RecordedEvent> events_;
  int version_ = 1000;
  int uid_ = 0;
  int conflicts_ = 0;
  bool list_lagging_ = false;
  int status_writes_ = 0;
  int job_creations_ = 0;
};

// A DatabaseProbe answering from fields the test sets.
class FakeProbe final : public controller::DatabaseProbe {
 public:
  std::vector<std::string> read_heads(const controller::DatabaseTarget& target) override;
  std::optional<controller::MigrationProgress> read_progress(
      const controller::DatabaseTarget& target) override;
  // The facts set_relation_facts gave, for the relations asked about that it names.
  lint::RelationFactsMap read_relation_facts(const controller::DatabaseTarget& target,
                                             const std::vector<std::string>& relations) override;

  void set_heads(std::vector<std::string> heads);
  std::vector<std::string> heads() const;
  void set_unreachable(bool unreachable);
  // While set, read_heads and read_progress throw Error(kind, message); nullopt clears it.
  void set_error(std::optional<Error> error);
  void set_progress(std::optional<controller::MigrationProgress> progress);
  void set_relation_facts(lint::RelationFactsMap facts);
  // What read_server_version answers (nullopt by default: a probe that cannot tell).
  std::optional<int> read_server_version(const controller::DatabaseTarget& target) override;
  void set_server_version(std::optional<int> major);
  std::optional<controller::DatabaseTarget> last_target() const;
  int reads() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> heads_;
  bool unreachable_ = false;
  std::optional<Error> error_;
  std::optional<controller::MigrationProgress> progress_;
  lint::RelationFactsMap relation_facts_;
  std::optional<int> server_version_;
  std::optional<controller::DatabaseTarget> last_target_;
  int reads_ = 0;
};

}  // namespace pgrevise::testing
