#include "api/reasons.h"
#include "common/log.h"
#include "common/redact.h"
#include "controller/job_view.h"
#include "controller/steps.h"
#include "controller/stuck_job.h"
#include "specs/jobs.h"
#include "specs/names.h"

namespace pgrevise::controller {
namespace {

namespace reason = api::reason;

std::string name_of(const nlohmann::json& job) {
  return job.value("metadata", nlohmann::json::object()).value("name", "");
}

// Why the Job is stuck, when it is; the Pods and Events are read only for a Job that may be.
std::optional<StuckJob> find_stuck(Context& ctx, const nlohmann::json& job) {
  const auto now = ctx.clock.now();
  if (!may_be_stuck(job, now, ctx.options.stuck_pod_grace)) return std::nullopt;
  const std::string name = name_of(job);
  auto pods = ctx.timings.time("list_job_pods", [&] { return ctx.cluster.list_job_pods(ctx.ns(), name); });
  std::vector<nlohmann::json> events;
  if (pods.empty())
    events = ctx.timings.time("list_job_events", [&] { return ctx.cluster.list_job_events(ctx.ns(), name); });
  return stuck_job(job, pods, events, now, ctx.options.stuck_pod_grace);
}

std::string describe(const std::string& job_name, std::string_view kind, const StuckJob& stuck) {
  std::string text = (kind.empty() ? "" : std::string(kind) + " ") + "Job " + job_name +
                     " could not start: " + stuck.object + ": " + stuck.reason;
  if (!stuck.message.empty()) text += ": " + redact(stuck.message);
  return text + "; the Job was deleted rather than left to run until its deadline";
}

// The stage condition of the stuck Job's kind says why it did not run.
void record_stage(Context& ctx, const std::string& job_name, const std::string& message) {
  const StageState failed{std::string(api::kConditionFalse), std::string(reason::kJobPodNotStarting),
                          message};
  if (job_name == ctx.backup_job_name) ctx.facts.backup_stage = failed;
  if (job_name == ctx.migrate_job_name) ctx.facts.migration_stage = failed;
}

}  // namespace

std::optional<Outcome> check_stuck_jobs(Context& ctx) {
  for (auto it = ctx.jobs.begin(); it != ctx.jobs.end(); ++it) {
    const auto stuck = find_stuck(ctx, *it);
    if (!stuck) continue;
    const std::string name = name_of(*it);
    const auto kind = specs::job_kind_of(*it);
    const std::string message = describe(name, kind ? specs::to_string(*kind) : std::string_view(), *stuck);
    ctx.timings.time("delete_job", [&] { ctx.cluster.delete_job(ctx.ns(), name); });
    log::warn("Job could not start; deleted it", {{"job", ctx.ns() + "/" + name}, {"reason", stuck->reason}});
    const bool current =
        name == ctx.backup_job_name || name == ctx.migrate_job_name || name == ctx.plan_job_name;
    ctx.jobs.erase(it);
    // A Job of an earlier run only stood in the way of this one, which goes ahead.
    if (!current) return check_stuck_jobs(ctx);
    record_stage(ctx, name, message);
    // As for a failed Job: the same plan is not run again by itself, so that a Pod that cannot start is not
    // created again and again.
    ctx.facts.failed_plan_hash = ctx.run_hash;
    ctx.facts.last_retry_token = specs::retry_token(ctx.resource);
    return Outcome::stalled(api::Phase::kFailed, reason::kJobPodNotStarting,
                            message + "; fix the cause, then set the annotation " +
                                std::string(api::kRetryAnnotation) + " to a new value to run it again");
  }
  return std::nullopt;
}

}  // namespace pgrevise::controller
