#pragma once

#include <optional>
#include <string_view>

#include "controller/context.h"
#include "controller/outcome.h"

namespace pgrevise::controller {

// The reconciler's pipeline: a flat list of steps run in order. Each either adds to ctx.facts and lets the
// next one run, or stops the pipeline with an Outcome carrying one Reason. Steps read the cluster and the
// database through ctx; the only writes they make are creating Jobs and publishing a dry run's ConfigMap
// (both idempotent: names are deterministic). The status is computed afterwards from facts and outcome.
using Step = std::optional<Outcome> (*)(Context& ctx);

// Reading what the run depends on (steps_inputs.cpp).
std::optional<Outcome> validate_spec(Context& ctx);       // InvalidSpec
std::optional<Outcome> load_migrations(Context& ctx);     // ConfigMapNotFound, InvalidMigrations
std::optional<Outcome> resolve_connection(Context& ctx);  // SecretNotFound, SecretKeyNotFound
std::optional<Outcome> read_heads(Context& ctx);          // DatabaseUnreachable, VersionTableUnreadable
std::optional<Outcome> plan_target(Context& ctx);   // InvalidTarget, DowngradeNotAllowed, OutOfBandChange
std::optional<Outcome> identify_run(Context& ctx);  // (names the run's Jobs and lists the owned ones)

// Deciding and acting on the run (steps_run.cpp).
std::optional<Outcome> record_finished_jobs(Context& ctx);  // (lastBackup, lastRun from Job reports)
std::optional<Outcome> check_up_to_date(Context& ctx);      // UpToDate
std::optional<Outcome> check_failed_run(
    Context& ctx);  // MigrationFailed, BackupFailed, AwaitingRetry, OutOfBandChange
// A Job whose Pod cannot start is deleted and reported (steps_stuck.cpp).
std::optional<Outcome> check_stuck_jobs(Context& ctx);  // JobPodNotStarting
std::optional<Outcome> check_suspended(Context& ctx);   // Suspended
std::optional<Outcome> wait_for_earlier_jobs(
    Context& ctx);                                 // Progressing (a Job of an earlier run still runs)
std::optional<Outcome> run_dry_run(Context& ctx);  // DryRunRunning, DryRunComplete, DryRunFailed
// The safety analysis before the first Job (steps_lint.cpp).
std::optional<Outcome> check_lint(Context& ctx);     // LintBlocked
std::optional<Outcome> run_backup(Context& ctx);     // BackupRunning (BackupDisabled passes)
std::optional<Outcome> run_migration(Context& ctx);  // MigrationRunning

// Each step with its name, for the timings of the debug log (step_timings.h).
struct NamedStep {
  std::string_view name;
  Step run;
};

inline constexpr NamedStep kSteps[] = {
    {"validate_spec", validate_spec},
    {"load_migrations", load_migrations},
    {"resolve_connection", resolve_connection},
    {"read_heads", read_heads},
    {"plan_target", plan_target},
    {"identify_run", identify_run},
    {"record_finished_jobs", record_finished_jobs},
    {"check_up_to_date", check_up_to_date},
    {"check_failed_run", check_failed_run},
    {"check_stuck_jobs", check_stuck_jobs},
    {"check_suspended", check_suspended},
    {"wait_for_earlier_jobs", wait_for_earlier_jobs},
    {"run_dry_run", run_dry_run},
    {"check_lint", check_lint},
    {"run_backup", run_backup},
    {"run_migration", run_migration},
};

// Runs kSteps until one returns an Outcome, timing each in ctx.timings.
Outcome run_steps(Context& ctx);

}  // namespace pgrevise::controller
