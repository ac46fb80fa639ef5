#include "runner/sql_script.h"

#include <algorithm>

#include "common/error.h"
#include "db/execute.h"
#include "db/history.h"
#include "db/version_table.h"

namespace pgrevise::runner {

namespace {

std::string comment_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    out += "-- " + text.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

void append_statements(std::string& out, const std::vector<std::string>& statements) {
  for (const auto& s : statements) out += s + ";\n";
}

// The version table's DDL, then the history table's without what the first already holds: both create the
// schema they live in.
std::vector<std::string> tables_ddl(const std::vector<std::string>& version_table,
                                    const std::vector<std::string>& history) {
  std::vector<std::string> out = version_table;
  for (const auto& statement : history)
    if (std::find(out.begin(), out.end(), statement) == out.end()) out.push_back(statement);
  return out;
}

// A revision's SQL with its last statement terminated once: as it is when it ends in ';' (a line comment
// could hide that ';', so not then), else with ';' on a line of its own, after any trailing comment.
std::string terminated(const std::string& sql) {
  const size_t end = sql.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  const size_t line_start = sql.rfind('\n', end) == std::string::npos ? 0 : sql.rfind('\n', end) + 1;
  if (sql[end] == ';' && sql.find("--", line_start) == std::string::npos)
    return sql.substr(0, end + 1) + "\n";
  return sql + "\n;\n";
}

}  // namespace

std::string sql_script(const std::vector<ExecStep>& steps, const RunnerOptions& options,
                       const std::string& header_comment, const std::string& pgrevise_version,
                       size_t version_table_width) {
  const bool all_in_one = options.transaction_mode == TransactionMode::kAll;
  for (const auto& step : steps) {
    if (all_in_one && !step.transactional) {
      throw_bad_input("revision " + step.revision + " (" + step.file +
                      ") is non-transactional and cannot run inside --transaction all");
    }
  }
  const db::Timeouts timeouts{options.lock_timeout, options.statement_timeout};
  const db::HistoryTable history(options.version_table);
  std::string out = comment_lines(header_comment);
  out += "-- Run with: psql -v ON_ERROR_STOP=1 -f FILE\n\n";
  out += "BEGIN;\n";
  append_statements(
      out, tables_ddl(db::version_table_ddl(options.version_table, version_table_width), history.ddl()));
  if (!all_in_one) out += "COMMIT;\n";

  const int count = static_cast<int>(steps.size());
  for (int i = 0; i < count; ++i) {
    const ExecStep& step = steps[static_cast<size_t>(i)];
    const db::StepRecord record{.revision = step.revision,
                                .direction = step.direction,
                                .checksum = step.checksum,
                                .transactional = step.transactional,
                                .run_id = "offline",
                                .step_index = i + 1,
                                .step_count = count,
                                .pgrevise_version = pgrevise_version};
    out += "\n-- Running " + std::string(to_string(step.direction)) + " " + step.revision + ", " +
           step.message + " (" + step.file + ")\n";
    if (step.transactional) {
      if (!all_in_one) out += "BEGIN;\n";
      if (auto t = db::timeouts_sql(timeouts, true); !t.empty()) out += t + "\n";
      out += terminated(step.sql);
    } else {
      out += "-- non-transactional: each statement runs on its own, outside a transaction\n";
      if (auto t = db::timeouts_sql(timeouts, false); !t.empty()) out += t + "\n";
      for (const auto& [statement, line] : step.statements) out += statement + ";\n";
      if (!db::timeouts_sql(timeouts, false).empty())
        out += "RESET lock_timeout;\nRESET statement_timeout;\n";
      out += "BEGIN;\n";
    }
    append_statements(out, db::version_change_sql(options.version_table, step.version_changes));
    out += history.record_sql(record) + ";\n";
    if (!all_in_one || !step.transactional) out += "COMMIT;\n";
  }
  if (all_in_one) out += "\nCOMMIT;\n";
  return out;
}

}  // namespace pgrevise::runner
