#include "support/fake_api_state.h"

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "support/fake_api_schema.h"
#include "support/label_selector.h"

namespace pgrevise::testing {
namespace {

std::string now_rfc3339() {
  return format_rfc3339(std::chrono::system_clock::now());
}

std::string qualified(const FakeResource& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

ApiResult status_result(int code, const std::string& reason, const std::string& message,
                        Json details = nullptr) {
  return {code, make_status(code, reason, message, std::move(details))};
}

ApiResult not_found(const FakeResource& r, const std::string& name) {
  return status_result(404, "NotFound", qualified(r) + " \"" + name + "\" not found",
                       {{"name", name}, {"group", r.group}, {"kind", r.resource}});
}

ApiResult conflict(const FakeResource& r, const std::string& name) {
  return status_result(
      409, "Conflict",
      "Operation cannot be fulfilled on " + qualified(r) + " \"" + name +
          "\": the object has been modified; please apply your changes to the latest version and "
          "try again",
      {{"name", name}, {"group", r.group}, {"kind", r.resource}});
}

ApiResult invalid(const std::string& kind, const std::string& name, const std::string& field,
                  const std::string& cause_reason, const std::string& message) {
  return status_result(
      422, "Invalid", kind + " \"" + name + "\" is invalid: " + field + ": " + message,
      {{"name", name},
       {"kind", kind},
       {"causes", Json::array({{{"reason", cause_reason}, {"message", message}, {"field", field}}})}});
}

// The part of an object whose change bumps metadata.generation: everything but metadata and status.
Json spec_part(Json object) {
  if (object.is_object()) {
    object.erase("metadata");
    object.erase("status");
  }
  return object;
}

bool same_ignoring_rv(Json a, Json b) {
  a["metadata"].erase("resourceVersion");
  b["metadata"].erase("resourceVersion");
  return a == b;
}

bool has_finalizers(const Json& object) {
  const auto& meta = object["metadata"];
  return meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
}

bool owned_by(const Json& object, const std::string& uid) {
  const auto& meta = object["metadata"];
  if (!meta.contains("ownerReferences")) return false;
  for (const auto& ref : meta["ownerReferences"]) {
    if (ref.value("uid", "") == uid) return true;
  }
  return false;
}

}  // namespace

Json make_status(int code, const std::string& reason, const std::string& message, Json details) {
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", code < 300 ? "Success" : "Failure"},
                 {"message", message},
                 {"reason", reason},
                 {"code", code}};
  if (!details.is_null()) status["details"] = std::move(details);
  return status;
}

FakeApiState::FakeApiState(std::size_t history_limit) : history_limit_(history_limit) {}

FakeApiState::Key FakeApiState::key_of(const std::string& resource_id, const std::string& ns,
                                       const std::string& name) {
  return resource_id + "|" + ns + "|" + name;
}

void FakeApiState::register_resource(const FakeResource& resource) {
  std::lock_guard lock(mu_);
  resources_[resource.id()] = resource;
}

std::optional<FakeResource> FakeApiState::find(const std::string& group, const std::string& version,
                                               const std::string& resource) const {
  std::lock_guard lock(mu_);
  const auto it = resources_.find(group + "/" + resource);
  if (it == resources_.end() || it->second.version != version) return std::nullopt;
  return it->second;
}

std::optional<FakeResource> FakeApiState::find_by_id_locked(const std::string& id) const {
  const auto it = resources_.find(id);
  if (it == resources_.end()) return std::nullopt;
  return it->second;
}

std::vector<FakeResource> FakeApiState::resources() const {
  std::lock_guard lock(mu_);
  std::vector<FakeResource> out;
  for (const auto& [id, r] : resources_) out.push_back(r);
  return out;
}

Json FakeApiState::stamp_locked(Json object) {
  object["metadata"]["resourceVersion"] = std::to_string(++rv_);
  return object;
}

void FakeApiState::record_locked(const std::string& type, const FakeResource& r, const Json& object,
                                 const Json& previous) {
  history_.push_back({rv_, r.id(), object["metadata"].value("namespace", ""), type, object, previous});
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

ApiResult FakeApiState::get(const FakeResource& r, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  const auto it = objects_.find(key_of(r.id(), ns, name));
  if (it == objects_.end()) return not_found(r, name);
  return {200, it->second};
}

ApiResult FakeApiState::list(const FakeResource& r, const std::string& ns, const std::string& label_selector,
                             const std::string& field_selector, int limit,
                             const std::string& continue_token) {
  const auto labels = LabelSelector::parse(label_selector);
  if (!labels) return status_result(400, "BadRequest", "unable to parse requirement: " + label_selector);
  const auto fields = FieldSelector::parse(field_selector);
  if (!fields) return status_result(400, "BadRequest", "field label not supported: " + field_selector);
  std::lock_guard lock(mu_);
  Snapshot snap;
  if (!continue_token.empty()) {
    const auto it = continues_.find(continue_token);
    if (it == continues_.end()) {
      return status_result(
          410, "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can "
          "start a new list without the continue parameter.");
    }
    snap = std::move(it->second);
    continues_.erase(it);
  } else {
    snap.rv = rv_;
    const std::string prefix = r.id() + "|" + (ns.empty() ? "" : ns + "|");
    for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.rfind(prefix, 0) == 0;
         ++it) {
      const Json& obj = it->second;
      if (!labels->matches(obj["metadata"].value("labels", Json::object()))) continue;
      if (!fields->matches(obj)) continue;
      Json item = obj;
      item.erase("apiVersion");
      item.erase("kind");
      snap.remaining.push_back(std::move(item));
    }
  }
  Json list = {{"kind", r.kind + "List"},
               {"apiVersion", r.api_version()},
               {"metadata", {{"resourceVersion", std::to_string(snap.rv)}}},
               {"items", Json::array()}};
  const std::size_t take =
      limit > 0 ? std::min<std::size_t>(limit, snap.remaining.size()) : snap.remaining.size();
  for (std::size_t i = 0; i < take; ++i) list["items"].push_back(std::move(snap.remaining[i]));
  if (take < snap.remaining.size()) {
    snap.remaining.erase(snap.remaining.begin(), snap.remaining.begin() + static_cast<std::ptrdiff_t>(take));
    const std::string token = "c" + std::to_string(++continue_counter_) + "-" + std::to_string(snap.rv);
    list["metadata"]["continue"] = token;
    list["metadata"]["remainingItemCount"] = snap.remaining.size();
    continues_[token] = std::move(snap);
  }
  return {200, list};
}

ApiResult FakeApiState::validate_job_locked(const Json* old, const Json& updated) {
  const std::string name = updated["metadata"].value("name", "");
  const Json policy = updated.value("spec", Json::object())
                          .value("template", Json::object())
                          .value("spec", Json::object())
                          .value("restartPolicy", Json());
  if (policy != "Never" && policy != "OnFailure") {
    return invalid("Job.batch", name, "spec.template.spec.restartPolicy", "FieldValueNotSupported",
                   "Unsupported value: " + policy.dump() + ": supported values: \"OnFailure\", \"Never\"");
  }
  if (old != nullptr && old->value("spec", Json::object()).value("template", Json()) !=
                            updated.value("spec", Json::object()).value("template", Json())) {
    return invalid("Job.batch", name, "spec.template", "FieldValueInvalid",
                   "Invalid value: field is immutable");
  }
  return {200, nullptr};
}

// Prunes unknown fields of a custom resource; with strict validation, refuses them instead.
static std::optional<ApiResult> apply_schema(const FakeResource& r, Json& object, bool strict) {
  if (r.schema.is_null()) return std::nullopt;
  Json pruned_object = object;
  const auto unknown = prune_unknown_fields(pruned_object, r.schema);
  if (strict && !unknown.empty()) {
    return status_result(400, "BadRequest",
                         "strict decoding error: unknown field \"" + unknown.front() + "\"");
  }
  object = std::move(pruned_object);
  return std::nullopt;
}

ApiResult FakeApiState::create(const FakeResource& r, const std::string& ns, Json object,
                               bool strict_fields) {
  if (!object.is_object())
    return status_result(400, "BadRequest", "the body of the request is not an object");
  if (!object.contains("metadata") || !object["metadata"].is_object()) object["metadata"] = Json::object();
  std::lock_guard lock(mu_);
  Json& meta = object["metadata"];
  std::string name = meta.value("name", "");
  if (name.empty() && meta.contains("generateName")) {
    name = meta["generateName"].get<std::string>() + std::to_string(10000 + (++uid_counter_ * 7919) % 90000);
    meta["name"] = name;
  }
  if (name.empty())
    return invalid(r.kind, "", "metadata.name", "FieldValueRequired",
                   "Required value: name or generateName is required");
  if (r.namespaced) {
    if (ns.empty()) return status_result(404, "NotFound", "the server could not find the requested resource");
    if (meta.contains("namespace") && meta["namespace"] != ns) {
      return status_result(
          400, "BadRequest",
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    meta["namespace"] = ns;
  }
  const Key key = key_of(r.id(), ns, name);
  if (objects_.count(key) != 0) {
    return status_result(409, "AlreadyExists", qualified(r) + " \"" + name + "\" already exists",
                         {{"name", name}, {"group", r.group}, {"kind", r.resource}});
  }
  if (r.id() == "batch/jobs") {
    if (auto bad = validate_job_locked(nullptr, object); bad.status != 200) return bad;
  }
  if (auto refused = apply_schema(r, object, strict_fields)) return *refused;
  object["apiVersion"] = r.api_version();
  object["kind"] = r.kind;
  // apply_schema replaced `object`, so `meta` no longer refers into it.
  Json& stored_meta = object["metadata"];
  stored_meta["uid"] = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++uid_counter_);
  stored_meta["creationTimestamp"] = now_rfc3339();
  stored_meta["generation"] = 1;
  stored_meta.erase("deletionTimestamp");
  stored_meta.erase("resourceVersion");
  if (r.status_subresource) object.erase("status");
  object = stamp_locked(std::move(object));
  objects_[key] = object;
  record_locked("ADDED", r, object, nullptr);
  return {201, object};
}

ApiResult FakeApiState::update(const FakeResource& r, const std::string& ns, const std::string& name,
                               Json object, bool status_endpoint, bool strict_fields) {
  if (!object.is_object())
    return status_result(400, "BadRequest", "the body of the request is not an object");
  std::lock_guard lock(mu_);
  return write_locked(r, ns, name, std::move(object), status_endpoint, r.custom, strict_fields);
}

ApiResult FakeApiState::write_locked(const FakeResource& r, const std::string& ns, const std::string& name,
                                     Json incoming, bool status_endpoint, bool require_rv,
                                     bool strict_fields) {
  const auto it = objects_.find(key_of(r.id(), ns, name));
  if (it == objects_.end()) return not_found(r, name);
  const Json old = it->second;
  if (!incoming.contains("metadata") || !incoming["metadata"].is_object())
    incoming["metadata"] = Json::object();
  const Json& in_meta = incoming["metadata"];
  if (in_meta.value("name", name) != name) {
    return status_result(400, "BadRequest",
                         "the name of the object (" + in_meta.value("name", "") +
                             ") does not match the name on the URL (" + name + ")");
  }
  const std::string in_rv = in_meta.value("resourceVersion", "");
  if (in_rv.empty() && require_rv) {
    return invalid(r.kind, name, "metadata.resourceVersion", "FieldValueInvalid",
                   "Invalid value: 0x0: must be specified for an update");
  }
  if (!in_rv.empty() && in_rv != old["metadata"].value("resourceVersion", "")) return conflict(r, name);
  Json updated;
  if (status_endpoint) {
    updated = old;
    if (incoming.contains("status"))
      updated["status"] = incoming["status"];
    else
      updated.erase("status");
  } else {
    updated = std::move(incoming);
    for (const char* field : {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                              "deletionGracePeriodSeconds", "namespace", "name", "resourceVersion"}) {
      if (old["metadata"].contains(field))
        updated["metadata"][field] = old["metadata"][field];
      else
        updated["metadata"].erase(field);
    }
    updated["apiVersion"] = r.api_version();
    updated["kind"] = r.kind;
    if (r.status_subresource) {
      if (old.contains("status"))
        updated["status"] = old["status"];
      else
        updated.erase("status");
    }
  }
  if (auto refused = apply_schema(r, updated, strict_fields)) return *refused;
  return store_update_locked(r, old, std::move(updated));
}

ApiResult FakeApiState::store_update_locked(const FakeResource& r, const Json& old, Json updated) {
  if (r.id() == "batch/jobs") {
    if (auto bad = validate_job_locked(&old, updated); bad.status != 200) return bad;
  }
  if (spec_part(old) != spec_part(updated)) {
    updated["metadata"]["generation"] = old["metadata"].value("generation", 1) + 1;
  }
  if (same_ignoring_rv(old, updated)) return {200, old};  // a no-op write: no new resourceVersion, no event
  const bool being_deleted = updated["metadata"].contains("deletionTimestamp");
  updated = stamp_locked(std::move(updated));
  const Key key = key_of(r.id(), updated["metadata"].value("namespace", ""), updated["metadata"]["name"]);
  if (being_deleted && !has_finalizers(updated)) {
    const Json previous = old;  // `old` may be the stored object erased here
    objects_.erase(key);
    record_locked("DELETED", r, updated, previous);
    collect_garbage_locked();
    return {200, updated};
  }
  objects_[key] = updated;
  record_locked("MODIFIED", r, updated, old);
  return {200, updated};
}

ApiResult FakeApiState::patch(const FakeResource& r, const std::string& ns, const std::string& name,
                              const std::string& content_type, const std::string& body, bool status_endpoint,
                              bool strict_fields) {
  const bool strategic = content_type.find("strategic-merge-patch") != std::string::npos;
  const bool merge = content_type.find("merge-patch") != std::string::npos;
  const bool json_patch = content_type.find("json-patch") != std::string::npos;
  if ((strategic && r.custom) || (!merge && !json_patch)) {
    return status_result(
        415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  const Json patch = Json::parse(body, nullptr, false);
  if (patch.is_discarded()) return status_result(400, "BadRequest", "the patch is not valid JSON");
  std::lock_guard lock(mu_);
  const auto it = objects_.find(key_of(r.id(), ns, name));
  if (it == objects_.end()) return not_found(r, name);
  Json patched = it->second;
  if (json_patch) {
    try {
      patched = patched.patch(patch);
    } catch (const std::exception& e) {
      return status_result(422, "Invalid", std::string("the JSON patch could not be applied: ") + e.what());
    }
  } else {
    patched.merge_patch(patch);
  }
  return write_locked(r, ns, name, std::move(patched), status_endpoint, false, strict_fields);
}

ApiResult FakeApiState::remove(const FakeResource& r, const std::string& ns, const std::string& name,
                               const Json& options) {
  std::lock_guard lock(mu_);
  const auto it = objects_.find(key_of(r.id(), ns, name));
  if (it == objects_.end()) return not_found(r, name);
  std::string propagation = r.default_propagation;
  std::string precondition;
  if (options.is_object()) {
    propagation = options.value("propagationPolicy", propagation);
    if (options.contains("preconditions"))
      precondition = options["preconditions"].value("resourceVersion", "");
  }
  if (propagation != "Background" && propagation != "Foreground" && propagation != "Orphan") {
    return status_result(400, "BadRequest", "invalid propagationPolicy " + propagation);
  }
  return delete_locked(r, ns, name, propagation, precondition);
}

ApiResult FakeApiState::delete_locked(const FakeResource& r, const std::string& ns, const std::string& name,
                                      const std::string& propagation, const std::string& precondition_rv) {
  const Key key = key_of(r.id(), ns, name);
  Json object = objects_.at(key);
  if (!precondition_rv.empty() && precondition_rv != object["metadata"].value("resourceVersion", "")) {
    return conflict(r, name);
  }
  const std::string uid = object["metadata"].value("uid", "");
  if (propagation == "Orphan") {
    for (auto& [dep_key, dep] : objects_) {
      if (!owned_by(dep, uid)) continue;
      Json updated = dep;
      auto& refs = updated["metadata"]["ownerReferences"];
      refs.erase(std::remove_if(refs.begin(), refs.end(),
                                [&](const Json& ref) { return ref.value("uid", "") == uid; }),
                 refs.end());
      if (refs.empty()) updated["metadata"].erase("ownerReferences");
      updated = stamp_locked(std::move(updated));
      const Json previous = dep;
      dep = updated;
      record_locked("MODIFIED", *find_by_id_locked(dep_key.substr(0, dep_key.find('|'))), updated, previous);
    }
  }
  if (propagation == "Foreground" && !object["metadata"].contains("deletionTimestamp")) {
    object["metadata"]["finalizers"].push_back("foregroundDeletion");
  }
  if (!has_finalizers(object)) {
    object = stamp_locked(std::move(object));
    objects_.erase(key);
    record_locked("DELETED", r, object, nullptr);
    collect_garbage_locked();
    return {200, make_status(200, "", "",
                             {{"name", name}, {"group", r.group}, {"kind", r.resource}, {"uid", uid}})};
  }
  if (object["metadata"].contains("deletionTimestamp")) return {200, object};
  const Json previous = objects_.at(key);
  object["metadata"]["deletionTimestamp"] = now_rfc3339();
  object["metadata"]["deletionGracePeriodSeconds"] = 0;
  object["metadata"]["generation"] = object["metadata"].value("generation", 1) + 1;
  object = stamp_locked(std::move(object));
  objects_[key] = object;
  record_locked("MODIFIED", r, object, previous);
  collect_garbage_locked();
  const auto now = objects_.find(key);
  return {200, now == objects_.end() ? object : now->second};
}

// The garbage collector, run to a fixed point after every removal: dependents whose owners are all gone are
// deleted in the background; an owner in foreground deletion has its dependents deleted and is removed once
// none is left.
void FakeApiState::collect_garbage_locked() {
  for (bool changed = true; changed;) {
    changed = false;
    std::set<std::string> uids;
    for (const auto& [key, obj] : objects_) uids.insert(obj["metadata"].value("uid", ""));
    for (const auto& [key, obj] : objects_) {
      const auto& meta = obj["metadata"];
      const std::string rid = key.substr(0, key.find('|'));
      const auto r = find_by_id_locked(rid);
      if (!r) continue;
      if (meta.contains("ownerReferences") && !meta.contains("deletionTimestamp")) {
        bool any_owner = false;
        for (const auto& ref : meta["ownerReferences"]) any_owner |= uids.count(ref.value("uid", "")) != 0;
        if (!any_owner && !meta["ownerReferences"].empty()) {
          delete_locked(*r, meta.value("namespace", ""), meta.value("name", ""), "Background", "");
          changed = true;
          break;
        }
      }
      const auto& fins = meta.value("finalizers", Json::array());
      if (!meta.contains("deletionTimestamp") ||
          std::find(fins.begin(), fins.end(), "foregroundDeletion") == fins.end()) {
        continue;
      }
      const std::string uid = meta.value("uid", "");
      bool dependents_left = false;
      for (const auto& [dep_key, dep] : objects_) {
        if (!owned_by(dep, uid)) continue;
        dependents_left = true;
        if (!dep["metadata"].contains("deletionTimestamp")) {
          const auto dr = find_by_id_locked(dep_key.substr(0, dep_key.find('|')));
          delete_locked(*dr, dep["metadata"].value("namespace", ""), dep["metadata"].value("name", ""),
                        "Background", "");
          changed = true;
          break;
        }
      }
      if (changed) break;
      if (!dependents_left) {
        Json updated = obj;
        auto& f = updated["metadata"]["finalizers"];
        f.erase(std::remove(f.begin(), f.end(), "foregroundDeletion"), f.end());
        store_update_locked(*r, obj, std::move(updated));
        changed = true;
        break;
      }
    }
  }
}

std::uint64_t FakeApiState::current_rv() const {
  std::lock_guard lock(mu_);
  return rv_;
}

std::uint64_t FakeApiState::oldest_watchable_rv() const {
  std::lock_guard lock(mu_);
  return compacted_rv_;
}

std::vector<HistoryEvent> FakeApiState::events_after(std::uint64_t rv, const std::string& resource_id,
                                                     const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<HistoryEvent> out;
  auto it = std::upper_bound(history_.begin(), history_.end(), rv,
                             [](std::uint64_t v, const HistoryEvent& e) { return v < e.rv; });
  for (; it != history_.end(); ++it) {
    if (it->resource_id == resource_id && (ns.empty() || it->ns == ns)) out.push_back(*it);
  }
  return out;
}

std::vector<Json> FakeApiState::snapshot(const std::string& resource_id, const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  const std::string prefix = resource_id + "|" + (ns.empty() ? "" : ns + "|");
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.rfind(prefix, 0) == 0;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

void FakeApiState::wait_for_change(std::uint64_t rv, std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  const auto woken = wake_generation_;
  changed_.wait_until(lock, until, [&] { return rv_ > rv || wake_generation_ != woken; });
}

void FakeApiState::wake_all() {
  std::lock_guard lock(mu_);
  ++wake_generation_;
  changed_.notify_all();
}

void FakeApiState::expire_history() {
  std::lock_guard lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
  continues_.clear();
}

std::optional<Json> FakeApiState::object(const std::string& resource_id, const std::string& ns,
                                         const std::string& name) const {
  std::lock_guard lock(mu_);
  const auto it = objects_.find(key_of(resource_id, ns, name));
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pgrevise::testing
