#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "api/validation.h"
#include "common/clock.h"
#include "common/job_report.h"
#include "controller/cluster.h"
#include "controller/database_probe.h"
#include "controller/migration_set.h"
#include "controller/step_timings.h"
#include "revision/plan.h"
#include "specs/settings.h"

namespace pgrevise::controller {

// What the operator itself decides, the same for every resource.
struct ReconcilerOptions {
  specs::OperatorSettings settings;                   // passed to the Job builders
  std::chrono::milliseconds job_poll_interval{5000};  // while a Job runs: progress and Job status
  // A Secret or ConfigMap is missing: looked for again this often (Secrets are read with `get`, not watched).
  std::chrono::milliseconds recheck_interval{30000};
  // Nothing runs: the database is looked at again this often, to notice changes made out of band.
  std::chrono::milliseconds resync_interval{300000};
  int max_status_attempts = 5;           // status writes retried on conflict (each re-reads and recomputes)
  std::string pgrevise_version = "dev";  // written in the header of a dry run's SQL
  std::size_t max_dry_run_sql_bytes = 900 * 1024;  // a ConfigMap holds at most 1 MiB
  // How long a Job's Pod may wait for its image, a node or its creation before the Job is reported and
  // deleted (controller/stuck_job.h); --job-start-timeout.
  std::chrono::seconds stuck_pod_grace{40};
  // How a failed run's message ends: what to do to run it again. "": set the retry annotation (the operator);
  // `pgrevise apply` runs it again on its next run.
  std::string retry_hint;
};

// The state of one stage (backup, migration) for its condition; nullopt in Facts leaves the condition as it
// was.
struct StageState {
  std::string status;  // True | False | Unknown
  std::string reason;
  std::string message;
};

// What the steps learned about the world; the status is computed from these and the outcome (status.cpp).
// nullopt fields leave the previous status value in place.
struct Facts {
  std::optional<std::vector<std::string>> current_heads;
  std::optional<std::vector<std::string>> target_heads;
  std::optional<std::vector<std::string>> pending_revisions;
  std::string active_job;  // the Job being waited for; "" when none
  std::optional<api::Progress> progress;
  std::optional<api::LastRun> last_run;
  std::optional<api::LastBackup> last_backup;
  std::optional<std::string> dry_run_config_map;
  std::optional<std::string> failed_plan_hash;  // "" clears it
  std::optional<std::string> applied_plan_hash;
  std::optional<std::string> last_retry_token;
  std::optional<api::LintStatus> lint;  // the safety analysis of the current plan
  // The plan's hash, when the gate let a plan with findings at error severity through on its approval.
  std::optional<std::string> lint_approved;
  std::optional<StageState> backup_stage;
  std::optional<StageState> migration_stage;
  // Reports of finished Jobs of the current run, for metrics.
  std::optional<JobReport> backup_report;
  std::optional<JobReport> migrate_report;
};

// Everything one reconcile reads and computes, passed from step to step.
struct Context {
  Cluster& cluster;
  DatabaseProbe& probe;
  Clock& clock;
  const ReconcilerOptions& options;

  nlohmann::json object;  // the resource as read
  api::PostgresMigration resource;
  api::Status old_status;
  std::vector<api::FieldError> spec_errors;

  std::optional<nlohmann::json> config_map;
  std::optional<MigrationSet> migrations;
  std::optional<DatabaseTarget> database;
  std::vector<std::string> heads;  // the version table's rows
  // The plan from the current heads to the target. nullopt when the migrations come from an image
  // (spec.migrations.image): the operator cannot read them, so it cannot tell what is pending; a run then
  // counts as done once its migrate Job succeeded (the runner itself finds nothing to do when at target).
  std::optional<revision::Plan> plan;

  specs::RunInputs inputs;  // of the current run
  std::string run_hash;     // specs::plan_hash of the migrate Job: the identity of the current run
  std::string backup_job_name, migrate_job_name, plan_job_name;
  std::vector<nlohmann::json> jobs;  // Jobs owned by this resource

  Facts facts;
  StepTimings timings{clock};  // where this reconcile's time went, for the debug log

  const std::string& ns() const { return resource.metadata.ns; }
  const std::string& name() const { return resource.metadata.name; }
  const nlohmann::json* job(const std::string& name) const;
};

}  // namespace pgrevise::controller
