#include "runner/plan_locks.h"

#include <optional>

#include "lint/lint.h"

namespace pgrevise::runner {

namespace {

std::string lock_cell(const ExecStep& step) {
  const lint::Source source{step.file, step.revision, step.transactional, step.sql,
                            sql::Origin{step.sql_first_line, 0}};
  lint::LintOptions options;
  for (const auto& rule : lint::all_rules())
    options.severities[std::string(rule.name)] = lint::Severity::kOff;
  const auto result = lint::lint_source(source, options);
  std::optional<lint::Effect> strongest;
  size_t unparsed = 0;
  for (const auto& statement : result.statements) {
    if (!statement.parsed) ++unparsed;
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
  std::string cell = strongest ? strongest->describe() : "-";
  if (unparsed > 0) cell += " (+" + std::to_string(unparsed) + " unparsed)";
  return cell;
}

}  // namespace

std::vector<std::string> plan_lock_column(const std::vector<ExecStep>& steps) {
  std::vector<std::string> out;
  out.reserve(steps.size());
  for (const auto& step : steps) out.push_back(lock_cell(step));
  return out;
}

}  // namespace pgrevise::runner
