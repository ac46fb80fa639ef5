#include "runner/plan_locks.h"

#include <optional>

#include "lint/lint.h"
#include "lint/live.h"

namespace pgrevise::runner {

namespace {

// The strongest lock among a step's statements and how many statements the grammar refused.
struct StepLocks {
  std::optional<lint::Effect> strongest;
  size_t unparsed = 0;
};

StepLocks step_locks(const ExecStep& step) {
  const lint::Source source{step.file, step.revision, step.transactional, step.sql,
                            sql::Origin{step.sql_first_line, 0}};
  lint::LintOptions options;
  for (const auto& rule : lint::all_rules())
    options.severities[std::string(rule.name)] = lint::Severity::kOff;
  const auto result = lint::lint_source(source, options);
  StepLocks out;
  auto& strongest = out.strongest;
  for (const auto& statement : result.statements) {
    if (!statement.parsed) ++out.unparsed;
    if (statement.effect.primary() == nullptr || statement.new_table) continue;
    if (!strongest || statement.effect.strongest() > strongest->strongest()) {
      strongest = statement.effect;
    } else if (statement.effect.strongest() == strongest->strongest() &&
               statement.effect.primary()->relation == strongest->primary()->relation) {
      // Several statements under the same lock on the same table: say if any of them rewrites or scans it.
      strongest->rewrites = strongest->rewrites || statement.effect.rewrites;
      strongest->scans = strongest->scans || statement.effect.scans;
    }
  }
  return out;
}

// " (200 k rows, 11.1 MB, about 2 s)": the table's size now, and the time a rewrite or scan of it takes at
// the default throughput; " (not created yet)" for a table an earlier step creates.
std::string evidence(const lint::Effect& effect, const lint::RelationFacts& facts) {
  if (!facts.exists) return " (not created yet)";
  std::string out = " (" + lint::rows_text(facts.rows) + ", " + lint::bytes_text(facts.bytes);
  if (effect.rewrites || effect.scans)
    out +=
        ", " + lint::seconds_text(double(facts.bytes) / (lint::EvidenceOptions{}.throughput_mb_per_s * 1e6));
  return out + ")";
}

}  // namespace

std::vector<std::string> plan_lock_column(const std::vector<ExecStep>& steps, pqxx::connection_base* live) {
  std::vector<StepLocks> locks;
  std::vector<std::string> relations;
  for (const auto& step : steps) {
    locks.push_back(step_locks(step));
    if (locks.back().strongest) relations.push_back(locks.back().strongest->primary()->relation);
  }
  lint::RelationFactsMap facts;
  if (live != nullptr && !relations.empty()) facts = lint::read_relation_facts(*live, relations);
  std::vector<std::string> out;
  out.reserve(steps.size());
  for (const auto& step : locks) {
    std::string cell = step.strongest ? step.strongest->describe() : "-";
    if (step.strongest) {
      const auto it = facts.find(step.strongest->primary()->relation);
      if (it != facts.end()) cell += evidence(*step.strongest, it->second);
    }
    if (step.unparsed > 0) cell += " (+" + std::to_string(step.unparsed) + " unparsed)";
    out.push_back(std::move(cell));
  }
  return out;
}

}  // namespace pgrevise::runner
