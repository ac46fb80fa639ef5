// The safety gate before a run's first Job (spec.safety.lint): the plan linted with the database's evidence,
// reported in status.lint, and under `block` a run with an error-level finding held until it is approved.
#include <optional>

#include "api/reasons.h"
#include "common/error.h"
#include "common/log.h"
#include "controller/lint_gate.h"
#include "controller/steps.h"

namespace pgrevise::controller {

namespace {

// The plan's findings, with the rules and locks of the database's server version and the evidence of its
// sizes and locks; offline (lint::kDefaultServerVersion, no evidence) when the database cannot be read now.
std::vector<lint::Finding> analyse(Context& ctx, lint::LintOptions options) {
  std::optional<int> version;
  bool online = true;
  try {
    version = ctx.probe.read_server_version(*ctx.database);
  } catch (const Error& e) {
    online = false;
    log::warn("lint: the database could not be read; findings without its version, sizes and locks",
              {{"resource", ctx.ns() + "/" + ctx.name()}, {"error", e.what()}});
  }
  if (version) options.server_version = *version;
  auto results = lint_plan(ctx.migrations->graph, *ctx.plan, options);
  std::vector<lint::Finding> all;
  for (const auto& r : results) all.insert(all.end(), r.findings.begin(), r.findings.end());
  if (!online) return all;
  try {
    const auto facts = ctx.probe.read_relation_facts(*ctx.database, lint::relations_of(all));
    all.clear();
    for (auto& r : results) {
      lint::apply_evidence(r, facts, options.evidence);
      all.insert(all.end(), r.findings.begin(), r.findings.end());
    }
  } catch (const Error& e) {
    log::warn("lint: the database's sizes and locks could not be read; findings without them",
              {{"resource", ctx.ns() + "/" + ctx.name()}, {"error", e.what()}});
  }
  return all;
}

}  // namespace

std::optional<Outcome> check_lint(Context& ctx) {
  const auto& mode = ctx.resource.spec.safety.lint;
  if (mode == api::kLintOff || !ctx.plan || !ctx.migrations || !ctx.database || ctx.plan->empty())
    return std::nullopt;
  // A run that has started was analysed before its first Job; its Jobs are not held up again.
  if (ctx.job(ctx.backup_job_name) != nullptr || ctx.job(ctx.migrate_job_name) != nullptr ||
      (!ctx.old_status.active_job.empty() && ctx.old_status.active_job == ctx.migrate_job_name))
    return std::nullopt;
  const auto status = lint_status(analyse(ctx, lint_options_for(ctx.resource.spec)), ctx.run_hash);
  ctx.facts.lint = status;
  if (mode != api::kLintBlock || !has_error(status)) return std::nullopt;
  if (approved(ctx.resource, ctx.run_hash)) {
    ctx.facts.lint_approved = ctx.run_hash;
    return std::nullopt;
  }
  return Outcome::stalled(api::Phase::kBlocked, api::reason::kLintBlocked,
                          blocked_message(status, ctx.name()));
}

}  // namespace pgrevise::controller
