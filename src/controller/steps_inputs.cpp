#include <algorithm>

#include "api/reasons.h"
#include "common/strings.h"
#include "controller/database_target.h"
#include "controller/job_view.h"
#include "controller/records.h"
#include "controller/steps.h"
#include "controller/tls_files.h"
#include "revision/errors.h"
#include "specs/names.h"

namespace pgrevise::controller {
namespace {

using api::Phase;
namespace reason = api::reason;

Outcome recheck(Outcome outcome, const Context& ctx) {
  outcome.requeue_after = ctx.options.recheck_interval;
  return outcome;
}

std::vector<std::string> downgraded_revisions(const revision::Plan& plan) {
  std::vector<std::string> ids;
  for (const auto& step : plan.steps) {
    if (step.direction == Direction::kDowngrade) ids.push_back(step.revision_id);
  }
  return ids;
}

}  // namespace

const nlohmann::json* Context::job(const std::string& job_name) const {
  return find_job(jobs, job_name);
}

std::optional<Outcome> validate_spec(Context& ctx) {
  if (ctx.spec_errors.empty()) return std::nullopt;
  return Outcome::stalled(Phase::kBlocked, reason::kInvalidSpec, api::describe(ctx.spec_errors));
}

std::optional<Outcome> load_migrations(Context& ctx) {
  const auto& source = ctx.resource.spec.migrations;
  if (!source.config_map_ref) {
    // Migrations inside an image: the operator cannot read them, so it runs without a revision graph (see
    // Context::plan) and the run is identified by the image reference.
    ctx.inputs.migrations_digest = specs::migrations_digest_from_image(*source.image);
    return std::nullopt;
  }
  const std::string& cm_name = source.config_map_ref->name;
  ctx.config_map = ctx.cluster.get_config_map(ctx.ns(), cm_name);
  if (!ctx.config_map) {
    return recheck(Outcome::stalled(
                       Phase::kBlocked, reason::kConfigMapNotFound,
                       "ConfigMap " + ctx.ns() + "/" + cm_name + " (spec.migrations.configMapRef) not found"),
                   ctx);
  }
  try {
    ctx.migrations = load_migration_set(*ctx.config_map);
  } catch (const revision::RevisionError& e) {
    return recheck(Outcome::stalled(Phase::kBlocked, reason::kInvalidMigrations,
                                    "ConfigMap " + ctx.ns() + "/" + cm_name + ": " + e.what()),
                   ctx);
  }
  ctx.inputs.migrations_digest = specs::migrations_digest_from_config_map(*ctx.config_map);
  ctx.inputs.migration_keys = ctx.migrations->keys;
  return std::nullopt;
}

std::optional<Outcome> resolve_connection(Context& ctx) {
  auto resolution = resolve_database(ctx.cluster, ctx.ns(), ctx.resource.spec);
  if (!resolution.target) {
    return recheck(Outcome::stalled(Phase::kBlocked, resolution.reason, resolution.message), ctx);
  }
  ctx.database = std::move(resolution.target);
  return std::nullopt;
}

std::optional<Outcome> read_heads(Context& ctx) {
  try {
    ctx.heads = ctx.probe.read_heads(*ctx.database);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kConnection && is_certificate_rejection(e.what())) {
      return recheck(
          Outcome::stalled(Phase::kBlocked, reason::kDatabaseCertificateRejected,
                           std::string(e.what()) + " (check spec.database.tls and spec.database.sslMode)"),
          ctx);
    }
    const std::string_view why = e.kind() == ErrorKind::kConnection  ? reason::kDatabaseUnreachable
                                 : e.kind() == ErrorKind::kTransient ? reason::kTransientError
                                                                     : reason::kVersionTableUnreadable;
    return Outcome::retrying(why, e.what());
  }
  std::sort(ctx.heads.begin(), ctx.heads.end());
  ctx.facts.current_heads = ctx.heads;
  return std::nullopt;
}

std::optional<Outcome> plan_target(Context& ctx) {
  if (!ctx.migrations) return std::nullopt;
  const std::string& target = ctx.resource.spec.target_revision;
  try {
    ctx.plan = revision::plan_to_target(ctx.migrations->graph, target, ctx.heads);
  } catch (const revision::RevisionError& e) {
    ctx.facts.target_heads = std::vector<std::string>{};
    ctx.facts.pending_revisions = std::vector<std::string>{};
    if (e.code() == revision::RevisionErrorCode::kUnknownCurrent) {
      return Outcome::stalled(Phase::kBlocked, reason::kOutOfBandChange, e.what());
    }
    return Outcome::stalled(Phase::kBlocked, reason::kInvalidTarget,
                            "spec.targetRevision \"" + target + "\": " + std::string(e.what()));
  }
  std::vector<std::string> pending;
  for (const auto& step : ctx.plan->steps) pending.push_back(step.revision_id);
  ctx.facts.target_heads = ctx.plan->heads_after;
  ctx.facts.pending_revisions = pending;
  auto downgrades = downgraded_revisions(*ctx.plan);
  if (!downgrades.empty() && !ctx.resource.spec.safety.allow_downgrade) {
    return Outcome::stalled(Phase::kBlocked, reason::kDowngradeNotAllowed,
                            "target \"" + target + "\" is below the current heads (" + heads_text(ctx.heads) +
                                "): it would downgrade " + join(downgrades, ", ") +
                                "; set spec.safety.allowDowngrade to true to allow it");
  }
  return std::nullopt;
}

std::optional<Outcome> identify_run(Context& ctx) {
  ctx.inputs.direction = ctx.plan && revision::downgrade_step_count(*ctx.plan) > 0
                             ? specs::Direction::kDowngrade
                             : specs::Direction::kUpgrade;
  ctx.run_hash = specs::plan_hash(ctx.resource, specs::JobKind::kMigrate, ctx.inputs);
  ctx.backup_job_name = specs::job_name(ctx.resource, specs::JobKind::kBackup, ctx.inputs);
  ctx.migrate_job_name = specs::job_name(ctx.resource, specs::JobKind::kMigrate, ctx.inputs);
  ctx.plan_job_name = specs::job_name(ctx.resource, specs::JobKind::kPlan, ctx.inputs);
  for (auto& job : ctx.cluster.list_owned_jobs(ctx.ns(), specs::label_value(ctx.name()))) {
    if (owned_by(job, ctx.resource.metadata.uid)) ctx.jobs.push_back(std::move(job));
  }
  return std::nullopt;
}

Outcome run_steps(Context& ctx) {
  for (const NamedStep& step : kSteps) {
    if (auto outcome = ctx.timings.time(step.name, [&] { return step.run(ctx); })) return std::move(*outcome);
  }
  // run_migration always decides; reaching here would be a bug in the step list.
  return Outcome::progressing(api::Phase::kPending, reason::kProgressing, "");
}

}  // namespace pgrevise::controller
