#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "kube/errors.h"
#include "kube/rate_limiter.h"
#include "kube/resource.h"
#include "kube/transport.h"

namespace pgrevise::kube {

using Json = nlohmann::json;

struct RestClientOptions {
  double qps = 20;  // client-side rate limit; <= 0 disables it
  int burst = 30;
  std::chrono::milliseconds request_timeout{30000};
  std::string user_agent = "pgrevise";
  // Sent as fieldValidation on writes: "Strict" makes the server refuse unknown fields (400) instead of
  // dropping them silently; "" leaves the server's default.
  std::string field_validation;
  // Called after every answered request with the verb (get, list, watch, create, update, patch, delete) and
  // HTTP status (0 when there was no answer), for metrics.
  std::function<void(const std::string& verb, int code)> on_request;
  // A request answered 429 (or 503) with a Retry-After is sent again after waiting that long, up to this
  // many times, as the server asked: it did not process the request, so any verb may be repeated. 0: the
  // ApiError (with its retry_after) goes to the caller at once.
  int retry_after_attempts = 0;
  std::chrono::seconds max_retry_after{30};  // a longer Retry-After is waited for only this long
  // Asked before every write (create, update, patch, delete) is sent, and again before each resend: false
  // refuses it with NotLeaderError, nothing sent. A leader-elected process writes only while it leads.
  std::function<bool()> may_write;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int limit = 0;  // 0: no limit
  std::string continue_token;
  std::string resource_version;  // "" : most recent
  // Only the objects' metadata (the API server's PartialObjectMetadata): for a cache that needs to know which
  // objects exist and when they change, a few hundred bytes per object instead of the whole object.
  bool metadata_only = false;
};

struct ListPage {
  std::vector<Json> items;
  std::string resource_version;  // the list's own metadata.resourceVersion (the point to watch from)
  std::string continue_token;    // "" on the last page
};

enum class PropagationPolicy { kDefault, kBackground, kForeground, kOrphan };

struct DeleteOptions {
  PropagationPolicy propagation = PropagationPolicy::kDefault;
  std::string precondition_resource_version;  // "" : none
};

enum class PatchType { kMerge, kJson, kStrategicMerge };

struct WatchOptions {
  std::string resource_version;  // where to start; "" means "now" (no initial events are guaranteed)
  bool allow_bookmarks = true;
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 300;   // the server closes the stream after this long
  bool metadata_only = false;  // as in ListOptions
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type;
  Json object;  // for kError, the Status object
};
const char* to_string(WatchEvent::Type type);

// REST on JSON objects for any resource type; safe to share between threads. Every call throws ApiError on a
// non-2xx answer. Namespace "" means all namespaces for list/watch, and is required to be "" for
// cluster-scoped types.
class RestClient {
 public:
  RestClient(std::shared_ptr<HttpTransport> transport, RestClientOptions options, Clock& clock);

  Json get(const ResourceType& type, const std::string& ns, const std::string& name);
  std::optional<Json> try_get(const ResourceType& type, const std::string& ns, const std::string& name);
  ListPage list(const ResourceType& type, const std::string& ns, const ListOptions& options = {});
  // Follows continue tokens until the last page; the resourceVersion is the first page's (that of the
  // snapshot).
  ListPage list_all(const ResourceType& type, const std::string& ns, ListOptions options = {});
  // The same pages, handed to `on_page` one at a time (each freed before the next is read), so that a list of
  // thousands of objects is never held parsed all at once; returns the first page's resourceVersion.
  std::string for_each_page(const ResourceType& type, const std::string& ns, ListOptions options,
                            const std::function<void(ListPage& page)>& on_page);
  Json create(const ResourceType& type, const std::string& ns, const Json& object);
  // Replaces the object; it must carry metadata.name and metadata.resourceVersion (Conflict when stale).
  Json update(const ResourceType& type, const std::string& ns, const Json& object);
  Json patch(const ResourceType& type, const std::string& ns, const std::string& name, PatchType patch_type,
             const Json& patch);
  // Server-side apply: `object` (JSON) becomes the fields `field_manager` owns, creating the object if it is
  // missing. `force` takes over fields that other managers own (as kubectl apply --server-side
  // --force-conflicts does); without it such a conflict is an ApiError of reason kConflict.
  Json apply(const ResourceType& type, const std::string& ns, const Json& object,
             const std::string& field_manager, bool force);
  // Returns the answer: the object (when finalizers or foreground deletion keep it) or a Status.
  Json remove(const ResourceType& type, const std::string& ns, const std::string& name,
              const DeleteOptions& options = {});

  Json get_status(const ResourceType& type, const std::string& ns, const std::string& name);
  Json update_status(const ResourceType& type, const std::string& ns, const Json& object);
  Json patch_status(const ResourceType& type, const std::string& ns, const std::string& name,
                    PatchType patch_type, const Json& patch);

  // Streams watch events to on_event until the server ends the stream, on_event returns false, or cancel
  // fires. An ERROR event is delivered to on_event like any other (the caller decides: 410 means relist).
  // Throws ApiError when the watch request itself is refused.
  void watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
             const std::function<bool(const WatchEvent&)>& on_event, Cancellation& cancel);

  const std::shared_ptr<HttpTransport>& transport() const { return transport_; }

 private:
  Json call(const std::string& verb, HttpRequest request, const std::string& what);
  // How long to wait before sending again a request the server answered with `response`, when it asked
  // for that and attempts remain; nullopt: do not send it again.
  std::optional<std::chrono::milliseconds> wait_before_retry(const HttpResponse& response, int attempt) const;
  std::string write_query() const;

  std::shared_ptr<HttpTransport> transport_;
  RestClientOptions options_;
  Clock& clock_;
  TokenBucket limiter_;
};

// "namespace/name", or "name" for a cluster-scoped object: the key used by stores and work queues.
std::string object_key(const Json& object);
std::string object_key(const std::string& ns, const std::string& name);

}  // namespace pgrevise::kube
