// Request routing, authentication, discovery and watch streams of the fake API server.
#include <chrono>
#include <sstream>
#include <thread>

#include "support/fake_api_server.h"
#include "support/fake_http.h"
#include "support/label_selector.h"

namespace pgrevise::testing {
namespace {

struct RouteParse {
  bool discovery = false;
  Json discovery_body;
  std::string group, version;
  std::vector<std::string> rest;  // after the group/version
};

bool send_json(ServerConnection& conn, int code, const Json& body, const std::string& extra = "") {
  const std::string text = body.dump();
  return conn.write("HTTP/1.1 " + std::to_string(code) + " " + http_reason_phrase(code) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
                    "\r\n" + extra + "\r\n" + text);
}

bool send_chunk(ServerConnection& conn, std::string_view data) {
  std::ostringstream size;
  size << std::hex << data.size();
  return conn.write(size.str() + "\r\n" + std::string(data) + "\r\n");
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string seg;
  while (std::getline(in, seg, '/')) {
    if (!seg.empty()) out.push_back(seg);
  }
  return out;
}

Json resource_list(const std::string& group_version, const std::vector<FakeResource>& resources) {
  Json list = {{"kind", "APIResourceList"},
               {"apiVersion", "v1"},
               {"groupVersion", group_version},
               {"resources", Json::array()}};
  for (const auto& r : resources) {
    if (r.api_version() != group_version) continue;
    static const std::map<std::string, std::vector<std::string>> kShortNames = {
        {"configmaps", {"cm"}}, {"pods", {"po"}},   {"namespaces", {"ns"}},
        {"services", {"svc"}},  {"events", {"ev"}}, {"postgresmigrations", {"pgm"}}};
    std::string singular = r.kind;
    for (auto& c : singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Json entry = {{"name", r.resource},
                  {"singularName", singular},
                  {"namespaced", r.namespaced},
                  {"kind", r.kind},
                  {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (const auto it = kShortNames.find(r.resource); it != kShortNames.end())
      entry["shortNames"] = it->second;
    list["resources"].push_back(entry);
    if (r.status_subresource) {
      list["resources"].push_back({{"name", r.resource + "/status"},
                                   {"singularName", ""},
                                   {"namespaced", r.namespaced},
                                   {"kind", r.kind},
                                   {"verbs", {"get", "patch", "update"}}});
    }
  }
  return list;
}

Json group_list(const std::vector<FakeResource>& resources) {
  Json groups = Json::array();
  std::map<std::string, std::string> seen;
  for (const auto& r : resources) {
    if (r.group.empty() || seen.count(r.group) != 0) continue;
    seen[r.group] = r.version;
    const Json gv = {{"groupVersion", r.api_version()}, {"version", r.version}};
    groups.push_back({{"name", r.group}, {"versions", {gv}}, {"preferredVersion", gv}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

// Discovery documents, or the group/version and remaining segments of a resource path.
RouteParse parse_path(const std::vector<std::string>& segs, const std::vector<FakeResource>& resources) {
  RouteParse out;
  if (segs.empty()) return out;
  if (segs[0] == "version" && segs.size() == 1) {
    out.discovery = true;
    out.discovery_body = {{"major", "1"},
                          {"minor", "28"},
                          {"gitVersion", "v1.28.0-pgrevise-fake"},
                          {"platform", "linux/amd64"}};
  } else if (segs[0] == "api") {
    if (segs.size() == 1) {
      out.discovery = true;
      out.discovery_body = {{"kind", "APIVersions"}, {"versions", {"v1"}}};
    } else if (segs.size() == 2) {
      out.discovery = true;
      out.discovery_body = resource_list(segs[1], resources);
    } else {
      out.version = segs[1];
      out.rest.assign(segs.begin() + 2, segs.end());
    }
  } else if (segs[0] == "apis") {
    if (segs.size() <= 3) {
      out.discovery = true;
      out.discovery_body = segs.size() == 1   ? group_list(resources)
                           : segs.size() == 3 ? resource_list(segs[1] + "/" + segs[2], resources)
                                              : Json();
    } else {
      out.group = segs[1];
      out.version = segs[2];
      out.rest.assign(segs.begin() + 3, segs.end());
    }
  }
  return out;
}

std::string verb_of(const ServerRequest& request, bool has_name) {
  const auto& m = request.method;
  if (m == "GET") {
    if (has_name) return "get";
    const auto it = request.query.find("watch");
    return it != request.query.end() && (it->second == "true" || it->second == "1") ? "watch" : "list";
  }
  if (m == "POST") return "create";
  if (m == "PUT") return "update";
  if (m == "PATCH") return "patch";
  if (m == "DELETE") return "delete";
  return "";
}

std::string query(const ServerRequest& request, const std::string& name) {
  const auto it = request.query.find(name);
  return it == request.query.end() ? "" : it->second;
}

// A client asking for PartialObjectMetadata, as the API server answers metadata-only lists and watches: the
// objects' metadata alone.
bool wants_metadata_only(const ServerRequest& request) {
  const auto it = request.headers.find("accept");
  return it != request.headers.end() && it->second.find("as=PartialObjectMetadata") != std::string::npos;
}

Json partial_metadata(const Json& object) {
  return {{"apiVersion", "meta.k8s.io/v1"},
          {"kind", "PartialObjectMetadata"},
          {"metadata", object.value("metadata", Json::object())}};
}

Json partial_metadata_list(const Json& list) {
  Json out = {{"apiVersion", "meta.k8s.io/v1"},
              {"kind", "PartialObjectMetadataList"},
              {"metadata", list.value("metadata", Json::object())},
              {"items", Json::array()}};
  for (const auto& item : list.value("items", Json::array())) out["items"].push_back(partial_metadata(item));
  return out;
}

}  // namespace

bool FakeApiServer::handle(ServerConnection& conn, const ServerRequest& request) {
  RecordedRequest rec{"", request.method, request.target};
  rec.user = request.client_cert_subject;
  const std::string auth = request.headers.count("authorization") ? request.headers.at("authorization") : "";
  if (auth.rfind("Bearer ", 0) == 0 && options_.tokens.count(auth.substr(7)) != 0) {
    rec.user = options_.tokens.at(auth.substr(7));
  }
  if (request.headers.count("x-client-id") != 0) rec.user = request.headers.at("x-client-id");
  if (request.headers.count("host") != 0) rec.host = request.headers.at("host");
  const bool auth_required = !options_.tokens.empty() || !options_.client_ca_pem.empty();
  const auto finish = [&](int code, const Json& body, const std::string& extra = "") {
    rec.code = code;
    record(rec);
    return send_json(conn, code, body, extra);
  };
  if (auth_required && rec.user.empty()) return finish(401, make_status(401, "Unauthorized", "Unauthorized"));

  const RouteParse parsed = parse_path(segments(request.path), state_.resources());
  if (parsed.discovery) {
    rec.verb = "discovery";
    if (parsed.discovery_body.is_null()) return finish(404, make_status(404, "NotFound", "not found"));
    return finish(200, parsed.discovery_body);
  }
  Route route;
  const auto& rest = parsed.rest;
  std::size_t i = 0;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const auto nested = state_.find(parsed.group, parsed.version, rest[2]);
    if (nested && nested->namespaced) {
      route.ns = rest[1];
      i = 2;
    }
  }
  const auto resource = i < rest.size() ? state_.find(parsed.group, parsed.version, rest[i]) : std::nullopt;
  if (!resource) {
    return finish(404, make_status(404, "NotFound", "the server could not find the requested resource"));
  }
  route.resource = *resource;
  if (i + 1 < rest.size()) route.name = rest[i + 1];
  if (i + 2 < rest.size()) route.subresource = rest[i + 2];
  route.verb = verb_of(request, !route.name.empty());
  rec.verb = route.verb;
  rec.resource = route.resource.id();
  rec.ns = route.ns;
  rec.name = route.name;
  rec.subresource = route.subresource;
  if (route.verb.empty() ||
      (route.name.empty() && route.verb != "list" && route.verb != "watch" && route.verb != "create") ||
      (!route.subresource.empty() && (route.subresource != "status" || !route.resource.status_subresource))) {
    return finish(405, make_status(405, "MethodNotAllowed", "the server does not allow this method"));
  }
  ApiResult fault;
  if (maybe_inject_fault(route.verb, rec.user, rec.resource, fault)) {
    const std::string extra = fault.retry_after_seconds > 0
                                  ? "Retry-After: " + std::to_string(fault.retry_after_seconds) + "\r\n"
                                  : "";
    return finish(fault.status, fault.body, extra);
  }
  if (route.verb == "watch") {
    rec.code = 200;
    record(rec);
    return watch(conn, route, request, rec.user);
  }
  const bool status = route.subresource == "status";
  const bool strict = query(request, "fieldValidation") == "Strict";
  const Json body = request.body.empty() ? Json() : Json::parse(request.body, nullptr, false);
  if (!request.body.empty() && body.is_discarded() && route.verb != "patch") {
    return finish(400, make_status(400, "BadRequest", "the request body is not valid JSON"));
  }
  ApiResult result;
  if (route.verb == "get") {
    result = state_.get(route.resource, route.ns, route.name);
  } else if (route.verb == "list") {
    const std::string limit = query(request, "limit");
    result = state_.list(route.resource, route.ns, query(request, "labelSelector"),
                         query(request, "fieldSelector"), limit.empty() ? 0 : std::stoi(limit),
                         query(request, "continue"));
    if (result.status == 200 && wants_metadata_only(request))
      result.body = partial_metadata_list(result.body);
  } else if (route.verb == "create") {
    result = state_.create(route.resource, route.ns, body, strict);
  } else if (route.verb == "update") {
    result = state_.update(route.resource, route.ns, route.name, body, status, strict);
  } else if (route.verb == "patch") {
    const std::string type = request.headers.count("content-type") ? request.headers.at("content-type") : "";
    result = state_.patch(route.resource, route.ns, route.name, type, request.body, status, strict);
  } else {
    result = state_.remove(route.resource, route.ns, route.name, body);
  }
  if (record_objects_.load() && result.status < 300 && route.verb != "get" && route.verb != "list")
    rec.object = result.body;
  return finish(result.status, result.body);
}

// A watch: chunked, one JSON event per line. A too-old resourceVersion answers 200 and then one ERROR event
// with a 410 Status, as the real server does. Returns false when the connection must be closed (a dropped
// watch).
bool FakeApiServer::watch(ServerConnection& conn, const Route& route, const ServerRequest& request,
                          const std::string& user) {
  const auto labels = LabelSelector::parse(query(request, "labelSelector"));
  const auto fields = FieldSelector::parse(query(request, "fieldSelector"));
  if (!labels || !fields) return send_json(conn, 400, make_status(400, "BadRequest", "invalid selector"));
  FaultConfig faults;
  {
    std::lock_guard lock(faults_mu_);
    if (faulted(user, route.resource.id())) faults = faults_;
  }
  const auto dropped = [this] {
    std::lock_guard lock(faults_mu_);
    ++fault_counts_.dropped_watches;
    return false;
  };
  const auto start = std::chrono::steady_clock::now();
  const std::string timeout = query(request, "timeoutSeconds");
  const auto deadline = start + std::chrono::seconds(timeout.empty() ? 1800 : std::stol(timeout));
  const bool bookmarks = query(request, "allowWatchBookmarks") == "true";
  const std::uint64_t drop_generation = drop_generation_.load();
  if (!conn.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")) {
    return false;
  }
  ++open_watches_;
  struct Count {
    std::atomic<std::size_t>& n;
    ~Count() { --n; }
  } count{open_watches_};
  int sent = 0;
  const bool metadata_only = wants_metadata_only(request);
  const auto send_event = [&](const std::string& type, const Json& object) {
    const Json sent_object = metadata_only && type != "ERROR" ? partial_metadata(object) : object;
    const std::string line = Json{{"type", type}, {"object", sent_object}}.dump() + "\n";
    ++sent;
    if (faults.split_watch_lines && line.size() > 2) {
      const std::size_t half = line.size() / 2;
      if (!send_chunk(conn, std::string_view(line).substr(0, half))) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return send_chunk(conn, std::string_view(line).substr(half));
    }
    return send_chunk(conn, line);
  };
  const auto matches = [&](const Json& obj) {
    return !obj.is_null() && labels->matches(obj["metadata"].value("labels", Json::object())) &&
           fields->matches(obj);
  };
  const auto expired = [&](std::uint64_t rv) {
    const std::string msg = "too old resource version: " + std::to_string(rv) + " (" +
                            std::to_string(state_.oldest_watchable_rv()) + ")";
    {
      std::lock_guard lock(faults_mu_);
      ++fault_counts_.expired_watches;
    }
    send_event("ERROR", make_status(410, "Expired", msg));
    return send_chunk(conn, "");
  };
  if (faults.watch_error_code != 0) {
    send_event("ERROR", make_status(faults.watch_error_code, "InternalError", faults.watch_error_message));
    return send_chunk(conn, "");
  }
  std::uint64_t cursor = 0;
  const std::string from = query(request, "resourceVersion");
  if (from.empty() || from == "0") {
    cursor = state_.current_rv();
    for (const auto& obj : state_.snapshot(route.resource.id(), route.ns)) {
      if (matches(obj) && !send_event("ADDED", obj)) return false;
    }
  } else {
    cursor = std::stoull(from);
    if (cursor < state_.oldest_watchable_rv()) return expired(cursor);
  }
  auto next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
  for (;;) {
    if (stopping_.load()) return false;
    if (drop_generation_.load() != drop_generation) return dropped();
    const auto now = std::chrono::steady_clock::now();
    if (faults.drop_watch_after.count() > 0 && now - start >= faults.drop_watch_after) return dropped();
    if (now >= deadline) return send_chunk(conn, "");
    if (cursor < state_.oldest_watchable_rv()) return expired(cursor);
    const std::uint64_t rv_now = state_.current_rv();
    for (const auto& e : state_.events_after(cursor, route.resource.id(), route.ns)) {
      cursor = e.rv;
      const bool was = e.type == "MODIFIED" && matches(e.previous);
      const bool is = matches(e.object);
      std::string type = e.type;
      if (e.type == "MODIFIED" && was != is) type = is ? "ADDED" : "DELETED";
      if (!is && !(was && type == "DELETED")) continue;
      if (!send_event(type, e.object)) return false;
      if (faults.drop_watch_after_events > 0 && sent >= faults.drop_watch_after_events) return dropped();
    }
    cursor = std::max(cursor, rv_now);
    if (bookmarks && std::chrono::steady_clock::now() >= next_bookmark) {
      const Json mark = {{"kind", route.resource.kind},
                         {"apiVersion", route.resource.api_version()},
                         {"metadata", {{"resourceVersion", std::to_string(cursor)}}}};
      if (!send_event("BOOKMARK", mark)) return false;
      next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
    }
    auto wake = std::min(
        {deadline, next_bookmark, std::chrono::steady_clock::now() + std::chrono::milliseconds(200)});
    if (faults.drop_watch_after.count() > 0) wake = std::min(wake, start + faults.drop_watch_after);
    state_.wait_for_change(cursor, wake);
  }
}

}  // namespace pgrevise::testing
