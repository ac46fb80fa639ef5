#include "runner/steps.h"

#include "common/error.h"
#include "revision/check.h"
#include "revision/sql_splitter.h"

namespace pgrevise::runner {

std::vector<ExecStep> exec_steps(const revision::RevisionGraph& graph, const revision::Plan& plan) {
  std::vector<ExecStep> out;
  out.reserve(plan.steps.size());
  for (const auto& ps : plan.steps) {
    const auto& script = graph.at(ps.revision).script;
    const bool up = ps.direction == Direction::kUpgrade;
    if (!up && !script.downgrade) {
      throw_bad_input("cannot downgrade revision " + script.revision + ": " + script.file +
                      " has no `-- +downgrade` section (nothing was changed)");
    }
    if (up ? script.upgrade_needs_sql : script.downgrade_needs_sql) {
      throw_bad_input(std::string("cannot ") + (up ? "upgrade" : "downgrade") + " revision " +
                      script.revision + ": " + revision::needs_sql_problem(script) +
                      " (nothing was changed)");
    }
    const auto& section = up ? script.upgrade : *script.downgrade;
    ExecStep step{.revision = script.revision,
                  .message = script.message,
                  .direction = ps.direction,
                  .file = script.file,
                  .sql_first_line = section.first_line,
                  .sql = section.sql,
                  .checksum = script.checksum,
                  .transactional = script.transactional,
                  .version_changes = ps.version_changes};
    if (!script.transactional) {
      auto split = revision::split_statements(section.sql, section.first_line);
      for (auto& st : split.statements) step.statements.emplace_back(std::move(st.sql), st.line);
      if (split.refused)
        step.grammar_refused = ExecStep::GrammarRefusal{std::move(split.refused->message),
                                                        split.refused->line, split.refused->column};
    }
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace pgrevise::runner
