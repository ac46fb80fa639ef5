#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgrevise::testing {

using Json = nlohmann::json;

struct FakeResource {
  std::string group;  // "" for core
  std::string version;
  std::string resource;  // plural
  std::string kind;
  bool namespaced = true;
  bool status_subresource = false;
  bool custom = false;  // a CustomResourceDefinition's type: stricter updates, no SMP
  std::string default_propagation = "Background";  // batch/v1 Jobs orphan by default, as the real API does
  Json schema;  // structural openAPIV3Schema of a custom resource: unknown fields are pruned (null: none)
  std::string id() const { return group + "/" + resource; }
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

// An answer: HTTP status and JSON body (the object, a list, or a Status).
struct ApiResult {
  int status = 200;
  Json body;
  int retry_after_seconds = 0;
};

struct HistoryEvent {
  std::uint64_t rv;
  std::string resource_id;
  std::string ns;
  std::string type;  // ADDED, MODIFIED, DELETED
  Json object;
  Json previous;  // the object before a MODIFIED, for label-selector transitions
};

Json make_status(int code, const std::string& reason, const std::string& message, Json details = nullptr);

// The object store behind the fake API server: the real server's semantics for resourceVersion, uid,
// generation, optimistic concurrency, the status subresource, patches, finalizers, garbage collection and
// watch history. Thread-safe; every public method takes the lock.
class FakeApiState {
 public:
  explicit FakeApiState(std::size_t history_limit = 100000);

  void register_resource(const FakeResource& resource);
  std::optional<FakeResource> find(const std::string& group, const std::string& version,
                                   const std::string& resource) const;
  std::vector<FakeResource> resources() const;

  ApiResult get(const FakeResource& r, const std::string& ns, const std::string& name);
  ApiResult list(const FakeResource& r, const std::string& ns, const std::string& label_selector,
                 const std::string& field_selector, int limit, const std::string& continue_token);
  // strict_fields: the request asked fieldValidation=Strict, so unknown fields are refused (400), not pruned.
  ApiResult create(const FakeResource& r, const std::string& ns, Json object, bool strict_fields = false);
  ApiResult update(const FakeResource& r, const std::string& ns, const std::string& name, Json object,
                   bool status_endpoint, bool strict_fields = false);
  ApiResult patch(const FakeResource& r, const std::string& ns, const std::string& name,
                  const std::string& content_type, const std::string& body, bool status_endpoint,
                  bool strict_fields = false);
  ApiResult remove(const FakeResource& r, const std::string& ns, const std::string& name,
                   const Json& options);

  // Watch support.
  std::uint64_t current_rv() const;
  std::uint64_t oldest_watchable_rv() const;  // watching from an rv below this answers an ERROR 410
  // Events after `rv` for the resource (and namespace, "" for all).
  std::vector<HistoryEvent> events_after(std::uint64_t rv, const std::string& resource_id,
                                         const std::string& ns) const;
  std::vector<Json> snapshot(const std::string& resource_id, const std::string& ns) const;
  // Waits until the resourceVersion moves past `rv`, `until` passes, or wake_all() is called.
  void wait_for_change(std::uint64_t rv, std::chrono::steady_clock::time_point until);
  void wake_all();
  // Forgets all history up to now: a watch or continue token from any earlier resourceVersion gets 410.
  void expire_history();

  // Direct access for tests (no faults, no auth).
  std::optional<Json> object(const std::string& resource_id, const std::string& ns,
                             const std::string& name) const;

 private:
  using Key = std::string;  // resource_id|ns|name
  static Key key_of(const std::string& resource_id, const std::string& ns, const std::string& name);

  ApiResult write_locked(const FakeResource& r, const std::string& ns, const std::string& name, Json incoming,
                         bool status_endpoint, bool require_rv, bool strict_fields);
  ApiResult store_update_locked(const FakeResource& r, const Json& old, Json updated);
  void record_locked(const std::string& type, const FakeResource& r, const Json& object,
                     const Json& previous);
  Json stamp_locked(Json object);
  ApiResult delete_locked(const FakeResource& r, const std::string& ns, const std::string& name,
                          const std::string& propagation, const std::string& precondition_rv);
  void finalize_removal_locked(const FakeResource& r, const Json& object);
  void collect_garbage_locked();
  std::optional<FakeResource> find_by_id_locked(const std::string& id) const;
  ApiResult validate_job_locked(const Json* old, const Json& updated);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::size_t history_limit_;
  std::map<std::string, FakeResource> resources_;  // by id
  std::map<Key, Json> objects_;                    // ordered by key, as etcd lists them
  std::deque<HistoryEvent> history_;
  std::uint64_t rv_ = 1000;
  std::uint64_t compacted_rv_ = 1000;
  std::uint64_t uid_counter_ = 0;
  std::uint64_t wake_generation_ = 0;
  struct Snapshot {
    std::uint64_t rv;
    std::vector<Json> remaining;
  };
  std::map<std::string, Snapshot> continues_;
  std::uint64_t continue_counter_ = 0;
};

}  // namespace pgrevise::testing
