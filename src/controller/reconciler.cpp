#include "controller/reconciler.h"

#include "api/json.h"
#include "common/log.h"
#include "common/object_ref.h"
#include "common/redact.h"
#include "controller/events.h"
#include "controller/observe_metrics.h"
#include "controller/status.h"
#include "controller/steps.h"

namespace pgrevise::controller {
namespace {

std::string key_of(const std::string& ns, const std::string& name) {
  return ObjectRef{ns, name}.key();
}

bool being_deleted(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  return meta != object.end() && meta->is_object() && meta->contains("deletionTimestamp") &&
         !(*meta)["deletionTimestamp"].is_null();
}

ReconcileResult failure(const std::string& message, bool transient) {
  ReconcileResult result;
  result.error = true;
  result.transient = transient;
  result.message = redact(message);
  return result;
}

Outcome deleting_outcome(Context& ctx) {
  std::string message = "the resource is being deleted: no Job is started";
  ctx.facts.active_job = ctx.old_status.active_job;  // until it is gone with the resource
  if (!ctx.facts.active_job.empty()) {
    message += "; Job " + ctx.facts.active_job + " is deleted with it";
  }
  message += "; backups are kept";
  return {OutcomeKind::kProgressing, std::nullopt, std::string(api::reason::kDeleting), std::move(message),
          std::nullopt};
}

ReconcileResult result_for(const Outcome& outcome, const ReconcilerOptions& options) {
  ReconcileResult result;
  result.message = outcome.reason + (outcome.message.empty() ? "" : ": " + outcome.message);
  if (outcome.kind == OutcomeKind::kRetrying) {
    result.error = true;
    result.transient = true;
    return result;
  }
  result.requeue_after = outcome.requeue_after.value_or(options.resync_interval);
  return result;
}

}  // namespace

Reconciler::Reconciler(Cluster& cluster, DatabaseProbe& probe, metrics::ResourceMetrics& metrics,
                       Clock& clock, ReconcilerOptions options)
    : cluster_(cluster), probe_(probe), metrics_(metrics), clock_(clock), options_(std::move(options)) {}

ReconcileResult Reconciler::reconcile(const std::string& ns, const std::string& name) {
  const int attempts = std::max(1, options_.max_status_attempts);
  for (int i = 0; i < attempts; ++i) {
    try {
      if (auto result = attempt(ns, name)) return *result;
      log::debug("status write conflicted; reading again", {{"resource", key_of(ns, name)}});
    } catch (const Error& e) {
      const bool transient = e.kind() == ErrorKind::kTransient || e.kind() == ErrorKind::kConnection;
      log::warn("reconcile failed", {{"resource", key_of(ns, name)}, {"error", e.what()}});
      return failure(e.what(), transient);
    } catch (const std::exception& e) {
      log::warn("reconcile failed", {{"resource", key_of(ns, name)}, {"error", e.what()}});
      return failure(e.what(), false);
    }
  }
  return failure("the status write conflicted " + std::to_string(attempts) + " times in a row", true);
}

std::optional<ReconcileResult> Reconciler::attempt(const std::string& ns, const std::string& name) {
  StepTimings get_timing(clock_);
  auto object = get_timing.time("get_resource", [&] { return cluster_.get_resource(ns, name); });
  if (!object) {
    metrics_.forget(ns, name);
    return ReconcileResult{};
  }
  auto parsed = api::read_postgres_migration(*object);
  Context ctx{.cluster = cluster_, .probe = probe_, .clock = clock_, .options = options_};
  ctx.object = *object;
  ctx.resource = std::move(parsed.resource);
  if (ctx.resource.metadata.ns.empty()) ctx.resource.metadata.ns = ns;
  if (ctx.resource.metadata.name.empty()) ctx.resource.metadata.name = name;
  ctx.old_status = ctx.resource.status;
  ctx.spec_errors = std::move(parsed.errors);
  ctx.timings = std::move(get_timing);

  // Being deleted (a finalizer or a foreground deletion holds the object): nothing is started and nothing
  // needs cleaning up — Jobs and the dry-run ConfigMap are owned (garbage-collected), backups are kept — but
  // the status says so instead of showing a run that is going away.
  const bool deleting = being_deleted(*object);
  Outcome outcome = deleting ? deleting_outcome(ctx) : run_steps(ctx);
  const auto now = clock_.now();
  api::Status status = compute_status(ctx.old_status, ctx.facts, outcome, ctx.resource.metadata.generation,
                                      format_rfc3339(now));
  if (!(status == ctx.old_status)) {
    nlohmann::json updated = *object;
    updated["status"] = api::to_json(status);
    try {
      ctx.timings.time("update_status", [&] { return cluster_.update_status(updated); });
    } catch (const ConflictError&) {
      return std::nullopt;
    } catch (const NotFoundError&) {
      metrics_.forget(ns, name);
      return ReconcileResult{};
    }
    log::info("status updated",
              {{"resource", key_of(ns, name)},
               {"phase", std::string(api::to_string(status.phase.value_or(api::Phase::kPending)))},
               {"reason", outcome.reason},
               {"message", outcome.message}});
  }
  if (deleting) return ReconcileResult{};
  ctx.timings.time("after_write", [&] { after_write(ctx, *object, status); });
  if (log::min_level() <= log::Level::kDebug) {
    log::debug("reconcile timings (ms)",
               {{"resource", key_of(ns, name)}, {"reason", outcome.reason}, {"ms", ctx.timings.text()}});
  }
  return result_for(outcome, options_);
}

void Reconciler::after_write(const Context& ctx, const nlohmann::json& object, const api::Status& written) {
  auto events = transition_events(ctx.old_status, written);
  for (const auto& e : events) cluster_.record_event(object, e.type, e.reason, redact(e.message));
  observe_metrics(metrics_, ctx.resource, ctx.facts, ctx.old_status, written, events, clock_.now());
}

}  // namespace pgrevise::controller
