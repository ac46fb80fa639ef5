#include "runner/plan_locks.h"

#include <optional>

#include "db/connection.h"
#include "lint/lint.h"
#include "lint/live.h"

namespace pgrevise::runner {

namespace {

// The strongest lock among a step's statements, how many statements the grammar refused and the first of
// them.
struct StepLocks {
  std::optional<lint::Effect> strongest;
  size_t unparsed = 0;
  std::optional<sql::Position> first_unparsed;
  std::string refusal;  // the grammar's message for it
};

// The analysis of every step with `server_version`'s locks and no rule (the effects are all the column
// needs), the steps on as many threads as there are cores.
std::vector<lint::SourceResult> analyse(const std::vector<ExecStep>& steps, int server_version) {
  lint::LintOptions options;
  options.server_version = server_version;
  for (const auto& rule : lint::all_rules())
    options.severities[std::string(rule.name)] = lint::Severity::kOff;
  std::vector<lint::Source> sources;
  sources.reserve(steps.size());
  for (const auto& step : steps)
    sources.push_back(lint::Source{step.file, step.revision, step.transactional, step.sql,
                                   sql::Origin{step.sql_first_line, 0}});
  return lint::lint_sources(sources, options);
}

StepLocks step_locks(const lint::SourceResult& result) {
  StepLocks out;
  auto& strongest = out.strongest;
  for (const auto& statement : result.statements) {
    if (!statement.parsed && out.unparsed++ == 0) {
      out.first_unparsed = statement.position;
      out.refusal = statement.refusal;
    }
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

std::string grammar_note(const std::string& file, int line, int column, const std::string& message,
                         const std::string& consequence) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": note[" +
         std::string(lint::kUnsupportedSyntax) + "]: the PostgreSQL " +
         std::to_string(sql::grammar_version()) + " grammar cannot parse this statement (" + message +
         "): " + consequence;
}

std::vector<std::string> plan_lock_column(const std::vector<ExecStep>& steps, pqxx::connection_base* live,
                                          std::vector<std::string>* notes) {
  std::vector<StepLocks> locks;
  std::vector<std::string> relations;
  const int version = live != nullptr ? db::server_version_num(*live) / 10000 : lint::kDefaultServerVersion;
  for (const auto& result : analyse(steps, version)) {
    locks.push_back(step_locks(result));
    if (locks.back().strongest) relations.push_back(locks.back().strongest->primary()->relation);
  }
  lint::RelationFactsMap facts;
  if (live != nullptr && !relations.empty()) facts = lint::read_relation_facts(*live, relations);
  std::vector<std::string> out;
  out.reserve(steps.size());
  if (notes != nullptr) {
    notes->clear();
    for (size_t i = 0; i < steps.size(); ++i) {
      const auto& first = locks[i].first_unparsed;
      notes->push_back(!first ? ""
                              : grammar_note(steps[i].file, first->line, first->column, locks[i].refusal,
                                             "its lock is not known; the server decides whether it is valid "
                                             "(newer syntax runs on a newer server)"));
    }
  }
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
