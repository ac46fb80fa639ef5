#include "specs/jobs.h"

#include <initializer_list>
#include <vector>

#include "common/duration.h"
#include "common/error.h"
#include "specs/database_tls.h"
#include "specs/pod.h"

namespace pgrevise::specs {

namespace {

// What differs between the three Jobs; assemble_job() adds everything they share.
struct JobParts {
  JobKind kind;
  Json container;
  Json volumes = Json::array();  // besides /tmp
  // Exit codes on which retrying cannot help, so the Job fails at once (podFailurePolicy FailJob).
  std::vector<int> fail_job_exit_codes;
};

std::string version_table_flag(const api::VersionTableSpec& table) {
  return table.schema + "." + table.name;
}

Json volume_mount(std::string_view volume, std::string_view path, bool read_only) {
  Json m = {{"name", volume}, {"mountPath", path}};
  if (read_only) m["readOnly"] = true;
  return m;
}

Json tmp_volume() {
  return {{"name", kTmpVolume}, {"emptyDir", Json::object()}};
}

// A container with the environment every Job gets: the connection, the target, and a writable HOME (the root
// filesystem is read-only).
Json base_container(JobKind kind, const std::string& image, const api::PostgresMigration& resource,
                    const OperatorSettings& settings, const RunInputs& inputs) {
  Json env = database_env(resource.spec.database);
  for (const Json& e : database_tls_env(resource.spec.database)) env.push_back(e);
  env.push_back(env_value("PGREVISE_TARGET", effective_target(resource, inputs)));
  env.push_back(env_value("HOME", std::string(kTmpMountPath)));
  Json c = {{"name", main_container_name(kind)},
            {"image", image},
            {"env", env},
            {"volumeMounts", Json::array({volume_mount(kTmpVolume, kTmpMountPath, false)})},
            {"securityContext", container_security_context(settings)},
            {"terminationMessagePath", kTerminationLogPath},
            {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  for (const Json& m : database_tls_mounts(resource.spec.database)) c["volumeMounts"].push_back(m);
  if (!settings.image_pull_policy.empty()) c["imagePullPolicy"] = settings.image_pull_policy;
  if (Json r = container_resources(resource.spec.job, settings); !r.is_null()) c["resources"] = r;
  return c;
}

// The migrations volume, mounted read-only into the container.
void add_migrations(JobParts& parts, const api::PostgresMigration& resource, const RunInputs& inputs) {
  parts.volumes.push_back(migrations_volume(resource.spec.migrations, inputs.migration_keys));
  parts.container["volumeMounts"].push_back(volume_mount(kMigrationsVolume, kMigrationsMountPath, true));
}

Json pod_failure_policy(const JobParts& parts) {
  return {
      {"rules",
       {{{"action", "FailJob"},
         {"onExitCodes",
          {{"containerName", parts.container["name"]},
           {"operator", "In"},
           {"values", parts.fail_job_exit_codes}}}},
        // An evicted or preempted Pod is not the run's fault and does not count against backoffLimit.
        {{"action", "Ignore"}, {"onPodConditions", {{{"type", "DisruptionTarget"}, {"status", "True"}}}}}}}};
}

Json owner_reference(const api::PostgresMigration& resource) {
  return {{"apiVersion", resource.api_version}, {"kind", resource.kind}, {"name", resource.metadata.name},
          {"uid", resource.metadata.uid},       {"controller", true},    {"blockOwnerDeletion", true}};
}

// The resource's spec.job.labels and annotations with the operator's own over them (validation refuses a key
// of theirs; should one come through, ours win: the controller selects and reads its Jobs by them).
Json job_metadata(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs) {
  const std::string hash = plan_hash(resource, kind, inputs);
  Json labels = resource.spec.job.labels;
  for (const auto& [k, v] : job_labels(resource, kind)) labels[k] = v;
  labels[std::string(kPlanHashLabel)] = hash.substr(0, kNameHashLength);
  Json annotations = resource.spec.job.annotations;
  const Json ours = {{kTargetAnnotation, effective_target(resource, inputs)},
                     {kDirectionAnnotation, to_string(inputs.direction)},
                     {kPlanHashAnnotation, hash},
                     {kMigrationsDigestAnnotation, inputs.migrations_digest},
                     {kRetryTokenAnnotation, retry_token(resource)}};
  annotations.update(ours);
  return {{"name", job_name(resource.metadata.name, kind, hash)},
          {"namespace", resource.metadata.ns},
          {"labels", labels},
          {"annotations", annotations},
          {"ownerReferences", Json::array({owner_reference(resource)})}};
}

// Pod metadata: spec.job.labels and annotations, podLabels and podAnnotations over them, ours over all.
Json pod_metadata(const api::PostgresMigration& resource, const JobParts& parts) {
  const api::JobOverrides& overrides = resource.spec.job;
  Json labels = overrides.labels;
  labels.update(Json(overrides.pod_labels));
  for (const auto& [k, v] : job_labels(resource, parts.kind)) labels[k] = v;  // ours win: they select
  Json annotations = overrides.annotations;
  annotations.update(Json(overrides.pod_annotations));
  if (!annotations.contains(std::string(kDefaultContainerAnnotation)))
    annotations[std::string(kDefaultContainerAnnotation)] = parts.container["name"];
  return {{"labels", labels}, {"annotations", annotations}};
}

Json pod_template(const api::PostgresMigration& resource, const OperatorSettings& settings, JobParts& parts) {
  const api::JobOverrides& overrides = resource.spec.job;
  Json metadata = pod_metadata(resource, parts);

  parts.volumes.push_back(tmp_volume());
  for (const Json& v : database_tls_volumes(resource.spec.database)) parts.volumes.push_back(v);
  Json spec = {{"restartPolicy", "Never"},
               {"automountServiceAccountToken", false},  // the runner never talks to the API server
               {"enableServiceLinks", false},
               {"securityContext", pod_security_context(settings)},
               {"containers", Json::array({parts.container})},
               {"volumes", parts.volumes}};
  if (Json init = copy_migrations_container(resource.spec.migrations, overrides, settings);
      !init.is_null() && parts.kind != JobKind::kBackup) {
    spec["initContainers"] = Json::array({init});
  }
  apply_pod_overrides(spec, overrides, settings);
  return {{"metadata", metadata}, {"spec", spec}};
}

Json assemble_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                  const RunInputs& inputs, JobParts parts) {
  const api::JobOverrides& overrides = resource.spec.job;
  Json spec = {
      {"backoffLimit", std::max<std::int32_t>(overrides.backoff_limit, 0)},
      {"activeDeadlineSeconds", overrides.active_deadline_seconds > 0 ? overrides.active_deadline_seconds
                                                                      : api::kDefaultActiveDeadlineSeconds},
      {"podFailurePolicy", pod_failure_policy(parts)}};
  if (overrides.ttl_seconds_after_finished)
    spec["ttlSecondsAfterFinished"] = *overrides.ttl_seconds_after_finished;
  spec["template"] = pod_template(resource, settings, parts);
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", job_metadata(resource, parts.kind, inputs)},
          {"spec", spec}};
}

std::string backup_claim(const api::PostgresMigration& resource, const OperatorSettings& settings) {
  const auto& claim = resource.spec.backup.persistent_volume_claim;
  if (claim && !claim->claim_name.empty()) return claim->claim_name;
  if (!settings.default_backup_claim_name.empty()) return settings.default_backup_claim_name;
  throw_bad_input("spec.backup.persistentVolumeClaim: PostgresMigration " + resource.metadata.ns + "/" +
                  resource.metadata.name +
                  " takes backups but names no claim to keep them in, and the operator has no default claim");
}

// pg_dump is given most of the Job's deadline, so that on a timeout `pgrevise backup` removes its partial
// archive and reports, rather than being killed mid-write.
std::string backup_timeout(const api::JobOverrides& overrides) {
  const std::int64_t deadline = overrides.active_deadline_seconds > 0 ? overrides.active_deadline_seconds
                                                                      : api::kDefaultActiveDeadlineSeconds;
  return std::to_string(std::max<std::int64_t>(deadline * 9 / 10, 1)) + "s";
}

// The arguments of a runner Job: `command` (the subcommand and its own flags), what every runner Job passes
// (migrations folder, version table), `flags`, the log level and report file, then the target after "--", so
// that a target such as -1 is never read as a flag.
Json runner_args(Json command, const Json& flags, const api::PostgresMigration& resource,
                 const OperatorSettings& settings, const RunInputs& inputs) {
  const Json common = {"--dir", kMigrationsMountPath, "--version-table",
                       version_table_flag(resource.spec.version_table)};
  Json tail = {"--log-level", settings.runner_log_level, "--report", kTerminationLogPath};
  tail.push_back("--");
  tail.push_back(effective_target(resource, inputs));
  for (const Json* part : std::initializer_list<const Json*>{&common, &flags, &tail})
    command.insert(command.end(), part->begin(), part->end());
  return command;
}

Json builtin_migrate_args(const api::PostgresMigration& resource, const OperatorSettings& settings,
                          const RunInputs& inputs) {
  const api::SafetySpec& safety = resource.spec.safety;
  // `sync` runs the plan the controller made (revision::plan_to_target), including a move across branches
  // that reverts some revisions and applies others; without allowDowngrade the runner refuses any reverting
  // step, even one that only an out-of-band change to the database made necessary.
  Json command = {"migrate", "sync"};
  if (safety.allow_downgrade) command.push_back("--allow-downgrade");
  if (safety.allow_drift) command.push_back("--allow-drift");
  const Json flags = {"--lock-wait",         settings.lock_wait,
                      "--lock-timeout",      format_duration(safety.lock_timeout),
                      "--statement-timeout", format_duration(safety.statement_timeout),
                      "--lock-retries",      std::to_string(safety.lock_retries)};
  return runner_args(std::move(command), flags, resource, settings, inputs);
}

// The team's own runner: its image, command and args; Kubernetes expands $(PGREVISE_TARGET) in them.
Json command_runner_container(const api::PostgresMigration& resource, const OperatorSettings& settings,
                              const RunInputs& inputs) {
  const api::CommandRunner& runner = *resource.spec.runner.command;
  const std::string image = runner.image.empty() ? runner_image(resource.spec.job, settings) : runner.image;
  Json c = base_container(JobKind::kMigrate, image, resource, settings, inputs);
  if (!runner.command.empty()) c["command"] = runner.command;
  if (!runner.args.empty()) c["args"] = runner.args;
  c["env"].push_back(env_value("PGREVISE_DIRECTION", to_string(inputs.direction)));
  c["env"].push_back(env_value("PGREVISE_MIGRATIONS_DIR", std::string(kMigrationsMountPath)));
  c["env"].push_back(env_value("PGREVISE_VERSION_TABLE", version_table_flag(resource.spec.version_table)));
  // Some tools write into their own install folder; the team may opt out of the read-only root for theirs.
  if (!resource.spec.runner.read_only_root_filesystem) c["securityContext"]["readOnlyRootFilesystem"] = false;
  return c;
}

}  // namespace

std::string_view main_container_name(JobKind kind) {
  return to_string(kind);
}

std::optional<JobKind> job_kind_of(const Json& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return std::nullopt;
  const auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return std::nullopt;
  const auto component = labels->find(std::string(kComponentLabel));
  if (component == labels->end() || !component->is_string()) return std::nullopt;
  return kJobKindNames.parse(component->get_ref<const std::string&>());
}

std::map<std::string, std::string> job_selector(const api::PostgresMigration& resource) {
  return {{std::string(kManagedByLabel), std::string(kAppName)},
          {std::string(kResourceLabel), label_value(resource.metadata.name)}};
}

std::string managed_jobs_selector() {
  return std::string(kManagedByLabel) + "=" + std::string(kAppName);
}

std::string resource_jobs_selector(std::string_view resource_label) {
  return std::string(kResourceLabel) + "=" + std::string(resource_label);
}

std::map<std::string, std::string> job_labels(const api::PostgresMigration& resource, JobKind kind) {
  auto labels = job_selector(resource);
  labels[std::string(kNameLabel)] = kAppName;
  labels[std::string(kInstanceLabel)] = label_value(resource.metadata.name);
  labels[std::string(kComponentLabel)] = to_string(kind);
  return labels;
}

Json build_backup_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                      const RunInputs& inputs) {
  const api::BackupSpec& backup = resource.spec.backup;
  JobParts parts{JobKind::kBackup, base_container(JobKind::kBackup, runner_image(resource.spec.job, settings),
                                                  resource, settings, inputs)};
  parts.container["command"] = {"pgrevise"};
  parts.container["args"] = {"backup",
                             "--out",
                             settings.backup_mount_path,
                             "--retain",
                             std::to_string(backup.retain),
                             "--compress",
                             std::to_string(backup.compress_level),
                             "--version-table",
                             version_table_flag(resource.spec.version_table),
                             "--timeout",
                             backup_timeout(resource.spec.job),
                             "--report",
                             kTerminationLogPath};
  parts.volumes.push_back({{"name", kBackupsVolume},
                           {"persistentVolumeClaim", {{"claimName", backup_claim(resource, settings)}}}});
  parts.container["volumeMounts"].push_back(volume_mount(kBackupsVolume, settings.backup_mount_path, false));
  parts.fail_job_exit_codes = {kRunnerExitBadInput};
  return assemble_job(resource, settings, inputs, std::move(parts));
}

Json build_migrate_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                       const RunInputs& inputs) {
  JobParts parts{JobKind::kMigrate, Json()};
  if (resource.spec.runner.builtin()) {
    parts.container = base_container(JobKind::kMigrate, runner_image(resource.spec.job, settings), resource,
                                     settings, inputs);
    parts.container["command"] = {"pgrevise"};
    parts.container["args"] = builtin_migrate_args(resource, settings, inputs);
    // A revision the database refused fails the same way again; only lock and connection trouble may
    // be worth the retries backoffLimit allows.
    parts.fail_job_exit_codes = {kRunnerExitFailed, kRunnerExitBadInput};
  } else {
    parts.container = command_runner_container(resource, settings, inputs);
    parts.fail_job_exit_codes = {kRunnerExitBadInput};
  }
  add_migrations(parts, resource, inputs);
  return assemble_job(resource, settings, inputs, std::move(parts));
}

Json build_plan_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                    const RunInputs& inputs) {
  JobParts parts{JobKind::kPlan, base_container(JobKind::kPlan, runner_image(resource.spec.job, settings),
                                                resource, settings, inputs)};
  Json command = {"migrate", "plan", "--sql"};
  if (inputs.direction == Direction::kDowngrade) command.push_back("--downgrade");
  parts.container["command"] = {"pgrevise"};
  parts.container["args"] = runner_args(std::move(command), Json::array(), resource, settings, inputs);
  parts.fail_job_exit_codes = {kRunnerExitFailed, kRunnerExitBadInput};
  add_migrations(parts, resource, inputs);
  return assemble_job(resource, settings, inputs, std::move(parts));
}

Json build_job(JobKind kind, const api::PostgresMigration& resource, const OperatorSettings& settings,
               const RunInputs& inputs) {
  switch (kind) {
    case JobKind::kBackup:
      return build_backup_job(resource, settings, inputs);
    case JobKind::kMigrate:
      return build_migrate_job(resource, settings, inputs);
    case JobKind::kPlan:
      break;
  }
  return build_plan_job(resource, settings, inputs);
}

}  // namespace pgrevise::specs
