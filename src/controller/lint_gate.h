#pragma once

// The safety analysis before a run (spec.safety.lint, docs/safety.md): the plan's upgrade steps linted as
// `pgrevise lint` lints them, with the evidence the database gives, turned into status.lint and the decision
// whether the run may start. Pure: the facts come in as data.
#include <string>
#include <vector>

#include "api/types.h"
#include "lint/lint.h"
#include "revision/graph.h"
#include "revision/plan.h"

namespace pgrevise::controller {

// The results of the plan's upgrade steps, each revision's upgrade section linted with `options`.
std::vector<lint::SourceResult> lint_plan(const revision::RevisionGraph& graph, const revision::Plan& plan,
                                          const lint::LintOptions& options);

// The lint options a resource runs with: pgrevise's own lock_timeout covers the statements when it sets one.
lint::LintOptions lint_options_for(const api::Spec& spec);

// status.lint: the findings most severe first, at most api::kMaxLintFindings, each message cut to fit.
api::LintStatus lint_status(const std::vector<lint::Finding>& findings, const std::string& plan_hash);

// Whether any finding is at error severity.
bool has_error(const api::LintStatus& status);

// Whether the resource approves the plan with `plan_hash` (pgrevise.dev/approve holds exactly that hash).
bool approved(const api::PostgresMigration& resource, const std::string& plan_hash);

// The message of a blocked run: how many errors, the first, and how to approve the plan.
std::string blocked_message(const api::LintStatus& status, const std::string& name);

}  // namespace pgrevise::controller
