#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/labels.h"
#include "api/types.h"
#include "specs/names.h"
#include "specs/settings.h"

namespace pgrevise::specs {

// Labels on every Job the operator creates and on its Pods (defined in api/labels.h, whose keys spec.job may
// not set).
using api::kComponentLabel;
using api::kInstanceLabel;
using api::kManagedByLabel;
using api::kNameLabel;
using api::kPlanHashLabel;
using api::kResourceLabel;
inline constexpr std::string_view kAppName = "pgrevise";

// Annotations on every Job: what it runs, so the controller can read a Job back without recomputing.
inline constexpr std::string_view kTargetAnnotation = "pgrevise.dev/target";
inline constexpr std::string_view kDirectionAnnotation = "pgrevise.dev/direction";
inline constexpr std::string_view kPlanHashAnnotation = "pgrevise.dev/plan-hash";  // full hex
inline constexpr std::string_view kMigrationsDigestAnnotation = "pgrevise.dev/migrations-digest";
inline constexpr std::string_view kRetryTokenAnnotation = "pgrevise.dev/retry-token";

// The name of the container that does the work (the one whose exit code and termination message count).
std::string_view main_container_name(JobKind kind);  // backup | migrate | plan
// The kind of one of the operator's Jobs, or of a Pod made from one, read from the component label that
// job_labels() gives both; nullopt for an object without it.
std::optional<JobKind> job_kind_of(const Json& object);
// The annotation that makes `kubectl logs` and `kubectl exec` pick the main container of a Pod into which a
// webhook injected sidecars.
inline constexpr std::string_view kDefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

// The labels of `resource`'s Jobs of `kind`; job_selector() is the subset common to all its Jobs.
std::map<std::string, std::string> job_labels(const api::PostgresMigration& resource, JobKind kind);
std::map<std::string, std::string> job_selector(const api::PostgresMigration& resource);
// The same as label selectors for a list or a watch: every Job the operator manages (the operator's Job
// watch), and the Jobs of the resource whose kResourceLabel value is `resource_label` (label_value of its
// name).
std::string managed_jobs_selector();
std::string resource_jobs_selector(std::string_view resource_label);

// `pgrevise backup` into the backup claim: --out <settings.backup_mount_path> --retain --compress, with the
// version table to record the heads and a --timeout inside the Job's deadline. Throws Error(kBadInput) when
// no claim is named and the operator has no default claim.
Json build_backup_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                      const RunInputs& inputs);
// `pgrevise migrate upgrade|downgrade TARGET` with the safety settings as flags; or, with runner.command,
// the team's image, command and args, with PGREVISE_TARGET, PGREVISE_DIRECTION (upgrade|downgrade, Alembic's
// subcommand names), PGREVISE_MIGRATIONS_DIR and PGREVISE_VERSION_TABLE in the environment, so that args such
// as ["$(PGREVISE_DIRECTION)", "$(PGREVISE_TARGET)"] follow the plan. The connection is DATABASE_URL or the
// PG* variables, as for the builtin runner.
Json build_migrate_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                       const RunInputs& inputs);
// The dry run: `pgrevise migrate plan TARGET --sql`, which prints the SQL a migration would execute.
Json build_plan_job(const api::PostgresMigration& resource, const OperatorSettings& settings,
                    const RunInputs& inputs);

// Dispatches on kind.
Json build_job(JobKind kind, const api::PostgresMigration& resource, const OperatorSettings& settings,
               const RunInputs& inputs);

}  // namespace pgrevise::specs
