#include "kube/rest_client.h"

#include <algorithm>

#include "common/enum_names.h"
#include "common/object_ref.h"
#include "common/redact.h"

namespace pgrevise::kube {
namespace {

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + name + "=" + url_encode(value);
  }
  return out;
}

// The Content-Type that names each kind of patch.
constexpr auto kPatchContentTypes = enum_names<PatchType>({
    {PatchType::kMerge, "application/merge-patch+json"},
    {PatchType::kJson, "application/json-patch+json"},
    {PatchType::kStrategicMerge, "application/strategic-merge-patch+json"},
});

// The `type` of a watch event, as the API server writes it.
constexpr auto kWatchEventTypeNames = enum_names<WatchEvent::Type>({
    {WatchEvent::Type::kAdded, "ADDED"},
    {WatchEvent::Type::kModified, "MODIFIED"},
    {WatchEvent::Type::kDeleted, "DELETED"},
    {WatchEvent::Type::kBookmark, "BOOKMARK"},
    {WatchEvent::Type::kError, "ERROR"},
});

// The propagationPolicy of a DeleteOptions; none for the server's default.
constexpr auto kPropagationPolicyNames = enum_names<PropagationPolicy>({
    {PropagationPolicy::kDefault, ""},
    {PropagationPolicy::kBackground, "Background"},
    {PropagationPolicy::kForeground, "Foreground"},
    {PropagationPolicy::kOrphan, "Orphan"},
});

std::string describe(const std::string& verb, const ResourceType& type, const std::string& ns,
                     const std::string& name) {
  std::string what = verb + " " + type.resource;
  if (!type.group.empty()) what += "." + type.group;
  if (!name.empty())
    what += " " + (ns.empty() ? name : ns + "/" + name);
  else if (!ns.empty())
    what += " in " + ns;
  return what;
}

WatchEvent::Type parse_type(const std::string& type) {
  return kWatchEventTypeNames.parse(type).value_or(WatchEvent::Type::kError);
}

bool is_write(const std::string& verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete";
}

std::string name_of(const Json& object) {
  if (!object.contains("metadata") || !object["metadata"].contains("name")) {
    throw_bad_input("object has no metadata.name");
  }
  return object["metadata"]["name"].get<std::string>();
}

// What to accept for a metadata-only list or watch. A server that cannot answer PartialObjectMetadata falls
// back to whole objects (the last choice), which a metadata cache takes as well.
std::string accept_for(bool metadata_only, const char* partial_kind) {
  if (!metadata_only) return "application/json";
  return std::string("application/json;as=") + partial_kind + ";g=meta.k8s.io;v=v1,application/json";
}

}  // namespace

const char* to_string(WatchEvent::Type type) {
  return kWatchEventTypeNames.name(type, "ERROR");
}

RestClient::RestClient(std::shared_ptr<HttpTransport> transport, RestClientOptions options, Clock& clock)
    : transport_(std::move(transport)),
      options_(std::move(options)),
      clock_(clock),
      limiter_(options_.qps, options_.burst, clock) {}

std::optional<std::chrono::milliseconds> RestClient::wait_before_retry(const HttpResponse& response,
                                                                       int attempt) const {
  if ((response.status != 429 && response.status != 503) || attempt > options_.retry_after_attempts)
    return std::nullopt;
  const std::string value = response.header("retry-after");
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 6)
    return std::nullopt;
  const auto asked = std::chrono::seconds(std::stol(value));
  return std::chrono::milliseconds(std::min(asked, options_.max_retry_after));
}

Json RestClient::call(const std::string& verb, HttpRequest request, const std::string& what) {
  request.timeout = options_.request_timeout;
  const bool asked_accept = std::any_of(request.headers.begin(), request.headers.end(),
                                        [](const auto& header) { return header.first == "Accept"; });
  if (!asked_accept) request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", options_.user_agent);
  HttpResponse response;
  const bool write = is_write(verb);
  for (int attempt = 1;; ++attempt) {
    limiter_.acquire();
    // Checked after the rate limiter's wait and each Retry-After wait, right before the request goes out.
    if (write && options_.may_write && !options_.may_write()) throw NotLeaderError(what);
    try {
      response = transport_->send(request);
    } catch (...) {
      if (options_.on_request) options_.on_request(verb, 0);
      throw;
    }
    if (options_.on_request) options_.on_request(verb, response.status);
    const auto wait = wait_before_retry(response, attempt);
    if (!wait) break;
    clock_.sleep_for(*wait);
  }
  if (response.status < 200 || response.status >= 300) throw api_error_from_response(response, what);
  if (response.body.empty()) return Json::object();
  auto parsed = Json::parse(response.body, nullptr, false);
  if (parsed.is_discarded())
    throw ApiError(ApiReason::kServerError, response.status, what + ": answer is not JSON");
  return parsed;
}

std::string RestClient::write_query() const {
  return query_string({{"fieldValidation", options_.field_validation}});
}

Json RestClient::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  return call("get", {"GET", type.object_path(ns, name)}, describe("get", type, ns, name));
}

std::optional<Json> RestClient::try_get(const ResourceType& type, const std::string& ns,
                                        const std::string& name) {
  try {
    return get(type, ns, name);
  } catch (const ApiError& e) {
    if (e.reason() == ApiReason::kNotFound) return std::nullopt;
    throw;
  }
}

ListPage RestClient::list(const ResourceType& type, const std::string& ns, const ListOptions& options) {
  const std::string query = query_string({{"labelSelector", options.label_selector},
                                          {"fieldSelector", options.field_selector},
                                          {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                                          {"continue", options.continue_token},
                                          {"resourceVersion", options.resource_version}});
  Json answer = call("list",
                     {"GET",
                      type.collection_path(ns) + query,
                      {{"Accept", accept_for(options.metadata_only, "PartialObjectMetadataList")}}},
                     describe("list", type, ns, ""));
  ListPage page;
  if (answer.contains("items") && answer["items"].is_array()) {
    for (auto& item : answer["items"]) {
      // Items of a list carry no apiVersion/kind; restore them so objects look the same as from get or watch.
      if (!item.contains("apiVersion")) item["apiVersion"] = type.api_version();
      if (!item.contains("kind") && !type.kind.empty()) item["kind"] = type.kind;
      page.items.push_back(std::move(item));
    }
  }
  const Json& meta = answer.value("metadata", Json::object());
  page.resource_version = meta.value("resourceVersion", "");
  page.continue_token = meta.value("continue", "");
  return page;
}

ListPage RestClient::list_all(const ResourceType& type, const std::string& ns, ListOptions options) {
  ListPage all;
  all.resource_version = for_each_page(type, ns, std::move(options), [&all](ListPage& page) {
    for (auto& item : page.items) all.items.push_back(std::move(item));
  });
  return all;
}

std::string RestClient::for_each_page(const ResourceType& type, const std::string& ns, ListOptions options,
                                      const std::function<void(ListPage& page)>& on_page) {
  std::string resource_version;
  for (bool first = true;; first = false) {
    ListPage page = list(type, ns, options);
    if (first) resource_version = page.resource_version;
    on_page(page);
    if (page.continue_token.empty()) return resource_version;
    options.continue_token = std::move(page.continue_token);
    options.resource_version.clear();  // the token carries the snapshot
  }
}

Json RestClient::create(const ResourceType& type, const std::string& ns, const Json& object) {
  return call("create",
              {"POST",
               type.collection_path(ns) + write_query(),
               {{"Content-Type", "application/json"}},
               object.dump()},
              describe("create", type, ns, object.value("metadata", Json::object()).value("name", "")));
}

Json RestClient::update(const ResourceType& type, const std::string& ns, const Json& object) {
  const std::string name = name_of(object);
  return call("update",
              {"PUT",
               type.object_path(ns, name) + write_query(),
               {{"Content-Type", "application/json"}},
               object.dump()},
              describe("update", type, ns, name));
}

Json RestClient::patch(const ResourceType& type, const std::string& ns, const std::string& name,
                       PatchType patch_type, const Json& patch) {
  return call("patch",
              {"PATCH",
               type.object_path(ns, name) + write_query(),
               {{"Content-Type", kPatchContentTypes.name(patch_type)}},
               patch.dump()},
              describe("patch", type, ns, name));
}

Json RestClient::apply(const ResourceType& type, const std::string& ns, const Json& object,
                       const std::string& field_manager, bool force) {
  const std::string name = name_of(object);
  const std::string query = query_string({{"fieldManager", field_manager},
                                          {"force", force ? "true" : ""},
                                          {"fieldValidation", options_.field_validation}});
  return call("patch",
              {"PATCH",
               type.object_path(ns, name) + query,
               {{"Content-Type", "application/apply-patch+yaml"}},
               object.dump()},
              describe("apply", type, ns, name));
}

Json RestClient::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                        const DeleteOptions& options) {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (const std::string_view policy = kPropagationPolicyNames.name(options.propagation); !policy.empty())
    body["propagationPolicy"] = std::string(policy);
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"] = {{"resourceVersion", options.precondition_resource_version}};
  }
  return call("delete",
              {"DELETE", type.object_path(ns, name), {{"Content-Type", "application/json"}}, body.dump()},
              describe("delete", type, ns, name));
}

Json RestClient::get_status(const ResourceType& type, const std::string& ns, const std::string& name) {
  return call("get", {"GET", type.object_path(ns, name) + "/status"},
              describe("get status of", type, ns, name));
}

Json RestClient::update_status(const ResourceType& type, const std::string& ns, const Json& object) {
  const std::string name = name_of(object);
  return call("update",
              {"PUT",
               type.object_path(ns, name) + "/status" + write_query(),
               {{"Content-Type", "application/json"}},
               object.dump()},
              describe("update status of", type, ns, name));
}

Json RestClient::patch_status(const ResourceType& type, const std::string& ns, const std::string& name,
                              PatchType patch_type, const Json& patch) {
  return call("patch",
              {"PATCH",
               type.object_path(ns, name) + "/status" + write_query(),
               {{"Content-Type", kPatchContentTypes.name(patch_type)}},
               patch.dump()},
              describe("patch status of", type, ns, name));
}

void RestClient::watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                       const std::function<bool(const WatchEvent&)>& on_event, Cancellation& cancel) {
  limiter_.acquire();
  const std::string query = query_string(
      {{"watch", "true"},
       {"resourceVersion", options.resource_version},
       {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
       {"labelSelector", options.label_selector},
       {"fieldSelector", options.field_selector},
       {"timeoutSeconds", options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : ""}});
  HttpRequest request{"GET", type.collection_path(ns) + query};
  request.headers = {{"Accept", accept_for(options.metadata_only, "PartialObjectMetadata")},
                     {"User-Agent", options_.user_agent}};
  // The server ends the stream after timeoutSeconds; allow a margin before giving up on a silent connection.
  request.timeout = std::chrono::seconds(options.timeout_seconds + 30);
  LineSplitter splitter;
  bool keep_going = true;
  const std::string what = describe("watch", type, ns, "");
  const auto on_chunk = [&](std::string_view chunk) {
    for (const auto& line : splitter.feed(chunk)) {
      auto parsed = Json::parse(line, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        throw ApiError(ApiReason::kServerError, 200, what + ": malformed watch event");
      }
      WatchEvent event{parse_type(parsed.value("type", "")), std::move(parsed["object"])};
      if (!on_event(event)) {
        keep_going = false;
        return false;
      }
    }
    return true;
  };
  HttpResponse response;
  for (int attempt = 1;; ++attempt) {
    try {
      response = transport_->stream(request, on_chunk, cancel);
    } catch (...) {
      if (options_.on_request) options_.on_request("watch", 0);
      throw;
    }
    if (options_.on_request) options_.on_request("watch", response.status);
    const auto wait = wait_before_retry(response, attempt);
    if (!wait) break;
    // Sliced, so that stopping the watcher is not held up by the wait.
    for (auto left = *wait; left.count() > 0 && !cancel.cancelled(); left -= std::chrono::milliseconds(50))
      clock_.sleep_for(std::min(left, std::chrono::milliseconds(50)));
    if (cancel.cancelled()) break;
    limiter_.acquire();
  }
  if (response.status < 200 || response.status >= 300) throw api_error_from_response(response, what);
  (void)keep_going;
}

std::string object_key(const std::string& ns, const std::string& name) {
  return ObjectRef{ns, name}.key();
}

std::string object_key(const Json& object) {
  const Json& meta = object.value("metadata", Json::object());
  return object_key(meta.value("namespace", ""), meta.value("name", ""));
}

}  // namespace pgrevise::kube
