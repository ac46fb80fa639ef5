#include "api/json.h"
#include "common/duration.h"

namespace pgrevise::api {
namespace {

void put(Json& obj, const char* key, const std::string& value) {
  if (!value.empty()) obj[key] = value;
}
void put(Json& obj, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) obj[key] = values;
}
void put(Json& obj, const char* key, const std::map<std::string, std::string>& values) {
  if (!values.empty()) obj[key] = values;
}
void put(Json& obj, const char* key, const Json& value) {
  if (!value.is_null() && !value.empty()) obj[key] = value;
}

Json secret_ref(const SecretKeyRef& ref) {
  return Json{{"name", ref.name}, {"key", ref.key}};
}

Json database_tls_json(const DatabaseTlsSpec& tls) {
  Json out = Json::object();
  if (tls.ca_secret_ref) out["caSecretRef"] = secret_ref(*tls.ca_secret_ref);
  if (tls.ca_config_map_ref) out["caConfigMapRef"] = secret_ref(*tls.ca_config_map_ref);
  if (const auto& c = tls.client_cert_secret_ref) {
    out["clientCertSecretRef"] = Json{{"name", c->name}, {"certKey", c->cert_key}, {"keyKey", c->key_key}};
  }
  return out;
}

Json database_json(const DatabaseSpec& db) {
  Json out = Json::object();
  if (db.url_secret_ref) out["urlSecretRef"] = secret_ref(*db.url_secret_ref);
  put(out, "host", db.host);
  if (!db.host.empty() || db.port != kDefaultPort) out["port"] = db.port;
  put(out, "dbname", db.dbname);
  put(out, "user", db.user);
  if (db.password_secret_ref) out["passwordSecretRef"] = secret_ref(*db.password_secret_ref);
  put(out, "sslMode", db.ssl_mode);
  if (db.tls) out["tls"] = database_tls_json(*db.tls);
  return out;
}

Json migrations_json(const MigrationsSource& m) {
  Json out = Json::object();
  if (m.config_map_ref) out["configMapRef"] = Json{{"name", m.config_map_ref->name}};
  if (m.image) out["image"] = Json{{"image", m.image->image}, {"path", m.image->path}};
  return out;
}

Json runner_json(const RunnerSpec& runner) {
  Json out = Json::object();
  if (runner.command) {
    Json cmd = Json::object();
    put(cmd, "image", runner.command->image);
    put(cmd, "command", runner.command->command);
    put(cmd, "args", runner.command->args);
    out["command"] = cmd;
  }
  if (!runner.read_only_root_filesystem) out["readOnlyRootFilesystem"] = false;
  return out;
}

Json backup_json(const BackupSpec& b) {
  Json out{{"enabled", b.enabled}, {"retain", b.retain}, {"compressLevel", b.compress_level}};
  if (b.persistent_volume_claim)
    out["persistentVolumeClaim"] = Json{{"claimName", b.persistent_volume_claim->claim_name}};
  return out;
}

Json safety_json(const SafetySpec& s) {
  return Json{{"allowDowngrade", s.allow_downgrade},
              {"allowDrift", s.allow_drift},
              {"lockTimeout", format_duration(s.lock_timeout)},
              {"statementTimeout", format_duration(s.statement_timeout)},
              {"lockRetries", s.lock_retries},
              {"lint", s.lint}};
}

Json job_json(const JobOverrides& job) {
  Json out = Json::object();
  put(out, "image", job.image);
  put(out, "serviceAccountName", job.service_account_name);
  put(out, "priorityClassName", job.priority_class_name);
  put(out, "resources", job.resources);
  put(out, "nodeSelector", job.node_selector);
  put(out, "tolerations", job.tolerations);
  put(out, "affinity", job.affinity);
  if (!job.image_pull_secrets.empty()) {
    Json secrets = Json::array();
    for (const auto& name : job.image_pull_secrets) secrets.push_back(Json{{"name", name}});
    out["imagePullSecrets"] = secrets;
  }
  out["activeDeadlineSeconds"] = job.active_deadline_seconds;
  out["backoffLimit"] = job.backoff_limit;
  if (job.ttl_seconds_after_finished) out["ttlSecondsAfterFinished"] = *job.ttl_seconds_after_finished;
  put(out, "labels", job.labels);
  put(out, "annotations", job.annotations);
  put(out, "podLabels", job.pod_labels);
  put(out, "podAnnotations", job.pod_annotations);
  return out;
}

Json last_run_json(const LastRun& run) {
  Json out = Json::object();
  put(out, "startedAt", run.started_at);
  put(out, "finishedAt", run.finished_at);
  put(out, "result", run.result);
  if (!run.steps.empty()) {
    Json steps = Json::array();
    for (const auto& s : run.steps) {
      steps.push_back(
          Json{{"revision", s.revision}, {"direction", s.direction}, {"durationMs", s.duration_ms}});
    }
    out["steps"] = steps;
  }
  put(out, "message", run.message);
  put(out, "revision", run.revision);
  put(out, "sqlstate", run.sqlstate);
  return out;
}

Json last_backup_json(const LastBackup& b) {
  Json out = Json::object();
  put(out, "file", b.file);
  out["sizeBytes"] = b.size_bytes;
  put(out, "sha256", b.sha256);
  put(out, "startedAt", b.started_at);
  put(out, "finishedAt", b.finished_at);
  put(out, "revision", b.revision);
  return out;
}

Json progress_json(const Progress& p) {
  Json out{{"done", p.done}, {"total", p.total}};
  put(out, "revision", p.revision);
  const StatementActivity& s = p.running;
  if (s.statement.empty()) return out;
  out["statement"] = s.statement;
  out["runningSeconds"] = s.running_seconds;
  if (s.phase.empty()) return out;
  out["phase"] = s.phase;
  out["blocksDone"] = s.blocks_done;
  out["blocksTotal"] = s.blocks_total;
  out["tuplesDone"] = s.tuples_done;
  out["tuplesTotal"] = s.tuples_total;
  return out;
}

Json lint_json(const LintStatus& l) {
  Json findings = Json::array();
  for (const auto& f : l.findings) {
    Json one{{"rule", f.rule}, {"severity", f.severity}, {"line", f.line}, {"message", f.message}};
    put(one, "revision", f.revision);
    findings.push_back(std::move(one));
  }
  return Json{{"planHash", l.plan_hash}, {"total", l.total}, {"findings", std::move(findings)}};
}

// Every field a status can have, with the nested objects' fields, so a merge patch can clear what is gone.
const std::vector<std::string> kStatusFields = {
    "observedGeneration", "phase",           "currentHeads",   "targetHeads", "pendingRevisions",
    "progress",           "lastRun",         "lastBackup",     "activeJob",   "dryRunConfigMap",
    "failedPlanHash",     "appliedPlanHash", "lastRetryToken", "conditions",  "lint"};
const std::map<std::string, std::vector<std::string>> kNestedStatusFields = {
    {"progress",
     {"revision", "done", "total", "statement", "runningSeconds", "phase", "blocksDone", "blocksTotal",
      "tuplesDone", "tuplesTotal"}},
    {"lastRun", {"startedAt", "finishedAt", "result", "steps", "message", "revision", "sqlstate"}},
    {"lastBackup", {"file", "sizeBytes", "sha256", "startedAt", "finishedAt", "revision"}},
    {"lint", {"planHash", "total", "findings"}},
};

}  // namespace

Json to_json(const Spec& spec) {
  Json out = Json::object();
  out["database"] = database_json(spec.database);
  out["targetRevision"] = spec.target_revision;
  out["migrations"] = migrations_json(spec.migrations);
  out["runner"] = runner_json(spec.runner);
  out["versionTable"] = Json{{"schema", spec.version_table.schema}, {"name", spec.version_table.name}};
  out["backup"] = backup_json(spec.backup);
  out["safety"] = safety_json(spec.safety);
  out["dryRun"] = spec.dry_run;
  out["suspend"] = spec.suspend;
  out["job"] = job_json(spec.job);
  return out;
}

Json to_json(const Condition& c) {
  Json out{{"type", c.type}, {"status", c.status}};
  put(out, "reason", c.reason);
  put(out, "message", c.message);
  put(out, "lastTransitionTime", c.last_transition_time);
  out["observedGeneration"] = c.observed_generation;
  return out;
}

Json to_json(const Status& status) {
  Json out = Json::object();
  if (status.observed_generation != 0) out["observedGeneration"] = status.observed_generation;
  if (status.phase) out["phase"] = std::string(to_string(*status.phase));
  put(out, "currentHeads", status.current_heads);
  put(out, "targetHeads", status.target_heads);
  put(out, "pendingRevisions", status.pending_revisions);
  if (status.progress) out["progress"] = progress_json(*status.progress);
  if (status.last_run) out["lastRun"] = last_run_json(*status.last_run);
  if (status.last_backup) out["lastBackup"] = last_backup_json(*status.last_backup);
  if (status.lint) out["lint"] = lint_json(*status.lint);
  put(out, "activeJob", status.active_job);
  put(out, "dryRunConfigMap", status.dry_run_config_map);
  put(out, "failedPlanHash", status.failed_plan_hash);
  put(out, "appliedPlanHash", status.applied_plan_hash);
  put(out, "lastRetryToken", status.last_retry_token);
  if (!status.conditions.empty()) {
    Json conditions = Json::array();
    for (const auto& c : status.conditions) conditions.push_back(to_json(c));
    out["conditions"] = conditions;
  }
  return out;
}

Json to_json(const ObjectMeta& m) {
  Json out = Json::object();
  put(out, "namespace", m.ns);
  put(out, "name", m.name);
  put(out, "uid", m.uid);
  if (m.generation != 0) out["generation"] = m.generation;
  put(out, "resourceVersion", m.resource_version);
  put(out, "labels", m.labels);
  put(out, "annotations", m.annotations);
  put(out, "creationTimestamp", m.creation_timestamp);
  put(out, "deletionTimestamp", m.deletion_timestamp);
  return out;
}

Json to_json(const PostgresMigration& resource) {
  Json out{{"apiVersion", resource.api_version},
           {"kind", resource.kind},
           {"metadata", to_json(resource.metadata)},
           {"spec", to_json(resource.spec)}};
  Json status = to_json(resource.status);
  if (!status.empty()) out["status"] = status;
  return out;
}

Json with_status(Json object, const Status& status) {
  object["status"] = to_json(status);
  return object;
}

Json status_merge_patch(const Status& status) {
  Json body = to_json(status);
  for (const auto& field : kStatusFields) {
    if (!body.contains(field)) body[field] = nullptr;
  }
  for (const auto& [field, nested] : kNestedStatusFields) {
    if (!body[field].is_object()) continue;
    for (const auto& key : nested) {
      if (!body[field].contains(key)) body[field][key] = nullptr;
    }
  }
  return Json{{"status", body}};
}

}  // namespace pgrevise::api
