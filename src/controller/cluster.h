#pragma once

// The cluster as the reconciler sees it: every read and write of Kubernetes state goes through this
// interface, so the same reconciler runs against the API server (`pgrevise operator`), an in-process object
// store
// (`pgrevise apply`) and the in-memory fake of the unit tests.
//
// Objects are plain JSON exactly as the Kubernetes API serialises them (apiVersion, kind, metadata, spec,
// status, data ...). Implementations must be safe to call from several reconciles at once (for different
// resources). Errors:
//  - "not found" on a read is not an error: the getters return std::nullopt;
//  - update_status on a stale resourceVersion throws ConflictError; on a deleted resource, NotFoundError;
//  - anything else (API unavailable, throttled, forbidden, ...) throws pgrevise::Error (kube::ApiError is
//  one)
//    or any std::exception: the reconciler requeues with backoff and tries again from scratch. An Error of
//    kind kTransient is logged as such; other kinds are logged as failures but still retried.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace pgrevise::controller {

using Json = nlohmann::json;

// The resource changed since it was read (HTTP 409 on the status write): re-read and recompute.
class ConflictError : public Error {
 public:
  explicit ConflictError(std::string message) : Error(ErrorKind::kTransient, std::move(message)) {}
};

// The object is gone (HTTP 404 on a write).
class NotFoundError : public Error {
 public:
  explicit NotFoundError(std::string message) : Error(ErrorKind::kBadInput, std::move(message)) {}
};

enum class EventType { kNormal, kWarning };
inline const char* to_string(EventType type) {
  return type == EventType::kNormal ? "Normal" : "Warning";
}

class Cluster {
 public:
  virtual ~Cluster() = default;

  // The PostgresMigration `ns/name` (pgrevise.dev/v1alpha1) with metadata (uid, generation — bumped when the
  // spec changes —, resourceVersion, annotations, labels), spec and status; nullopt when it does not exist.
  // An implementation without uids (an object store for local files) may leave uid empty: the resource then
  // owns every Job carrying its label.
  virtual std::optional<Json> get_resource(const std::string& ns, const std::string& name) = 0;

  // Every Job in `ns` labelled specs::kResourceLabel=`resource_label` (batch/v1 objects with their status),
  // in any order. `resource_label` is the label value the Job builders give the resource's name
  // (specs::label_value: the name itself unless it is longer than a label value may be). The reconciler keeps
  // only the Jobs whose ownerReferences name the resource's uid, so an implementation may filter by label
  // only.
  virtual std::vector<Json> list_owned_jobs(const std::string& ns, const std::string& resource_label) = 0;

  // Creates the Job (`job` carries metadata.name and metadata.namespace == ns). When a Job of that name
  // already exists (AlreadyExists), returns the existing Job instead of failing: Job names are deterministic,
  // so that is the Job an earlier reconcile created. Returns the Job as stored.
  virtual Json create_job(const std::string& ns, const Json& job) = 0;

  // The termination message of the Job's Pod (the JSON report of common/job_report.h), read from the Pods
  // labelled job-name=`job_name`: the message of the main container's terminated state (found by name, see
  // main_container_status() in controller/job_view.h), taking the most recently created Pod that has one.
  // nullopt when no Pod has terminated with a message yet.
  virtual std::optional<std::string> get_job_pod_report(const std::string& ns,
                                                        const std::string& job_name) = 0;

  // The Pods labelled job-name=`job_name`, and the Events (core/v1) whose involvedObject is the Job
  // `job_name`, as the API returns them: what stuck_job() (controller/stuck_job.h) reads to tell a Pod that
  // cannot start. Asked only while a Job of the run has no ready Pod; events only while it has no Pod.
  virtual std::vector<Json> list_job_pods(const std::string& ns, const std::string& job_name) = 0;
  virtual std::vector<Json> list_job_events(const std::string& ns, const std::string& job_name) = 0;

  // Deletes the Job and, in the background, its Pods (a Job whose Pod cannot start). A Job already gone is
  // not an error.
  virtual void delete_job(const std::string& ns, const std::string& name) = 0;

  // The Secret (its `data` values are base64, as the API returns them); nullopt when it does not exist.
  // Secrets are only ever read with `get` (the operator's RBAC grants nothing else on them).
  virtual std::optional<Json> get_secret(const std::string& ns, const std::string& name) = 0;

  // The ConfigMap (`data`, and `binaryData` in base64); nullopt when it does not exist.
  virtual std::optional<Json> get_config_map(const std::string& ns, const std::string& name) = 0;

  // Creates the ConfigMap, or replaces the data, labels and ownerReferences of the existing one of the same
  // name (used to publish a dry run's SQL). Returns the ConfigMap as stored.
  virtual Json apply_config_map(const std::string& ns, const Json& config_map) = 0;

  // Writes `resource`'s status through the status subresource. `resource` is an object returned by
  // get_resource with its status replaced; its metadata.resourceVersion must be the one read. Throws
  // ConflictError when the resource changed since (409), NotFoundError when it was deleted. Returns the
  // resource as stored (with its new resourceVersion).
  virtual Json update_status(const Json& resource) = 0;

  // Records an Event about `regarding` (an object with apiVersion, kind and metadata name, namespace, uid).
  // `reason` is a CamelCase constant (BackupStarted, Migrated, ...); `message` is for people and never holds
  // a secret. Best effort: implementations log failures rather than throw.
  virtual void record_event(const Json& regarding, EventType type, const std::string& reason,
                            const std::string& message) = 0;
};

}  // namespace pgrevise::controller
