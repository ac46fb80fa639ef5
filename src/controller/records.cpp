#include "controller/records.h"

#include "common/redact.h"
#include "common/strings.h"

namespace pgrevise::controller {
namespace {

std::string or_else(const std::string& value, const std::string& fallback) {
  return value.empty() ? fallback : value;
}

// RFC 3339 timestamps compared to the second: the history table writes milliseconds, Jobs whole seconds.
std::string to_second(const std::string& timestamp) {
  return timestamp.substr(0, 19);
}

}  // namespace

bool may_be_record_of(const std::string& started_at, const JobView& job) {
  return !job.start_time.empty() && to_second(started_at) >= to_second(job.start_time);
}

std::string heads_text(const std::vector<std::string>& heads) {
  return heads.empty() ? std::string("base") : join(heads, ", ");
}

std::string failure_message(const JobView& job, const std::optional<JobReport>& report) {
  if (report && report->error && !report->error->message.empty()) return redact(report->error->message);
  std::string message = "Job " + job.name + " failed";
  if (!job.failure_reason.empty()) message += " (" + job.failure_reason + ")";
  if (!job.failure_message.empty()) message += ": " + redact(job.failure_message);
  return message;
}

api::LastRun last_run_from(const JobView& job, const std::optional<JobReport>& report) {
  api::LastRun run;
  const bool succeeded = job.phase == JobPhase::kSucceeded;
  run.result = std::string(succeeded ? api::kRunSucceeded : api::kRunFailed);
  run.started_at = or_else(report ? report->started_at : "", job.start_time);
  run.finished_at = or_else(report ? report->finished_at : "", job.completion_time);
  if (report) {
    for (const auto& step : report->steps) {
      run.steps.push_back({step.revision, to_string(step.direction), step.duration_ms});
    }
  }
  if (succeeded) {
    const size_t applied = report ? report->steps.size() + static_cast<size_t>(report->steps_omitted) : 0;
    run.message =
        report ? "applied " + std::to_string(applied) + " revision(s); heads now " +
                     (report->heads_after.empty() ? std::string("base") : join(report->heads_after, ", "))
               : "Job " + job.name + " succeeded";
    return run;
  }
  run.message = failure_message(job, report);
  if (report && report->error) {
    run.revision = report->error->revision;
    run.sqlstate = report->error->sqlstate;
  }
  return run;
}

api::LastBackup last_backup_from(const JobView& job, const std::optional<JobReport>& report) {
  api::LastBackup backup;
  backup.started_at = job.start_time;
  backup.finished_at = job.completion_time;
  if (!report || !report->backup) return backup;
  const ReportBackup& b = *report->backup;
  backup.file = b.file;
  backup.size_bytes = b.size_bytes;
  backup.sha256 = b.sha256;
  backup.started_at = or_else(b.started_at, or_else(report->started_at, job.start_time));
  backup.finished_at = or_else(b.finished_at, or_else(report->finished_at, job.completion_time));
  backup.revision = join(b.heads, ",");
  return backup;
}

api::Progress live_progress(const JobView& job, const std::optional<MigrationProgress>& run,
                            const revision::Plan& plan) {
  api::Progress progress;
  progress.revision = plan.steps.empty() ? "" : plan.steps.front().revision_id;
  progress.total = static_cast<int>(plan.steps.size());
  // Live, whichever run the history table shows: the runner holding the migration lock runs it now.
  if (run && run->statement) progress.running = *run->statement;
  if (!run || !may_be_record_of(run->started_at, job)) return progress;
  progress.done = run->done;
  progress.total = std::max(run->total, run->done + progress.total);
  if (!run->running.empty()) progress.revision = run->running;
  return progress;
}

}  // namespace pgrevise::controller
