#include "runner/runner.h"

#include <algorithm>
#include <ostream>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/terminal.h"
#include "db/execute.h"
#include "db/history.h"
#include "db/lock.h"
#include "revision/graph.h"
#include "revision/plan.h"
#include "runner/drift_guard.h"
#include "runner/executor.h"
#include "runner/invalid_index_guard.h"
#include "runner/live_progress.h"
#include "runner/plan_locks.h"
#include "runner/session.h"
#include "runner/steps.h"
#include "runner/version_column.h"

namespace pgrevise::runner {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// The heads once a step failed. When the failure was the connection itself (the server restarted or went
// away), reading them must not replace the step's error with a second one: the next run reads them anyway.
std::vector<std::string> heads_after_failure(pqxx::connection& conn, const RunnerOptions& options,
                                             std::vector<std::string> fallback) {
  try {
    pqxx::work tx(conn);
    return db::read_heads(tx, options.version_table);
  } catch (const std::exception& e) {
    log::warn("could not read the version table after the failure", {{"error", redact(e.what())}});
    return fallback;
  }
}

std::string describe_heads(const std::vector<std::string>& heads) {
  return heads.empty() ? std::string("base") : join(heads, ", ");
}

}  // namespace

Runner::Runner(RunnerOptions options, Clock& clock, std::ostream& out, std::ostream& err,
               std::string pgrevise_version)
    : options_(std::move(options)),
      clock_(clock),
      out_(out),
      err_(err),
      version_(std::move(pgrevise_version)) {}

int Runner::finish(int exit_code) {
  report_.finished_at = format_rfc3339_ms(clock_.now());
  if (options_.report_path) write_job_report(*options_.report_path, report_);
  if (options_.output == OutputFormat::kJson) out_ << to_json(report_) << "\n";
  return exit_code;
}

int Runner::upgrade(const std::string& target) {
  return migrate("upgrade", target, Mode::kUpgrade);
}
int Runner::downgrade(const std::string& target) {
  return migrate("downgrade", target, Mode::kDowngrade);
}
int Runner::sync(const std::string& target, bool allow_downgrade) {
  return migrate("sync", target, Mode::kSync, allow_downgrade);
}

namespace {

revision::Plan plan_for(Runner::Mode mode, const revision::RevisionGraph& graph, const std::string& target,
                        const std::vector<std::string>& heads, bool allow_downgrade) {
  if (mode == Runner::Mode::kUpgrade) return revision::plan_upgrade(graph, target, heads);
  if (mode == Runner::Mode::kDowngrade) return revision::plan_downgrade(graph, target, heads);
  auto plan = revision::plan_to_target(graph, target, heads);
  if (!allow_downgrade && revision::downgrade_step_count(plan) > 0) {
    std::vector<std::string> reverted;
    for (const auto& step : plan.steps)
      if (step.direction == Direction::kDowngrade) reverted.push_back(step.revision_id);
    throw_bad_input("sync " + target + " would revert " + join(reverted, ", ") +
                    "; pass --allow-downgrade to permit it");
  }
  return plan;
}

// One informational line for each non-transactional step whose SQL the grammar refused, before anything runs.
void note_grammar_refusals(std::ostream& err, const std::vector<ExecStep>& steps) {
  for (const auto& step : steps) {
    if (!step.grammar_refused) continue;
    const auto& refused = *step.grammar_refused;
    err << grammar_note(step.file, refused.line, refused.column, refused.message,
                        "its statements are split as psql splits them, and the server decides whether each "
                        "is valid (newer syntax runs on a newer server)")
        << "\n";
  }
}

}  // namespace

int Runner::migrate(const std::string& command, const std::string& target, Mode mode, bool allow_downgrade) {
  const bool downgrade = mode == Mode::kDowngrade;
  report_ = JobReport{.kind = "migrate", .command = command, .result = "failed", .target = target};
  report_.started_at = format_rfc3339_ms(clock_.now());
  const auto started = clock_.steady_now();
  try {
    const auto graph = revision::load_graph(options_.migrations_dir);
    Session session = open_session(options_);
    db::MigrationLock lock(*session.conn, options_.version_table);
    lock.acquire(clock_, {.lock_wait = options_.lock_wait});
    report_.lock_wait_ms = lock.waited().count();
    refuse_unfinished(*session.conn, options_, graph);

    const auto heads = db::read_heads(*session.conn, options_.version_table);
    report_.heads_before = heads;
    report_.heads_after = heads;
    if (mode != Mode::kDowngrade) {
      pqxx::read_transaction tx(*session.conn);
      refuse_drift(tx, options_, graph, heads);
    }
    // Planning comes before anything is written: a refused target leaves the database exactly as it was.
    const auto plan = plan_for(mode, graph, target, heads, allow_downgrade);
    const auto steps = exec_steps(graph, plan);
    note_grammar_refusals(err_, steps);
    refuse_invalid_indexes_left(*session.conn, options_, steps);
    // Every row the run writes must fit the column: a run never fails at a version-row write halfway.
    const auto column = read_version_column_state(*session.conn, options_.version_table, graph);
    revision::check_ids_fit(graph, plan, column.width, version_column_ref(options_.version_table),
                            column.unit);
    if (!steps.empty()) {
      pqxx::work tx(*session.conn);
      db::ensure_version_table(tx, options_.version_table, column.create_width);
      db::HistoryTable(options_.version_table).ensure(tx);
      tx.commit();
    }
    if (steps.empty()) {
      report_.result = "noop";
      if (options_.output == OutputFormat::kText)
        out_ << "Nothing to do: already at " << describe_heads(heads) << "\n";
      report_.duration_ms = duration_cast<milliseconds>(clock_.steady_now() - started).count();
      return finish(0);
    }

    std::unique_ptr<db::BlockerMonitor> monitor;
    try {
      monitor = std::make_unique<db::BlockerMonitor>(session.config, session.conn->backendpid(), clock_);
    } catch (const std::exception& e) {
      log::warn("running without naming lock blockers", {{"error", e.what()}});
    }
    Executor executor(*session.conn, options_, clock_, new_run_id(), version_, monitor.get());
    LiveProgress live(err_, clock_, options_.progress,
                      activity_sampler(session.config, session.conn->backendpid()));
    executor.on_progress([&live](const StepEvent& ev) { live.on_step(ev); });
    executor.on_statement([&live](std::string_view sql) { live.on_statement(sql); });
    live.start();
    try {
      executor.run(steps, report_.steps);
    } catch (const StepFailure& f) {
      live.stop();
      report_.error = f.where();
      report_.heads_after = heads_after_failure(*session.conn, options_, report_.heads_after);
      throw;
    }
    live.stop();
    lock.release();
    report_.heads_after = plan.heads_after;
    report_.result = "succeeded";
    report_.duration_ms = duration_cast<milliseconds>(clock_.steady_now() - started).count();
    if (options_.output == OutputFormat::kText) {
      out_ << (downgrade             ? "Downgraded"
               : mode == Mode::kSync ? "Moved"
                                     : "Upgraded")
           << " to " << describe_heads(plan.heads_after) << " (" << steps.size()
           << (steps.size() == 1 ? " revision" : " revisions") << " in " << report_.duration_ms << " ms)\n";
    }
    return finish(0);
  } catch (const Error& e) {
    report_.duration_ms = duration_cast<milliseconds>(clock_.steady_now() - started).count();
    if (!report_.error) report_.error = ReportError{.message = redact(e.what())};
    err_ << cli::paint("pgrevise migrate " + command + ":", cli::Colour::kRed, options_.colour) << " "
         << redact(e.what()) << std::endl;
    return finish(exit_code_for(e.kind()));
  } catch (const std::exception& e) {
    // libpqxx reports a lost connection as a broken_connection outside the statement path.
    report_.error = ReportError{.message = redact(e.what())};
    err_ << cli::paint("pgrevise migrate " + command + ":", cli::Colour::kRed, options_.colour) << " "
         << redact(e.what()) << std::endl;
    return finish(exit_code_for(ErrorKind::kConnection));
  }
}

namespace {

// Alembic takes any unique prefix, but a stamp runs nothing that would show a wrong guess: a prefix shorter
// than four characters is refused unless forced.
void refuse_short_prefix(const revision::RevisionGraph& graph, const std::string& target) {
  if (target.size() >= 4 || graph.find(target) || graph.label_owner(target)) return;
  const auto matches = graph.prefix_matches(target);
  if (matches.size() != 1) return;  // no match or several: target resolution says so
  throw_bad_input("stamp " + target + ": '" + target + "' is a prefix of revision " +
                  graph.at(matches[0]).id() +
                  " shorter than four characters; give more of the id, or pass --force-prefix");
}

// The history rows of a stamp: one per row it writes, or one `base` when it empties the table.
std::vector<db::StepRecord> stamp_records(const revision::RevisionGraph& graph,
                                          const std::vector<std::string>& before,
                                          const std::vector<std::string>& after, const std::string& version) {
  std::vector<std::string> stamped;
  for (const auto& row : after)
    if (std::find(before.begin(), before.end(), row) == before.end()) stamped.push_back(row);
  if (after.empty() && !before.empty()) stamped.push_back("base");
  std::vector<db::StepRecord> records;
  const std::string run_id = new_run_id();
  for (const auto& revision : stamped) {
    const auto index = graph.find(revision);
    records.push_back({.revision = revision,
                       .stamp = true,
                       .checksum = index ? graph.at(*index).script.checksum : "",
                       .run_id = run_id,
                       .step_index = static_cast<int>(records.size()) + 1,
                       .step_count = static_cast<int>(stamped.size()),
                       .pgrevise_version = version});
  }
  return records;
}

}  // namespace

int Runner::stamp(const std::string& target, bool purge, bool force_prefix) {
  report_ = JobReport{.kind = "migrate", .command = "stamp", .result = "failed", .target = target};
  report_.started_at = format_rfc3339_ms(clock_.now());
  try {
    const auto graph = revision::load_graph(options_.migrations_dir);
    if (!force_prefix) refuse_short_prefix(graph, target);
    Session session = open_session(options_);
    db::MigrationLock lock(*session.conn, options_.version_table);
    lock.acquire(clock_, {.lock_wait = options_.lock_wait});
    const auto column = read_version_column_state(*session.conn, options_.version_table, graph);
    pqxx::work tx(*session.conn);
    const auto heads = db::read_heads(tx, options_.version_table);
    const auto stamp_plan = revision::plan_stamp(graph, target, heads, purge);
    revision::check_stamp_fits(stamp_plan.heads_after, column.width,
                               version_column_ref(options_.version_table), column.unit);
    db::ensure_version_table(tx, options_.version_table, column.create_width);
    db::HistoryTable history(options_.version_table);
    history.ensure(tx);
    if (purge) db::purge(tx, options_.version_table);
    db::stamp(tx, options_.version_table, stamp_plan.heads_after);
    for (const auto& record : stamp_records(graph, heads, stamp_plan.heads_after, version_))
      history.record(tx, record);
    // Stamping is how an operator of the database declares an unfinished revision resolved.
    for (const auto& e : history.unfinished(tx))
      history.resolve_unfinished(tx, e.revision, "resolved by stamp");
    tx.commit();
    report_.heads_before = stamp_plan.heads_before;
    report_.heads_after = stamp_plan.heads_after;
    report_.result = "succeeded";
    if (options_.output == OutputFormat::kText) {
      out_ << "Stamped " << describe_heads(stamp_plan.heads_after) << " (was "
           << describe_heads(stamp_plan.heads_before) << ")\n";
    }
    return finish(0);
  } catch (const Error& e) {
    report_.error = ReportError{.message = redact(e.what())};
    err_ << cli::paint("pgrevise migrate stamp:", cli::Colour::kRed, options_.colour) << " "
         << redact(e.what()) << std::endl;
    return finish(exit_code_for(e.kind()));
  }
}

}  // namespace pgrevise::runner
