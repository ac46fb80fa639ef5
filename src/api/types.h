#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/phase.h"

// The PostgresMigration custom resource (pgrevise.dev/v1alpha1) as plain values. The field names follow the
// CRD (crds/postgresmigrations.pgrevise.dev.yaml) in snake_case; defaults here are the CRD's defaults, so a
// resource parsed from JSON that the API server never defaulted (a file on a laptop) behaves the same.
namespace pgrevise::api {

using Json = nlohmann::json;

inline constexpr std::string_view kGroup = "pgrevise.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "pgrevise.dev/v1alpha1";
inline constexpr std::string_view kKind = "PostgresMigration";
inline constexpr std::string_view kPlural = "postgresmigrations";
inline constexpr std::string_view kSingular = "postgresmigration";
inline constexpr std::string_view kShortName = "pgm";
// Annotation whose value, when changed, allows a failed plan to run again without a spec change.
inline constexpr std::string_view kRetryAnnotation = "pgrevise.dev/retry";

// Defaults (the CRD declares the same values).
inline constexpr std::string_view kDefaultVersionTableSchema = "public";
inline constexpr std::string_view kDefaultVersionTableName = "alembic_version";
inline constexpr std::string_view kDefaultImageMigrationsPath = "/migrations";
inline constexpr int kDefaultPort = 5432;
inline constexpr int kDefaultBackupRetain = 5;
inline constexpr int kDefaultCompressLevel = 1;
inline constexpr std::chrono::milliseconds kDefaultLockTimeout{5000};
inline constexpr std::chrono::milliseconds kDefaultStatementTimeout{0};  // 0: no statement timeout
inline constexpr int kDefaultLockRetries = 5;
inline constexpr std::int64_t kDefaultActiveDeadlineSeconds = 3600;
// A failed migration is not retried by the Job controller: re-running the same failing revision rarely helps
// and a half-applied non-transactional revision needs a person. Retries are explicit (the retry annotation).
inline constexpr std::int32_t kDefaultBackoffLimit = 0;

// The subset of Kubernetes ObjectMeta the operator reads. Timestamps are RFC 3339 strings, empty when unset.
struct ObjectMeta {
  std::string ns;  // metadata.namespace
  std::string name;
  std::string uid;
  std::int64_t generation = 0;
  std::string resource_version;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string creation_timestamp;
  std::string deletion_timestamp;
  bool operator==(const ObjectMeta&) const = default;
};

struct SecretKeyRef {
  std::string name;
  std::string key;
  bool operator==(const SecretKeyRef&) const = default;
};

// A client certificate and its private key, from one Secret (by default a kubernetes.io/tls Secret's keys).
struct ClientCertSecretRef {
  std::string name;
  std::string cert_key = "tls.crt";
  std::string key_key = "tls.key";
  bool operator==(const ClientCertSecretRef&) const = default;
};

// TLS material for the database connection: the CA that signed the server's certificate (from a Secret or a
// ConfigMap, one of them), and optionally a client certificate. Used with sslMode verify-ca / verify-full;
// the files are mounted into the Jobs and given to libpq by path, never by value.
struct DatabaseTlsSpec {
  std::optional<SecretKeyRef> ca_secret_ref;
  std::optional<SecretKeyRef> ca_config_map_ref;  // a ConfigMap's name and key
  std::optional<ClientCertSecretRef> client_cert_secret_ref;
  bool operator==(const DatabaseTlsSpec&) const = default;
};

// Exactly one of url_secret_ref or host is set (validated). With host, the password comes from
// password_secret_ref; the Secret value never appears in the spec, status, Job args or logs.
struct DatabaseSpec {
  std::optional<SecretKeyRef> url_secret_ref;
  std::string host;
  int port = kDefaultPort;
  std::string dbname;
  std::string user;
  std::optional<SecretKeyRef> password_secret_ref;
  std::string
      ssl_mode;  // "" (libpq's default) | disable | allow | prefer | require | verify-ca | verify-full
  std::optional<DatabaseTlsSpec> tls;
  bool operator==(const DatabaseSpec&) const = default;
};

struct ConfigMapRef {
  std::string name;
  bool operator==(const ConfigMapRef&) const = default;
};

// Migrations shipped inside an image; an init container copies `path` out of it.
struct ImageMigrations {
  std::string image;
  std::string path = std::string(kDefaultImageMigrationsPath);
  bool operator==(const ImageMigrations&) const = default;
};

// Exactly one of config_map_ref or image is set (validated).
struct MigrationsSource {
  std::optional<ConfigMapRef> config_map_ref;
  std::optional<ImageMigrations> image;
  bool operator==(const MigrationsSource&) const = default;
};

// The team's own runner (e.g. alembic) in its own image. $(PGREVISE_TARGET) and the other PGREVISE_*
// variables are expanded by Kubernetes in command and args.
struct CommandRunner {
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  bool operator==(const CommandRunner&) const = default;
};

struct RunnerSpec {
  std::optional<CommandRunner> command;  // nullopt: the builtin runner (`pgrevise migrate`)
  // false (only with `command`, validated): the team's image runs with a writable root filesystem, for tools
  // that write into their own install folder. The builtin runner's root filesystem is always read-only.
  bool read_only_root_filesystem = true;
  bool builtin() const { return !command.has_value(); }
  bool operator==(const RunnerSpec&) const = default;
};

struct VersionTableSpec {
  std::string schema = std::string(kDefaultVersionTableSchema);
  std::string name = std::string(kDefaultVersionTableName);
  bool operator==(const VersionTableSpec&) const = default;
};

struct PersistentVolumeClaimRef {
  std::string claim_name;
  bool operator==(const PersistentVolumeClaimRef&) const = default;
};

struct BackupSpec {
  bool enabled = true;
  // Where backups are kept. Optional in the schema; without it the Job builders decide (see specs/).
  std::optional<PersistentVolumeClaimRef> persistent_volume_claim;
  int retain = kDefaultBackupRetain;           // backups kept per database (1..1000)
  int compress_level = kDefaultCompressLevel;  // pg_dump -Z (0..9)
  bool operator==(const BackupSpec&) const = default;
};

inline constexpr std::string_view kLintOff = "off";
inline constexpr std::string_view kLintWarn = "warn";
inline constexpr std::string_view kLintBlock = "block";
// The annotation that approves a plan the lint gate blocked: its value is the plan's hash.
inline constexpr std::string_view kApproveAnnotation = "pgrevise.dev/approve";

struct SafetySpec {
  bool allow_downgrade = false;
  bool allow_drift = false;  // migrate although an applied revision's file changed (`--allow-drift`)
  // The safety analysis before a run (docs/safety.md): kLintOff, kLintWarn (findings in status, an event and
  // a metric) or kLintBlock (an error-level finding stops the run until the plan is approved).
  std::string lint = std::string(kLintWarn);
  std::chrono::milliseconds lock_timeout = kDefaultLockTimeout;
  std::chrono::milliseconds statement_timeout = kDefaultStatementTimeout;
  int lock_retries = kDefaultLockRetries;
  bool operator==(const SafetySpec&) const = default;
};

// Overrides applied to every Job the operator creates for this resource. Free-form Kubernetes sub-objects
// (resources, tolerations, affinity) are kept as JSON and copied into the Pod spec as they are; null: unset.
struct JobOverrides {
  std::string image;  // the runner image; "" = the operator's --runner-image
  std::string service_account_name;
  std::string priority_class_name;
  Json resources;  // core/v1 ResourceRequirements; unset: the operator's default (--job-resources)
  std::map<std::string, std::string> node_selector;
  Json tolerations;                             // []core/v1 Toleration
  Json affinity;                                // core/v1 Affinity
  std::vector<std::string> image_pull_secrets;  // names; serialised as [{name: ...}]
  std::int64_t active_deadline_seconds = kDefaultActiveDeadlineSeconds;
  std::int32_t backoff_limit = kDefaultBackoffLimit;
  std::optional<std::int32_t> ttl_seconds_after_finished;  // nullopt: finished Jobs are kept
  std::map<std::string, std::string> labels;               // on the Jobs and their Pods
  std::map<std::string, std::string> annotations;          // on the Jobs and their Pods
  std::map<std::string, std::string> pod_labels;           // on the Pods only
  std::map<std::string, std::string> pod_annotations;
  bool operator==(const JobOverrides&) const = default;
};

struct Spec {
  DatabaseSpec database;
  std::string target_revision;  // Alembic target syntax; required
  MigrationsSource migrations;
  RunnerSpec runner;
  VersionTableSpec version_table;
  BackupSpec backup;
  SafetySpec safety;
  bool dry_run = false;
  bool suspend = false;
  JobOverrides job;
  bool operator==(const Spec&) const = default;
};

using pgrevise::parse_phase;
using pgrevise::Phase;
using pgrevise::to_string;

// kstatus condition. status is "True", "False" or "Unknown".
struct Condition {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
  std::string last_transition_time;
  std::int64_t observed_generation = 0;
  bool operator==(const Condition&) const = default;
};

// What a migrate Job's runner runs now: the session holding the migration lock, as pg_stat_activity shows it,
// while it runs a statement. The statement on one line with its literals masked and redacted, and how long it
// has run; for CREATE INDEX and REINDEX also the phase and the blocks and tuples done of
// pg_stat_progress_create_index ("" and 0 otherwise; a total of 0: the phase does not count that unit).
struct StatementActivity {
  std::string statement;
  std::int64_t running_seconds = 0;
  std::string phase;
  std::int64_t blocks_done = 0;
  std::int64_t blocks_total = 0;
  std::int64_t tuples_done = 0;
  std::int64_t tuples_total = 0;
  bool operator==(const StatementActivity&) const = default;
};

// Live progress while a migrate Job runs: `done` of `total` steps finished, `revision` the one running, and
// the statement it runs (an empty statement while it runs none).
struct Progress {
  std::string revision;
  int done = 0;
  int total = 0;
  StatementActivity running;
  bool operator==(const Progress&) const = default;
};

struct RunStep {
  std::string revision;
  std::string direction;  // upgrade | downgrade (as in the Job report)
  std::int64_t duration_ms = 0;
  bool operator==(const RunStep&) const = default;
};

inline constexpr std::string_view kRunSucceeded = "Succeeded";
inline constexpr std::string_view kRunFailed = "Failed";

struct LastRun {
  std::string started_at;
  std::string finished_at;
  std::string result;  // kRunSucceeded | kRunFailed
  std::vector<RunStep> steps;
  std::string message;   // redacted; on failure the database's message
  std::string revision;  // on failure, the revision that failed
  std::string sqlstate;  // on failure, the SQLSTATE when the database refused a statement
  bool operator==(const LastRun&) const = default;
};

struct LastBackup {
  std::string file;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string started_at;
  std::string finished_at;
  std::string revision;  // the version-table heads when the backup was taken, comma-separated ("" = base)
  bool operator==(const LastBackup&) const = default;
};

// One finding of the safety analysis, as status.lint shows it (lint::Finding, with the evidence in message).
struct LintFinding {
  std::string rule;
  std::string severity;  // error | warning | info
  std::string revision;
  int line = 0;
  std::string message;
  bool operator==(const LintFinding&) const = default;
};

// The safety analysis of the current plan: its findings, most severe first, at most kMaxLintFindings of them
// (`total` counts them all), and the hash of the plan they are about, the value pgrevise.dev/approve takes.
inline constexpr std::size_t kMaxLintFindings = 20;
struct LintStatus {
  std::string plan_hash;
  int total = 0;
  std::vector<LintFinding> findings;
  bool operator==(const LintStatus&) const = default;
};

struct Status {
  std::int64_t observed_generation = 0;
  std::optional<Phase> phase;
  std::vector<std::string> current_heads;
  std::vector<std::string> target_heads;
  std::vector<std::string> pending_revisions;
  std::optional<Progress> progress;
  std::optional<LastRun> last_run;
  std::optional<LastBackup> last_backup;
  std::optional<LintStatus> lint;
  std::string active_job;          // name of the Job being waited for, "" when none
  std::string dry_run_config_map;  // ConfigMap holding the SQL a dry run would execute
  // Hash of the plan that failed; that plan is not run again until it changes (spec or migrations) or the
  // retry annotation takes a value other than last_retry_token.
  std::string failed_plan_hash;
  // Hash of the last plan whose migrate Job succeeded. With migrations in an image there is no revision graph
  // to compare the database with, so this is what says the run is done once its Job is gone (a TTL).
  std::string applied_plan_hash;
  std::string last_retry_token;
  std::vector<Condition> conditions;
  bool operator==(const Status&) const = default;
};

struct PostgresMigration {
  std::string api_version = std::string(kApiVersion);
  std::string kind = std::string(kKind);
  ObjectMeta metadata;
  Spec spec;
  Status status;
  bool operator==(const PostgresMigration&) const = default;
};

}  // namespace pgrevise::api
