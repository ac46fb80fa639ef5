#include "api/conditions.h"
#include "api/reasons.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/dry_run.h"
#include "controller/job_view.h"
#include "controller/records.h"
#include "controller/steps.h"
#include "specs/jobs.h"
#include "specs/names.h"

namespace pgrevise::controller {
namespace {

using api::Phase;
namespace reason = api::reason;
constexpr std::string_view kTrue = api::kConditionTrue;
constexpr std::string_view kFalse = api::kConditionFalse;
constexpr std::string_view kUnknown = api::kConditionUnknown;

StageState stage(std::string_view status, std::string_view why, std::string message) {
  return {std::string(status), std::string(why), std::move(message)};
}

std::string retry_hint(const Context& ctx) {
  if (!ctx.options.retry_hint.empty()) return ctx.options.retry_hint;
  return "; set the annotation " + std::string(api::kRetryAnnotation) + " to a new value to run it again";
}

std::string pending_text(const Context& ctx) {
  return ctx.plan ? std::to_string(ctx.plan->steps.size()) + " revision(s) pending"
                  : "pending revisions unknown";
}

std::string move_text(const Context& ctx) {
  return heads_text(ctx.heads) + " to " +
         (ctx.plan ? heads_text(ctx.plan->heads_after) : "\"" + ctx.resource.spec.target_revision + "\"");
}

// Whether the status still waits for this Job (activeJob). Its record is written together with the end of the
// wait, so a record there while it waits is of an earlier Job, even one that started in the same second.
bool status_waits_for(const Context& ctx, const JobView& job) {
  return ctx.old_status.active_job == job.name;
}

std::optional<JobView> view(const Context& ctx, const std::string& job_name) {
  const auto* job = ctx.job(job_name);
  if (job == nullptr) return std::nullopt;
  return view_job(*job);
}

// The Pod's termination-message report: nullopt when there is none yet, the Error (logged) when one is there
// but cannot be read.
Result<std::optional<JobReport>> read_report(Context& ctx, const std::string& job_name) {
  auto text = ctx.timings.time("get_job_pod_report",
                               [&] { return ctx.cluster.get_job_pod_report(ctx.ns(), job_name); });
  if (!text) return std::optional<JobReport>();
  auto report = parse_job_report(*text);
  if (!report.ok()) {
    log::warn("unreadable Job report",
              {{"job", ctx.ns() + "/" + job_name}, {"error", report.error().what()}});
    return report.error();
  }
  return std::optional<JobReport>(std::move(report).value());
}

// The report when there is a readable one.
std::optional<JobReport> readable_report(Context& ctx, const std::string& job_name) {
  auto report = read_report(ctx, job_name);
  return report.ok() ? std::move(report).value() : std::nullopt;
}

// The reason a failed Job stops the pipeline with: its deadline, when that is what ended it, else the
// stage's.
std::string_view failure_reason(const JobView& job, std::string_view stage_reason) {
  return job.failure_reason == "DeadlineExceeded" ? reason::kJobDeadlineExceeded : stage_reason;
}

std::string deadline_text(const JobView& job) {
  if (job.failure_reason != "DeadlineExceeded") return "";
  return " after running past its deadline (activeDeadlineSeconds " +
         (job.active_deadline_seconds > 0 ? std::to_string(job.active_deadline_seconds)
                                          : std::string("unset")) +
         "; raise spec.job.activeDeadlineSeconds if the run needs longer)";
}

// The first Job of a run started after the retry annotation took a new value since the last failure: the
// retry is acknowledged (lastRetryToken) and this pass says so.
Outcome acknowledge_retry(Context& ctx, Outcome outcome) {
  const std::string token = specs::retry_token(ctx.resource);
  if (ctx.old_status.failed_plan_hash.empty() || token == ctx.old_status.last_retry_token) return outcome;
  ctx.facts.last_retry_token = token;
  outcome.reason = std::string(reason::kRetryRequested);
  outcome.message =
      "retry requested (" + std::string(api::kRetryAnnotation) + "=\"" + token + "\"): " + outcome.message;
  return outcome;
}

// A Job of the current run that the status said was running is gone without the operator having seen it
// finish (deleted by hand, or removed by ttlSecondsAfterFinished before its result was read). It has just
// been created again under its name; this pass says why.
Outcome note_disappeared(const Context& ctx, Outcome outcome, const std::string& job_name) {
  if (ctx.old_status.active_job != job_name) return outcome;
  outcome.reason = std::string(reason::kJobDisappeared);
  outcome.message = "Job " + job_name +
                    " disappeared before its result was read (deleted, or removed by "
                    "ttlSecondsAfterFinished); created it again: " +
                    outcome.message;
  return outcome;
}

Outcome waiting(Context& ctx, Outcome outcome, const std::string& job_name) {
  ctx.facts.active_job = job_name;
  outcome.requeue_after = ctx.options.job_poll_interval;
  return outcome;
}

// Creates the Job of `kind` for the current run. nullopt when it exists (now or already); an Outcome when it
// cannot be created for a reason a person must fix (the builders or the API refuse the spec), or when a Job
// of that name belongs to another object (a deleted resource of the same name whose Jobs are not gone yet).
std::optional<Outcome> create_job(Context& ctx, specs::JobKind kind, const std::string& job_name) {
  nlohmann::json stored;
  try {
    auto job = specs::build_job(kind, ctx.resource, ctx.options.settings, ctx.inputs);
    stored = ctx.timings.time("create_job", [&] { return ctx.cluster.create_job(ctx.ns(), job); });
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kBadInput) throw;
    return Outcome::stalled(Phase::kBlocked, reason::kJobCreateFailed,
                            "cannot create Job " + job_name + ": " + std::string(e.what()));
  }
  if (!owned_by(stored, ctx.resource.metadata.uid)) {
    Outcome outcome =
        Outcome::progressing(Phase::kPending, reason::kProgressing,
                             "waiting for Job " + job_name + " of an earlier object to be deleted");
    outcome.requeue_after = ctx.options.recheck_interval;
    return outcome;
  }
  log::info("Job created (or found)",
            {{"job", ctx.ns() + "/" + job_name}, {"resource", ctx.ns() + "/" + ctx.name()}});
  const bool finished = view_job(stored).finished();
  ctx.jobs.push_back(std::move(stored));
  if (finished) {
    // The Job existed and has finished, but the list did not show it (a cache behind the API server): its
    // result is read on the next pass, once the list has caught up, rather than guessed here.
    Outcome outcome = Outcome::progressing(Phase::kPending, reason::kProgressing,
                                           "Job " + job_name + " has finished; reading its result");
    outcome.requeue_after = ctx.options.job_poll_interval;
    return outcome;
  }
  return std::nullopt;
}

// Whether the status records this succeeded backup Job already (lastBackup from it, BackupSucceeded): its Pod
// is then not listed again on every later reconcile of the run, nor on each resync while the Job is kept. As
// for a recorded migrate Job, a report that was not there when the Job was recorded is not looked for again.
bool backup_recorded(const Context& ctx, const JobView& backup) {
  const auto& old = ctx.old_status.last_backup;
  if (backup.phase != JobPhase::kSucceeded || !old) return false;
  if (status_waits_for(ctx, backup) || !may_be_record_of(old->started_at, backup)) return false;
  const api::Condition* done =
      api::find_condition(ctx.old_status.conditions, api::condition::kBackupSucceeded);
  return done != nullptr && done->status == kTrue && done->reason == reason::kBackupSucceeded;
}

// A failed backup Job's Reason: PgDumpTooOld when its report says the server is newer than every pg_dump it
// had (retrying cannot help, newer client tools can), else BackupFailed.
std::string_view backup_failure_reason(const std::optional<JobReport>& report) {
  const bool too_old = report && report->error && report->error->code == report_code::kPgDumpTooOld;
  return too_old ? reason::kPgDumpTooOld : reason::kBackupFailed;
}

void record_backup(Context& ctx, const JobView& backup) {
  if (backup_recorded(ctx, backup)) {
    const std::string& file = ctx.old_status.last_backup->file;
    ctx.facts.backup_stage =
        stage(kTrue, reason::kBackupSucceeded,
              "backup Job " + backup.name + " succeeded" + (file.empty() ? "" : ": " + file));
    return;
  }
  auto read = read_report(ctx, backup.name);
  std::optional<JobReport> report = read.ok() ? std::move(read).value() : std::nullopt;
  if (backup.phase == JobPhase::kFailed) {
    ctx.facts.backup_stage =
        stage(kFalse, backup_failure_reason(report), failure_message(backup, report) + deadline_text(backup));
  } else if (!read.ok()) {
    // Without its report the backup's file and checksum are unknown: no migration on an unverified backup.
    ctx.facts.backup_stage = stage(kFalse, reason::kJobReportInvalid,
                                   "backup Job " + backup.name +
                                       " succeeded, but its report (the Pod's termination message) cannot "
                                       "be read, so the backup file and its checksum are unknown: " +
                                       read.error().what());
  } else {
    const auto& old = ctx.old_status.last_backup;
    const bool recorded = old && may_be_record_of(old->started_at, backup);
    if (report || !recorded) ctx.facts.last_backup = last_backup_from(backup, report);
    const std::string file = ctx.facts.last_backup ? ctx.facts.last_backup->file : old->file;
    ctx.facts.backup_stage =
        stage(kTrue, reason::kBackupSucceeded,
              "backup Job " + backup.name + " succeeded" + (file.empty() ? "" : ": " + file));
  }
  ctx.facts.backup_report = std::move(report);
}

// Whether the status's lastRun was recorded from this Job already: it may be the Job's record, and the
// status is no longer waiting for the Job.
bool recorded_from(const Context& ctx, const JobView& job) {
  const auto& run = ctx.old_status.last_run;
  return run && !status_waits_for(ctx, job) && may_be_record_of(run->started_at, job);
}

void record_migration(Context& ctx, const JobView& migrate) {
  // A run recorded earlier from this Job is kept as it is: its Pod is not read again on every resync (and may
  // be gone by now).
  std::optional<JobReport> report;
  if (!recorded_from(ctx, migrate)) {
    report = readable_report(ctx, migrate.name);
    ctx.facts.last_run = last_run_from(migrate, report);
  }
  const api::LastRun& run = ctx.facts.last_run ? *ctx.facts.last_run : *ctx.old_status.last_run;
  if (migrate.phase == JobPhase::kFailed) {
    ctx.facts.migration_stage = stage(kFalse, reason::kMigrationFailed, run.message + deadline_text(migrate));
  } else {
    ctx.facts.migration_stage = stage(kTrue, reason::kMigrated, "migrate Job " + migrate.name + " succeeded");
    ctx.facts.applied_plan_hash = ctx.run_hash;
  }
  ctx.facts.migrate_report = std::move(report);
}

// The runner commits its last revision a moment before its Pod stops and its report can be read: until the
// run's own migrate Job has finished, a database already at the target is still this run in progress.
bool migrate_job_still_running(Context& ctx) {
  auto migrate = view(ctx, ctx.migrate_job_name);
  return migrate && !migrate->finished();
}

}  // namespace

std::optional<Outcome> record_finished_jobs(Context& ctx) {
  if (auto backup = view(ctx, ctx.backup_job_name); backup && backup->finished()) record_backup(ctx, *backup);
  if (auto migrate = view(ctx, ctx.migrate_job_name); migrate && migrate->finished())
    record_migration(ctx, *migrate);
  return std::nullopt;
}

std::optional<Outcome> check_up_to_date(Context& ctx) {
  if (!ctx.plan) {
    // Without a graph, the current run's migrate Job having succeeded is what "at target" means: seen now, or
    // recorded when it was, for a Job deleted since (ttlSecondsAfterFinished, a policy injecting one), which
    // must not start the same run, with a new backup, on every resync.
    auto migrate = view(ctx, ctx.migrate_job_name);
    const bool recorded = !migrate && ctx.old_status.applied_plan_hash == ctx.run_hash;
    if (!recorded && (!migrate || migrate->phase != JobPhase::kSucceeded)) return std::nullopt;
    ctx.facts.target_heads = ctx.facts.migrate_report && !ctx.facts.migrate_report->heads_after.empty()
                                 ? ctx.facts.migrate_report->heads_after
                                 : ctx.heads;
  } else if (!ctx.plan->empty() || migrate_job_still_running(ctx)) {
    return std::nullopt;
  }
  ctx.facts.failed_plan_hash = "";
  if (!ctx.facts.migration_stage) {
    ctx.facts.migration_stage = stage(kTrue, reason::kUpToDate, "database at " + heads_text(ctx.heads));
  }
  return Outcome::ready(
      reason::kUpToDate,
      "database at " + heads_text(ctx.heads) + " (target \"" + ctx.resource.spec.target_revision + "\")",
      Phase::kSucceeded);
}

namespace {

// The rules of check_failed_run, each named once.

// The run's migrate Job failed.
bool should_report_migration_failed(const std::optional<JobView>& migrate) {
  return migrate && migrate->phase == JobPhase::kFailed;
}

// The run's backup Job failed, or succeeded without a readable report, before any migrate Job.
bool should_report_backup_failed(const Context& ctx, const std::optional<JobView>& backup,
                                 const std::optional<JobView>& migrate) {
  return backup && !migrate && ctx.facts.backup_stage &&
         (backup->phase == JobPhase::kFailed || ctx.facts.backup_stage->reason == reason::kJobReportInvalid);
}

// The run's migrate Job succeeded, yet a plan to the target remains: the database moved under it.
bool should_report_moved_after_run(const Context& ctx, const std::optional<JobView>& migrate) {
  return migrate && migrate->phase == JobPhase::kSucceeded && ctx.plan;
}

// This plan failed before and its Jobs are gone: it is not run again until a retry is asked for.
bool should_await_retry(const Context& ctx, const std::optional<JobView>& backup,
                        const std::optional<JobView>& migrate) {
  return !ctx.old_status.failed_plan_hash.empty() && ctx.old_status.failed_plan_hash == ctx.run_hash &&
         !migrate && !backup;
}

// What the failed migrate Job's message starts with: the Job, and the revision and SQLSTATE it failed at.
std::string migration_failed_prefix(const Context& ctx, const JobView& migrate) {
  std::string prefix = "migrate Job " + migrate.name + " failed";
  const auto& run = ctx.facts.last_run;
  if (run && !run->revision.empty()) {
    prefix += " at revision " + run->revision;
    if (!run->sqlstate.empty()) prefix += " (SQLSTATE " + run->sqlstate + ")";
  }
  return prefix;
}

// What the failed backup's message starts with; a backup that succeeded without a report stopped the run.
std::string backup_failed_prefix(const JobView& backup) {
  if (backup.phase == JobPhase::kSucceeded) return "no migration ran";
  return "backup Job " + backup.name + " failed, so no migration ran";
}

// Stalls on a failed Job of the run, remembering the plan and the retry token it failed with.
Outcome stalled_by_failed_job(Context& ctx, const JobView& job, const StageState& failed,
                              const std::string& prefix) {
  ctx.facts.failed_plan_hash = ctx.run_hash;
  ctx.facts.last_retry_token = specs::retry_token(ctx.resource);
  return Outcome::stalled(Phase::kFailed, failure_reason(job, failed.reason),
                          prefix + ": " + failed.message + retry_hint(ctx));
}

}  // namespace

std::optional<Outcome> check_failed_run(Context& ctx) {
  const auto backup = view(ctx, ctx.backup_job_name);
  const auto migrate = view(ctx, ctx.migrate_job_name);
  if (should_report_migration_failed(migrate)) {
    return stalled_by_failed_job(ctx, *migrate, *ctx.facts.migration_stage,
                                 migration_failed_prefix(ctx, *migrate));
  }
  if (should_report_backup_failed(ctx, backup, migrate)) {
    return stalled_by_failed_job(ctx, *backup, *ctx.facts.backup_stage, backup_failed_prefix(*backup));
  }
  if (should_report_moved_after_run(ctx, migrate)) {
    return Outcome::stalled(Phase::kBlocked, reason::kOutOfBandChange,
                            "migrate Job " + migrate->name + " succeeded, but the database is now at " +
                                heads_text(ctx.heads) + ", not at the target" + retry_hint(ctx));
  }
  if (should_await_retry(ctx, backup, migrate)) {
    // The Stalled condition already says why the plan failed; it stays as it was.
    const api::Condition* stalled = api::find_condition(ctx.old_status.conditions, api::condition::kStalled);
    if (stalled != nullptr && stalled->status == kTrue)
      return Outcome::stalled(Phase::kFailed, stalled->reason, stalled->message);
    return Outcome::stalled(Phase::kFailed, reason::kAwaitingRetry,
                            "this plan failed before" + retry_hint(ctx));
  }
  return std::nullopt;
}

std::optional<Outcome> check_suspended(Context& ctx) {
  if (!ctx.resource.spec.suspend) return std::nullopt;
  for (const auto& name : {ctx.backup_job_name, ctx.migrate_job_name, ctx.plan_job_name}) {
    if (auto job = view(ctx, name); job && !job->finished()) return std::nullopt;  // let a running Job finish
  }
  return Outcome::suspended("spec.suspend is true: no Job is started (" + pending_text(ctx) + ")");
}

std::optional<Outcome> wait_for_earlier_jobs(Context& ctx) {
  // Two runs never overlap: a backup or migration started for an earlier spec (or retry) finishes first, so
  // that two runners never race for the migration lock and a backup never runs beside a migration.
  for (const auto& job : ctx.jobs) {
    JobView other = view_job(job);
    if (other.finished() || other.name == ctx.backup_job_name || other.name == ctx.migrate_job_name ||
        other.name == ctx.plan_job_name) {
      continue;
    }
    return waiting(ctx,
                   Outcome::progressing(Phase::kPending, reason::kProgressing,
                                        "waiting for Job " + other.name + " of an earlier run to finish"),
                   other.name);
  }
  return std::nullopt;
}

std::optional<Outcome> run_dry_run(Context& ctx) {
  if (!ctx.resource.spec.dry_run) return std::nullopt;
  auto plan_job = view(ctx, ctx.plan_job_name);
  if (!plan_job) {
    if (auto refused = create_job(ctx, specs::JobKind::kPlan, ctx.plan_job_name)) return refused;
    plan_job = view(ctx, ctx.plan_job_name);
  }
  if (plan_job->phase == JobPhase::kActive) {
    return waiting(ctx,
                   Outcome::progressing(Phase::kPending, reason::kDryRunRunning,
                                        "plan Job " + plan_job->name + " is running"),
                   plan_job->name);
  }
  if (plan_job->phase == JobPhase::kFailed) {
    return Outcome::stalled(Phase::kFailed, reason::kDryRunFailed,
                            "plan Job " + plan_job->name + " failed: " +
                                failure_message(*plan_job, readable_report(ctx, plan_job->name)));
  }
  if (!ctx.plan) {
    return Outcome::ready(reason::kDryRunComplete,
                          "dry run: plan Job " + plan_job->name +
                              " succeeded; with migrations in an image the SQL is in that Job's log only",
                          Phase::kPending);
  }
  std::string config_map;
  try {
    config_map = publish_dry_run(ctx);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kBadInput) throw;
    return Outcome::stalled(Phase::kFailed, reason::kDryRunFailed,
                            "cannot render the plan: " + std::string(e.what()));
  }
  ctx.facts.dry_run_config_map = config_map;
  return Outcome::ready(reason::kDryRunComplete,
                        "dry run: the SQL of " + std::to_string(ctx.plan->steps.size()) +
                            " pending revision(s) is in ConfigMap " + config_map,
                        Phase::kPending);
}

std::optional<Outcome> run_backup(Context& ctx) {
  if (!ctx.resource.spec.backup.enabled) {
    ctx.facts.backup_stage =
        stage(kTrue, reason::kBackupDisabled, "backups are disabled (spec.backup.enabled)");
    return std::nullopt;
  }
  auto backup = view(ctx, ctx.backup_job_name);
  if (backup && backup->phase == JobPhase::kSucceeded) return std::nullopt;
  // The migrate Job of this run exists only once its backup succeeded: a backup Job gone by then (removed by
  // a short ttlSecondsAfterFinished) was recorded already and is not run again.
  if (!backup &&
      (ctx.job(ctx.migrate_job_name) != nullptr || ctx.old_status.active_job == ctx.migrate_job_name))
    return std::nullopt;
  Outcome outcome = Outcome::progressing(Phase::kBackingUp, reason::kBackupRunning,
                                         "backing up before migrating " + move_text(ctx));
  if (!backup) {
    if (auto refused = create_job(ctx, specs::JobKind::kBackup, ctx.backup_job_name)) return refused;
    outcome = acknowledge_retry(ctx, note_disappeared(ctx, std::move(outcome), ctx.backup_job_name));
  }
  ctx.facts.backup_stage =
      stage(kUnknown, reason::kBackupRunning, "backup Job " + ctx.backup_job_name + " is running");
  ctx.facts.migration_stage = stage(kFalse, reason::kMigrationPending, pending_text(ctx));
  return waiting(ctx, std::move(outcome), ctx.backup_job_name);
}

std::optional<Outcome> run_migration(Context& ctx) {
  auto migrate = view(ctx, ctx.migrate_job_name);
  const bool created = !migrate;
  if (!migrate) {
    if (auto refused = create_job(ctx, specs::JobKind::kMigrate, ctx.migrate_job_name)) return refused;
    migrate = view(ctx, ctx.migrate_job_name);
  }
  std::optional<MigrationProgress> run;
  try {
    run = ctx.timings.time("read_progress", [&] { return ctx.probe.read_progress(*ctx.database); });
  } catch (const std::exception& e) {
    log::debug("no migration progress", {{"resource", ctx.ns() + "/" + ctx.name()}, {"error", e.what()}});
  }
  ctx.facts.progress = live_progress(*migrate, run, ctx.plan.value_or(revision::Plan{}));
  ctx.facts.migration_stage =
      stage(kUnknown, reason::kMigrationRunning, "migrate Job " + migrate->name + " is running");
  Outcome outcome = Outcome::progressing(Phase::kMigrating, reason::kMigrationRunning,
                                         "migrating " + move_text(ctx) + " (" + pending_text(ctx) + ")");
  if (created) {
    outcome = acknowledge_retry(ctx, note_disappeared(ctx, std::move(outcome), migrate->name));
  }
  return waiting(ctx, std::move(outcome), migrate->name);
}

}  // namespace pgrevise::controller
