// The read-only `migrate` commands: current, check, plan and the offline --sql script.
#include <algorithm>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>
#include <pqxx/transaction>

#include "common/redact.h"
#include "common/strings.h"
#include "db/history.h"
#include "db/version_table.h"
#include "revision/check.h"
#include "revision/graph.h"
#include "revision/plan.h"
#include "revision/target.h"
#include "revision/version_width.h"
#include "runner/drift_guard.h"
#include "runner/invalid_index_guard.h"
#include "runner/plan_locks.h"
#include "runner/runner.h"
#include "runner/session.h"
#include "runner/sql_script.h"
#include "runner/steps.h"
#include "runner/version_column.h"

namespace pgrevise::runner {

namespace {

std::vector<std::string> read_rows(const RunnerOptions& options) {
  Session session = open_session(options);
  pqxx::read_transaction tx(*session.conn);
  return db::read_heads(tx, options.version_table);
}

// The rows and the version column of the database a plan starts from.
struct DatabaseState {
  std::vector<std::string> rows;
  VersionColumnState column;
};

DatabaseState read_state(const RunnerOptions& options, const revision::RevisionGraph& graph) {
  Session session = open_session(options);
  DatabaseState state;
  state.rows = db::read_heads(*session.conn, options.version_table);
  state.column = read_version_column_state(*session.conn, options.version_table, graph);
  return state;
}

std::string head_marker(const revision::RevisionGraph& graph, const std::string& id) {
  auto idx = graph.find(id);
  if (!idx) return " (unknown revision)";
  const auto& r = graph.at(*idx);
  std::string out;
  if (r.is_head()) out += " (head)";
  if (r.is_merge_point()) out += " (mergepoint)";
  return out;
}

}  // namespace

int Runner::current(bool verbose) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  const auto rows = read_rows(options_);
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"heads", rows}}.dump() << "\n";
    return 0;
  }
  for (const auto& row : rows) {
    out_ << row << head_marker(graph, row);
    if (verbose) {
      if (auto idx = graph.find(row))
        out_ << ", " << graph.at(*idx).script.message << " (" << graph.at(*idx).script.file << ")";
    }
    out_ << "\n";
  }
  if (rows.empty()) out_ << "(base) — no revision applied\n";
  return 0;
}

namespace {

// `migrate plan`'s table: one row per step with its lock, then the step's version-table changes and, when the
// grammar refused a statement of it, a note saying so.
void print_plan_table(std::ostream& out, const revision::Plan& p, const std::vector<ExecStep>& steps,
                      pqxx::connection_base* live) {
  std::vector<std::string> notes;
  const auto locks = plan_lock_column(steps, live, &notes);
  std::vector<std::string> rows(steps.size());
  size_t width = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    rows[i] = "[" + std::to_string(i + 1) + "/" + std::to_string(steps.size()) + "] " +
              to_string(steps[i].direction) + " " + steps[i].revision + " " + steps[i].message +
              (steps[i].transactional ? "" : " (non-transactional)");
    width = std::max(width, rows[i].size());
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    out << rows[i] << std::string(width - rows[i].size() + 2, ' ') << "lock: " << locks[i] << "\n";
    for (const auto& c : p.steps[i].version_changes) out << "      version table: " << c.to_string() << "\n";
    if (!notes[i].empty()) out << "      " << notes[i] << "\n";
  }
}

}  // namespace

int Runner::plan(const std::string& target, bool downgrade, bool sql) {
  report_ = JobReport{
      .kind = "plan", .command = downgrade ? "downgrade" : "upgrade", .result = "failed", .target = target};
  report_.started_at = format_rfc3339_ms(clock_.now());
  try {
    const auto graph = revision::load_graph(options_.migrations_dir);
    const auto [rows, column] = read_state(options_, graph);
    const auto p = downgrade ? revision::plan_downgrade(graph, target, rows)
                             : revision::plan_upgrade(graph, target, rows);
    const auto steps = exec_steps(graph, p);
    revision::check_ids_fit(graph, p, column.width, version_column_ref(options_.version_table), column.unit);
    report_.heads_before = p.heads_before;
    report_.heads_after = p.heads_after;
    for (const auto& s : steps) report_.steps.push_back({s.revision, s.direction, 0});
    report_.result = steps.empty() ? "noop" : "succeeded";
    if (sql && steps.empty()) {
      // A comment, so the output stays a script psql runs without effect.
      out_ << "-- Nothing to do: already at " << (rows.empty() ? "base" : join(rows, ", ")) << "\n";
    } else if (sql) {
      out_ << sql_script(steps, options_,
                         "pgrevise " + version_ + ": " + report_.command + " " + target + " from " +
                             (rows.empty() ? std::string("base") : join(rows, ", ")),
                         version_, column.create_width);
    } else if (options_.output == OutputFormat::kText) {
      if (steps.empty())
        out_ << "Nothing to do: already at " << (rows.empty() ? "base" : join(rows, ", ")) << "\n";
      std::optional<Session> live;
      if (!steps.empty()) live.emplace(open_session(options_));
      print_plan_table(out_, p, steps, live ? live->conn.get() : nullptr);
    }
    return finish(0);
  } catch (const Error& e) {
    report_.error = ReportError{.message = redact(e.what())};
    err_ << "pgrevise migrate plan: " << redact(e.what()) << std::endl;
    return finish(exit_code_for(e.kind()));
  }
}

int Runner::offline_sql(const std::string& target_arg, bool downgrade) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  std::string target = target_arg;
  std::vector<std::string> start_rows;
  std::string from_text = "an empty database";
  if (auto colon = target.find(':'); colon != std::string::npos) {
    const std::string from = target.substr(0, colon);
    target = target.substr(colon + 1);
    start_rows = graph.ids(revision::resolve_revisions(graph, from));
    from_text = start_rows.empty() ? "base" : join(start_rows, ", ");
  } else if (downgrade) {
    throw_bad_input("an offline downgrade needs to know where it starts: give FROM:TO (e.g. 0016:0010)");
  }
  const auto p = downgrade ? revision::plan_downgrade(graph, target, start_rows)
                           : revision::plan_upgrade(graph, target, start_rows);
  const auto steps = exec_steps(graph, p);
  // Without a database, the width is the one the script gives the table it creates; a script that starts FROM
  // a revision assumes the same width (its CREATE TABLE IF NOT EXISTS leaves an existing table as it is).
  const size_t width = revision::created_version_width(graph);
  revision::check_ids_fit(graph, p, width, version_column_ref(options_.version_table),
                          revision::LengthUnit::kCharacters);
  out_ << sql_script(steps, options_,
                     "pgrevise " + version_ + ": " + (downgrade ? "downgrade " : "upgrade ") + target +
                         " from " + from_text + ", generated offline",
                     version_, width);
  return 0;
}

std::vector<revision::Finding> database_findings(pqxx::transaction_base& tx, const RunnerOptions& options,
                                                 const revision::RevisionGraph& graph,
                                                 const std::vector<std::string>& rows) {
  const auto state = revision::applied_state(graph, rows);
  std::vector<std::string> applied;
  for (revision::RevIndex i = 0; i < graph.size(); ++i) {
    if (state.applied[i]) applied.push_back(graph.at(i).id());
  }
  db::HistoryTable history(options.version_table);
  if (applied.empty() || !history.exists(tx)) return revision::check_against_database(graph, rows);
  return revision::check_against_database(graph, rows, history.last_checksums(tx, applied));
}

void refuse_drift(pqxx::transaction_base& tx, const RunnerOptions& options,
                  const revision::RevisionGraph& graph, const std::vector<std::string>& rows) {
  if (options.allow_drift) return;
  std::vector<std::string> drifted;
  for (const auto& f : database_findings(tx, options, graph, rows))
    if (f.kind == revision::Finding::Kind::kChecksumDrift) drifted.push_back(f.message);
  if (drifted.empty()) return;
  throw_bad_input(join(drifted, "\n") +
                  "\nThe database no longer matches these files. Put the files back as they were applied, or "
                  "write the change as a new revision (`pgrevise new`); pass --allow-drift to run anyway.");
}

int Runner::check(bool offline) {
  auto checked = revision::check_directory(options_.migrations_dir);
  std::vector<std::string> findings;
  for (const auto& f : checked.findings) findings.push_back(f.message);
  if (!offline) {
    Session session = open_session(options_);
    pqxx::read_transaction tx(*session.conn);
    const auto rows = db::read_heads(tx, options_.version_table);
    db::HistoryTable history(options_.version_table);
    for (const auto& e : history.unfinished(tx)) {
      findings.push_back("unfinished: revision " + e.revision + " (non-transactional) started at " +
                         e.started_at +
                         " never finished; resolve with `stamp` or `upgrade --retry-unfinished`");
    }
    for (auto& finding : invalid_index_findings(tx)) findings.push_back(std::move(finding));
    if (checked.graph) {
      for (const auto& f : database_findings(tx, options_, *checked.graph, rows))
        findings.push_back(f.message);
    }
  }
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"ok", findings.empty()}, {"findings", findings}}.dump() << "\n";
  } else {
    for (const auto& f : findings) out_ << redact(f) << "\n";
    if (findings.empty()) {
      out_ << "OK: " << (checked.graph ? checked.graph->size() : 0) << " revisions, no problems found\n";
    }
  }
  return findings.empty() ? 0 : 1;
}

}  // namespace pgrevise::runner
