#include <algorithm>
#include <cctype>
#include <limits>

#include "api/json.h"
#include "common/duration.h"

namespace pgrevise::api {
namespace {

std::string type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

std::string shown(const Json& v) {
  if (v.is_string()) return quote_for_message(v.get<std::string>());
  constexpr std::size_t kShown = 64;
  std::string text = v.dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
  if (text.size() > kShown) text = text.substr(0, kShown) + "...";
  return text;
}

// Edit distance, for suggesting the field a typo meant.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                                           std::tolower(static_cast<unsigned char>(b[j - 1]))
                                                       ? 0
                                                       : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

// The known field within two edits of `key`, or "".
std::string_view closest(std::string_view key, std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : known) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

// Reads one object's fields, recording each problem with its path. Strict readers (the spec) also report
// fields the schema does not declare; lenient ones (status) skip what they cannot read.
class Reader {
 public:
  Reader(std::vector<FieldError>* errors, bool strict) : errors_(errors), strict_(strict) {}

  void fail(const std::string& path, const std::string& message) {
    if (errors_ != nullptr) errors_->push_back({printable(path), printable(message)});
  }

  // The object at `path`, or nullptr (with an error unless absent or null).
  const Json* object(const Json& parent, std::string_view key, const std::string& path,
                     std::initializer_list<std::string_view> known) {
    const Json* v = child(parent, key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      wrong_type(path, "an object", *v);
      return nullptr;
    }
    check_known(*v, path, known);
    return v;
  }

  void check_known(const Json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
    if (!strict_) return;
    for (const auto& [k, _] : obj.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      const std::string_view suggestion = closest(k, known);
      fail(join(path, k), suggestion.empty()
                              ? "unknown field"
                              : "unknown field (did you mean " + std::string(suggestion) + "?)");
    }
  }

  void str(const Json& obj, std::string_view key, const std::string& path, std::string& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (!v->is_string()) return wrong_type(join(path, key), "a string", *v);
    out = v->get<std::string>();
  }

  // True when the field was present and read into `out`.
  template <typename Int>
  bool integer(const Json& obj, std::string_view key, const std::string& path, Int& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return false;
    if (!v->is_number_integer()) {
      wrong_type(join(path, key), "an integer", *v);
      return false;
    }
    const bool too_big =
        v->is_number_unsigned()
            ? v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())
            : (v->get<std::int64_t>() < std::numeric_limits<Int>::min() ||
               v->get<std::int64_t>() > std::numeric_limits<Int>::max());
    if (too_big) {
      fail(join(path, key), "integer " + v->dump() + " is out of range");
      return false;
    }
    out = static_cast<Int>(v->get<std::int64_t>());
    return true;
  }

  void boolean(const Json& obj, std::string_view key, const std::string& path, bool& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (!v->is_boolean()) return wrong_type(join(path, key), "true or false", *v);
    out = v->get<bool>();
  }

  // A Go-style duration string; the integer 0 is accepted too (YAML reads `statementTimeout: 0` as a number).
  void duration(const Json& obj, std::string_view key, const std::string& path,
                std::chrono::milliseconds& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (v->is_number_integer() && v->get<std::int64_t>() == 0) {
      out = std::chrono::milliseconds(0);
      return;
    }
    const auto parsed = v->is_string() ? parse_duration(v->get<std::string>()) : std::nullopt;
    if (!parsed) return fail(join(path, key), "invalid duration " + shown(*v) + " (expected e.g. 5s, 1m30s)");
    out = *parsed;
  }

  void strings(const Json& obj, std::string_view key, const std::string& path,
               std::vector<std::string>& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (!v->is_array()) return wrong_type(join(path, key), "a list of strings", *v);
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        wrong_type(join(path, key) + "[" + std::to_string(i) + "]", "a string", (*v)[i]);
        continue;
      }
      out.push_back((*v)[i].get<std::string>());
    }
  }

  void string_map(const Json& obj, std::string_view key, const std::string& path,
                  std::map<std::string, std::string>& out) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (!v->is_object()) return wrong_type(join(path, key), "a map of strings", *v);
    for (const auto& [k, value] : v->items()) {
      if (!value.is_string()) {
        wrong_type(join(join(path, key), k), "a string", value);
        continue;
      }
      out[k] = value.get<std::string>();
    }
  }

  // The list at `key`, each of its objects read by `read_one` (a T from a Json object); what is no object is
  // passed over.
  template <typename ReadOne>
  auto objects(const Json& obj, std::string_view key, const std::string& path, ReadOne read_one) {
    Json list;
    free_form(obj, key, path, list, true);
    std::vector<decltype(read_one(list))> out;
    for (const auto& item : list)
      if (item.is_object()) out.push_back(read_one(item));
    return out;
  }

  // A free-form Kubernetes sub-object: only its JSON type is checked.
  void free_form(const Json& obj, std::string_view key, const std::string& path, Json& out, bool array) {
    const Json* v = child(obj, key);
    if (v == nullptr) return;
    if (array ? !v->is_array() : !v->is_object())
      return wrong_type(join(path, key), array ? "a list" : "an object", *v);
    out = *v;
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

 private:
  static const Json* child(const Json& obj, std::string_view key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }
  void wrong_type(const std::string& path, const std::string& expected, const Json& got) {
    // YAML reads an unquoted 0012 or true as a number or a boolean.
    const bool quote_hint = expected == "a string" && (got.is_number() || got.is_boolean());
    fail(path, "expected " + expected + ", got " + type_name(got) + " " + shown(got) +
                   (quote_hint ? " (quote it in YAML)" : ""));
  }

  std::vector<FieldError>* errors_;
  bool strict_;
};

std::optional<SecretKeyRef> read_secret_ref(Reader& r, const Json& parent, std::string_view key,
                                            const std::string& path) {
  const std::string here = Reader::join(path, key);
  const Json* obj = r.object(parent, key, here, {"name", "key"});
  if (obj == nullptr) return std::nullopt;
  SecretKeyRef ref;
  r.str(*obj, "name", here, ref.name);
  r.str(*obj, "key", here, ref.key);
  return ref;
}

std::optional<DatabaseTlsSpec> read_database_tls(Reader& r, const Json& parent, const std::string& path) {
  const std::string here = Reader::join(path, "tls");
  const Json* obj = r.object(parent, "tls", here, {"caSecretRef", "caConfigMapRef", "clientCertSecretRef"});
  if (obj == nullptr) return std::nullopt;
  DatabaseTlsSpec tls;
  tls.ca_secret_ref = read_secret_ref(r, *obj, "caSecretRef", here);
  tls.ca_config_map_ref = read_secret_ref(r, *obj, "caConfigMapRef", here);
  const std::string client_path = Reader::join(here, "clientCertSecretRef");
  if (const Json* client =
          r.object(*obj, "clientCertSecretRef", client_path, {"name", "certKey", "keyKey"})) {
    ClientCertSecretRef ref;
    r.str(*client, "name", client_path, ref.name);
    r.str(*client, "certKey", client_path, ref.cert_key);
    r.str(*client, "keyKey", client_path, ref.key_key);
    tls.client_cert_secret_ref = ref;
  }
  return tls;
}

void read_database(Reader& r, const Json& spec, DatabaseSpec& db) {
  const std::string path = "spec.database";
  const Json* obj =
      r.object(spec, "database", path,
               {"urlSecretRef", "host", "port", "dbname", "user", "passwordSecretRef", "sslMode", "tls"});
  if (obj == nullptr) return;
  db.url_secret_ref = read_secret_ref(r, *obj, "urlSecretRef", path);
  r.str(*obj, "host", path, db.host);
  r.integer(*obj, "port", path, db.port);
  r.str(*obj, "dbname", path, db.dbname);
  r.str(*obj, "user", path, db.user);
  db.password_secret_ref = read_secret_ref(r, *obj, "passwordSecretRef", path);
  r.str(*obj, "sslMode", path, db.ssl_mode);
  db.tls = read_database_tls(r, *obj, path);
}

void read_migrations(Reader& r, const Json& spec, MigrationsSource& m) {
  const std::string path = "spec.migrations";
  const Json* obj = r.object(spec, "migrations", path, {"configMapRef", "image"});
  if (obj == nullptr) return;
  if (const Json* cm = r.object(*obj, "configMapRef", path + ".configMapRef", {"name"})) {
    m.config_map_ref.emplace();
    r.str(*cm, "name", path + ".configMapRef", m.config_map_ref->name);
  }
  if (const Json* image = r.object(*obj, "image", path + ".image", {"image", "path"})) {
    m.image.emplace();
    r.str(*image, "image", path + ".image", m.image->image);
    r.str(*image, "path", path + ".image", m.image->path);
  }
}

void read_runner(Reader& r, const Json& spec, RunnerSpec& runner) {
  const Json* obj = r.object(spec, "runner", "spec.runner", {"command", "readOnlyRootFilesystem"});
  if (obj == nullptr) return;
  r.boolean(*obj, "readOnlyRootFilesystem", "spec.runner", runner.read_only_root_filesystem);
  const std::string path = "spec.runner.command";
  if (const Json* cmd = r.object(*obj, "command", path, {"image", "command", "args"})) {
    runner.command.emplace();
    r.str(*cmd, "image", path, runner.command->image);
    r.strings(*cmd, "command", path, runner.command->command);
    r.strings(*cmd, "args", path, runner.command->args);
  }
}

void read_backup(Reader& r, const Json& spec, BackupSpec& backup) {
  const std::string path = "spec.backup";
  const Json* obj =
      r.object(spec, "backup", path, {"enabled", "persistentVolumeClaim", "retain", "compressLevel"});
  if (obj == nullptr) return;
  r.boolean(*obj, "enabled", path, backup.enabled);
  if (const Json* pvc =
          r.object(*obj, "persistentVolumeClaim", path + ".persistentVolumeClaim", {"claimName"})) {
    backup.persistent_volume_claim.emplace();
    r.str(*pvc, "claimName", path + ".persistentVolumeClaim", backup.persistent_volume_claim->claim_name);
  }
  r.integer(*obj, "retain", path, backup.retain);
  r.integer(*obj, "compressLevel", path, backup.compress_level);
}

void read_safety(Reader& r, const Json& spec, SafetySpec& safety) {
  const std::string path = "spec.safety";
  const Json* obj =
      r.object(spec, "safety", path,
               {"allowDowngrade", "allowDrift", "lockTimeout", "statementTimeout", "lockRetries", "lint"});
  if (obj == nullptr) return;
  r.boolean(*obj, "allowDowngrade", path, safety.allow_downgrade);
  r.boolean(*obj, "allowDrift", path, safety.allow_drift);
  r.duration(*obj, "lockTimeout", path, safety.lock_timeout);
  r.duration(*obj, "statementTimeout", path, safety.statement_timeout);
  r.integer(*obj, "lockRetries", path, safety.lock_retries);
  r.str(*obj, "lint", path, safety.lint);
}

void read_image_pull_secrets(Reader& r, const Json& job, const std::string& path,
                             std::vector<std::string>& out) {
  Json list;
  r.free_form(job, "imagePullSecrets", path, list, true);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string here = path + ".imagePullSecrets[" + std::to_string(i) + "]";
    if (!list[i].is_object()) {
      r.fail(here, "expected an object {name: ...}");
      continue;
    }
    r.check_known(list[i], here, {"name"});
    std::string name;
    r.str(list[i], "name", here, name);
    out.push_back(name);
  }
}

void read_job(Reader& r, const Json& spec, JobOverrides& job) {
  const std::string path = "spec.job";
  const Json* obj =
      r.object(spec, "job", path,
               {"image", "serviceAccountName", "priorityClassName", "resources", "nodeSelector",
                "tolerations", "affinity", "imagePullSecrets", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "labels", "annotations", "podLabels", "podAnnotations"});
  if (obj == nullptr) return;
  r.str(*obj, "image", path, job.image);
  r.str(*obj, "serviceAccountName", path, job.service_account_name);
  r.str(*obj, "priorityClassName", path, job.priority_class_name);
  r.free_form(*obj, "resources", path, job.resources, false);
  r.string_map(*obj, "nodeSelector", path, job.node_selector);
  r.free_form(*obj, "tolerations", path, job.tolerations, true);
  r.free_form(*obj, "affinity", path, job.affinity, false);
  read_image_pull_secrets(r, *obj, path, job.image_pull_secrets);
  r.integer(*obj, "activeDeadlineSeconds", path, job.active_deadline_seconds);
  r.integer(*obj, "backoffLimit", path, job.backoff_limit);
  if (std::int32_t ttl = 0; r.integer(*obj, "ttlSecondsAfterFinished", path, ttl)) {
    job.ttl_seconds_after_finished = ttl;
  }
  r.string_map(*obj, "labels", path, job.labels);
  r.string_map(*obj, "annotations", path, job.annotations);
  r.string_map(*obj, "podLabels", path, job.pod_labels);
  r.string_map(*obj, "podAnnotations", path, job.pod_annotations);
}

void read_spec(Reader& r, const Json& resource, Spec& spec) {
  const Json* obj = r.object(resource, "spec", "spec",
                             {"database", "targetRevision", "migrations", "runner", "versionTable", "backup",
                              "safety", "dryRun", "suspend", "job"});
  if (obj == nullptr) {
    r.fail("spec", "required");
    return;
  }
  read_database(r, *obj, spec.database);
  r.str(*obj, "targetRevision", "spec", spec.target_revision);
  read_migrations(r, *obj, spec.migrations);
  read_runner(r, *obj, spec.runner);
  if (const Json* vt = r.object(*obj, "versionTable", "spec.versionTable", {"schema", "name"})) {
    r.str(*vt, "schema", "spec.versionTable", spec.version_table.schema);
    r.str(*vt, "name", "spec.versionTable", spec.version_table.name);
  }
  read_backup(r, *obj, spec.backup);
  read_safety(r, *obj, spec.safety);
  r.boolean(*obj, "dryRun", "spec", spec.dry_run);
  r.boolean(*obj, "suspend", "spec", spec.suspend);
  read_job(r, *obj, spec.job);
}

void read_metadata(Reader& r, const Json& metadata, ObjectMeta& meta) {
  r.str(metadata, "namespace", "metadata", meta.ns);
  r.str(metadata, "name", "metadata", meta.name);
  r.str(metadata, "uid", "metadata", meta.uid);
  r.integer(metadata, "generation", "metadata", meta.generation);
  r.str(metadata, "resourceVersion", "metadata", meta.resource_version);
  r.string_map(metadata, "labels", "metadata", meta.labels);
  r.string_map(metadata, "annotations", "metadata", meta.annotations);
  r.str(metadata, "creationTimestamp", "metadata", meta.creation_timestamp);
  r.str(metadata, "deletionTimestamp", "metadata", meta.deletion_timestamp);
}

// Drops follow-on validation errors about a field whose reading already failed (a wrong type leaves the
// default, which validation would then report again in other words).
void merge_validation(std::vector<FieldError>& errors, std::vector<FieldError> found) {
  const std::size_t read_errors = errors.size();
  auto related = [](const std::string& a, const std::string& b) {
    return a.compare(0, b.size(), b) == 0 &&
           (a.size() == b.size() || a[b.size()] == '.' || a[b.size()] == '[');
  };
  for (auto& f : found) {
    bool follow_on = false;
    for (std::size_t i = 0; i < read_errors && !follow_on; ++i) {
      follow_on = related(errors[i].path, f.path) || related(f.path, errors[i].path);
    }
    if (!follow_on) errors.push_back(std::move(f));
  }
}

void read_progress(Reader& r, const Json& status, Status& out) {
  const Json* obj = r.object(status, "progress", "status.progress", {});
  if (obj == nullptr) return;
  Progress p;
  r.str(*obj, "revision", "", p.revision);
  r.integer(*obj, "done", "", p.done);
  r.integer(*obj, "total", "", p.total);
  r.str(*obj, "statement", "", p.running.statement);
  r.integer(*obj, "runningSeconds", "", p.running.running_seconds);
  r.str(*obj, "phase", "", p.running.phase);
  r.integer(*obj, "blocksDone", "", p.running.blocks_done);
  r.integer(*obj, "blocksTotal", "", p.running.blocks_total);
  r.integer(*obj, "tuplesDone", "", p.running.tuples_done);
  r.integer(*obj, "tuplesTotal", "", p.running.tuples_total);
  out.progress = p;
}

void read_last_run(Reader& r, const Json& status, Status& out) {
  const Json* obj = r.object(status, "lastRun", "status.lastRun", {});
  if (obj == nullptr) return;
  LastRun run;
  r.str(*obj, "startedAt", "", run.started_at);
  r.str(*obj, "finishedAt", "", run.finished_at);
  r.str(*obj, "result", "", run.result);
  r.str(*obj, "message", "", run.message);
  r.str(*obj, "revision", "", run.revision);
  r.str(*obj, "sqlstate", "", run.sqlstate);
  run.steps = r.objects(*obj, "steps", "", [&r](const Json& s) {
    RunStep step;
    r.str(s, "revision", "", step.revision);
    r.str(s, "direction", "", step.direction);
    r.integer(s, "durationMs", "", step.duration_ms);
    return step;
  });
  out.last_run = std::move(run);
}

void read_last_backup(Reader& r, const Json& status, Status& out) {
  const Json* obj = r.object(status, "lastBackup", "status.lastBackup", {});
  if (obj == nullptr) return;
  LastBackup b;
  r.str(*obj, "file", "", b.file);
  r.integer(*obj, "sizeBytes", "", b.size_bytes);
  r.str(*obj, "sha256", "", b.sha256);
  r.str(*obj, "startedAt", "", b.started_at);
  r.str(*obj, "finishedAt", "", b.finished_at);
  r.str(*obj, "revision", "", b.revision);
  out.last_backup = std::move(b);
}

void read_lint(Reader& r, const Json& status, Status& out) {
  const Json* obj = r.object(status, "lint", "status.lint", {});
  if (obj == nullptr) return;
  LintStatus l;
  r.str(*obj, "planHash", "", l.plan_hash);
  r.integer(*obj, "total", "", l.total);
  l.findings = r.objects(*obj, "findings", "", [&r](const Json& f) {
    LintFinding one;
    r.str(f, "rule", "", one.rule);
    r.str(f, "severity", "", one.severity);
    r.str(f, "revision", "", one.revision);
    r.integer(f, "line", "", one.line);
    r.str(f, "message", "", one.message);
    return one;
  });
  out.lint = std::move(l);
}

void read_conditions(Reader& r, const Json& status, Status& out) {
  out.conditions = r.objects(status, "conditions", "", [&r](const Json& c) {
    Condition condition;
    r.str(c, "type", "", condition.type);
    r.str(c, "status", "", condition.status);
    r.str(c, "reason", "", condition.reason);
    r.str(c, "message", "", condition.message);
    r.str(c, "lastTransitionTime", "", condition.last_transition_time);
    r.integer(c, "observedGeneration", "", condition.observed_generation);
    return condition;
  });
  std::erase_if(out.conditions, [](const Condition& c) { return c.type.empty(); });
}

}  // namespace

Status parse_status(const Json& status) {
  Status out;
  if (!status.is_object()) return out;
  Reader r(nullptr, false);
  r.integer(status, "observedGeneration", "", out.observed_generation);
  std::string phase;
  r.str(status, "phase", "", phase);
  out.phase = parse_phase(phase);
  r.strings(status, "currentHeads", "", out.current_heads);
  r.strings(status, "targetHeads", "", out.target_heads);
  r.strings(status, "pendingRevisions", "", out.pending_revisions);
  read_progress(r, status, out);
  read_last_run(r, status, out);
  read_last_backup(r, status, out);
  read_lint(r, status, out);
  r.str(status, "activeJob", "", out.active_job);
  r.str(status, "dryRunConfigMap", "", out.dry_run_config_map);
  r.str(status, "failedPlanHash", "", out.failed_plan_hash);
  r.str(status, "appliedPlanHash", "", out.applied_plan_hash);
  r.str(status, "lastRetryToken", "", out.last_retry_token);
  read_conditions(r, status, out);
  return out;
}

ParseOutcome read_postgres_migration(const Json& object) {
  ParseOutcome out;
  if (!object.is_object()) {
    out.errors.push_back({"", "expected a PostgresMigration object, got " + type_name(object)});
    return out;
  }
  Reader r(&out.errors, true);
  r.str(object, "apiVersion", "", out.resource.api_version);
  r.str(object, "kind", "", out.resource.kind);
  if (out.resource.api_version != kApiVersion) {
    r.fail("apiVersion",
           "expected " + std::string(kApiVersion) + ", got \"" + out.resource.api_version + "\"");
  }
  if (out.resource.kind != kKind)
    r.fail("kind", "expected " + std::string(kKind) + ", got \"" + out.resource.kind + "\"");
  r.check_known(object, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  Reader lenient(&out.errors, false);
  if (const Json* meta = lenient.object(object, "metadata", "metadata", {})) {
    read_metadata(lenient, *meta, out.resource.metadata);
  }
  read_spec(r, object, out.resource.spec);
  if (object.contains("status") && object["status"].is_object())
    out.resource.status = parse_status(object["status"]);
  merge_validation(out.errors, validate(out.resource));
  return out;
}

PostgresMigration parse_postgres_migration(const Json& object) {
  ParseOutcome outcome = read_postgres_migration(object);
  if (!outcome.ok()) throw ValidationError(std::move(outcome.errors));
  return std::move(outcome.resource);
}

ObjectMeta parse_metadata(const Json& metadata) {
  ObjectMeta meta;
  if (!metadata.is_object()) return meta;
  Reader r(nullptr, false);
  read_metadata(r, metadata, meta);
  return meta;
}

}  // namespace pgrevise::api
