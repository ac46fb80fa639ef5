#include "runner/executor.h"

#include <algorithm>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "common/backoff.h"
#include "common/log.h"
#include "common/redact.h"
#include "db/identifiers.h"
#include "db/lock.h"
#include "revision/render.h"
#include "revision/sql_splitter.h"
#include "runner/invalid_index_guard.h"

namespace pgrevise::runner {

namespace {

// The session's prepared history INSERT (see HistoryTable::prepare_record_sql).
constexpr const char* kRecordStatement = "pgrevise_record_step";

}  // namespace

Executor::Executor(pqxx::connection& conn, const RunnerOptions& options, Clock& clock, std::string run_id,
                   std::string pgrevise_version, db::BlockerMonitor* monitor)
    : conn_(conn),
      options_(options),
      clock_(clock),
      run_id_(std::move(run_id)),
      version_(std::move(pgrevise_version)),
      monitor_(monitor),
      history_(options.version_table) {}

db::StepRecord Executor::record_for(const ExecStep& step, int index, int count) const {
  return db::StepRecord{.revision = step.revision,
                        .direction = step.direction,
                        .checksum = step.checksum,
                        .transactional = step.transactional,
                        .run_id = run_id_,
                        .step_index = index,
                        .step_count = count,
                        .pgrevise_version = version_};
}

std::chrono::milliseconds Executor::milliseconds_since(std::chrono::steady_clock::time_point start) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - start);
}

void Executor::run(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done) {
  running_.reset();
  try {
    run_steps(steps, done);
  } catch (...) {
    // The failing step gets its line too.
    if (progress_ && running_) {
      StepEvent failed = *running_;
      failed.finished = true;
      failed.failed = true;
      failed.duration = milliseconds_since(running_since_);
      progress_(failed);
    }
    throw;
  }
}

void Executor::run_steps(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done) {
  if (options_.transaction_mode == TransactionMode::kAll) {
    run_all_in_one(steps, done);
    return;
  }
  if (std::any_of(steps.begin(), steps.end(), [](const ExecStep& s) { return s.transactional; })) {
    prepare_history_record();
  }
  const int count = static_cast<int>(steps.size());
  for (int i = 0; i < count; ++i) {
    const ExecStep& step = steps[static_cast<size_t>(i)];
    const auto record = record_for(step, i + 1, count);
    const auto start = clock_.steady_now();
    running_ = StepEvent{.index = i + 1, .count = count, .step = &step};
    running_since_ = start;
    if (progress_) progress_(*running_);
    if (step.transactional) {
      run_transactional(step, record);
    } else {
      run_non_transactional(step, record);
    }
    const auto took = milliseconds_since(start);
    done.push_back({step.revision, step.direction, took.count()});
    running_.reset();
    if (progress_)
      progress_({.index = i + 1, .count = count, .step = &step, .finished = true, .duration = took});
  }
}

void Executor::prepare_history_record() {
  // Planning the history table's wide INSERT cost more than a small revision's own SQL; prepared once, every
  // revision's round trip only EXECUTEs it. Without it (the server refused) each revision sends the INSERT.
  const std::string prepare = history_.prepare_record_sql(kRecordStatement);
  try {
    db::execute(conn_, prepare);
    history_prepared_ = true;
    return;
  } catch (const db::StatementError& e) {
    if (e.info().is_connection_lost) throw;
    if (e.info().sqlstate != "42P05") {
      log::debug("recording history rows without a prepared statement", {{"error", e.info().summary()}});
      return;
    }
  }
  // 42P05: the name is taken in this session (the executor ran on it before); replace the statement.
  db::execute(conn_, "DEALLOCATE " + db::quote_identifier(kRecordStatement) + ";\n" + prepare);
  history_prepared_ = true;
}

db::TransactionScript Executor::step_script(const ExecStep& step, const db::StepRecord& record) const {
  db::TransactionScript script;
  // A pooler that hands this client another server session mid-run would silently drop the migration lock;
  // every revision first checks that this session still holds it.
  script.prologue = db::session_lock_check_sql(conn_.backendpid()) + ";\n" +
                    db::timeouts_sql({options_.lock_timeout, options_.statement_timeout}, true);
  script.prologue_statements = 1 + (options_.lock_timeout ? 1 : 0) + (options_.statement_timeout ? 1 : 0);
  script.body = step.sql;
  if (!step.version_changes.empty()) {
    script.epilogue = db::verified_version_change_sql(options_.version_table, step.version_changes) + ";\n";
  }
  script.epilogue += (history_prepared_ ? history_.execute_record_sql(kRecordStatement, record)
                                        : history_.record_sql(record)) +
                     ";";
  return script;
}

void Executor::rollback_quietly() {
  try {
    db::roll_back_open_transaction(conn_);
  } catch (const std::exception&) {
    // The connection is gone; the server discards the transaction with it.
  }
}

bool Executor::lost_prepared_record(const db::StatementError& e) {
  if (!history_prepared_ || e.info().sqlstate != "26000" ||
      e.info().message.find(kRecordStatement) == std::string::npos) {
    return false;
  }
  history_prepared_ = false;
  return true;
}

void Executor::retry_lock_timeouts(const ExecStep& step, const std::function<void()>& attempt,
                                   const std::function<bool()>& may_retry) {
  Backoff backoff(options_.lock_retry_backoff, std::chrono::seconds(30));
  for (int retries = 0;; ++retries) {
    try {
      attempt();
      return;
    } catch (const db::StatementError& e) {
      if (!e.info().is_lock_timeout || retries >= options_.lock_retries || (may_retry && !may_retry())) throw;
      const auto delay = backoff.next();
      log::warn("lock timeout, retrying", {{"revision", step.revision},
                                           {"attempt", std::to_string(retries + 2)},
                                           {"delayMs", std::to_string(delay.count())},
                                           {"error", e.info().summary()}});
      clock_.sleep_for(delay);
    }
  }
}

void Executor::fail_recorded(const ExecStep& step, const db::StatementError& e, int statement_line,
                             const std::function<void()>& record_failure,
                             const std::vector<db::InvalidIndex>& left_behind) {
  // A lost session cannot write; the next run reads what the history table holds and decides from that.
  if (!e.info().is_connection_lost) {
    try {
      record_failure();
    } catch (const std::exception& history_error) {
      log::warn("could not record the failure in the history table",
                {{"revision", step.revision}, {"error", redact(history_error.what())}});
    }
  }
  fail(step, e, statement_line, left_behind);
}

std::vector<db::InvalidIndex> Executor::invalid_indexes_left(std::int64_t attempt_id,
                                                             const IndexScope& scope) {
  try {
    pqxx::read_transaction tx(conn_);
    return runner::invalid_indexes_left(tx, history_, attempt_id, scope);
  } catch (const std::exception& e) {
    log::warn("could not look for invalid indexes", {{"error", redact(e.what())}});
    return {};
  }
}

void Executor::run_transactional(const ExecStep& step, const db::StepRecord& record) {
  auto script = step_script(step, record);
  auto started = clock_.steady_now();
  while (true) {
    try {
      retry_lock_timeouts(step, [&] {
        started = clock_.steady_now();
        sending(step.sql);
        db::execute_transaction(conn_, script, monitor_);
      });
      return;
    } catch (const db::StatementError& e) {
      // The revision's own SQL may DEALLOCATE ALL (or DISCARD): its transaction was rolled back, so it runs
      // again with the plain INSERT.
      if (lost_prepared_record(e)) {
        script = step_script(step, record);
        continue;
      }
      fail_recorded(step, e, 0, [&] {
        pqxx::work tx(conn_);
        history_.record_failure(tx, record, milliseconds_since(started), redact(e.info().summary()));
        tx.commit();
      });
    }
  }
}

void Executor::run_all_in_one(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done) {
  for (const auto& step : steps) {
    if (!step.transactional) {
      throw StepFailure(
          ErrorKind::kBadInput,
          "revision " + step.revision + " (" + step.file +
              ") is non-transactional and cannot run inside --transaction all; "
              "use --transaction per-revision",
          ReportError{.revision = step.revision, .message = "non-transactional", .file = step.file});
    }
  }
  db::execute(conn_, "BEGIN");
  const int count = static_cast<int>(steps.size());
  std::vector<ReportStep> applied;
  for (int i = 0; i < count; ++i) {
    const ExecStep& step = steps[static_cast<size_t>(i)];
    const auto start = clock_.steady_now();
    running_ = StepEvent{.index = i + 1, .count = count, .step = &step};
    running_since_ = start;
    if (progress_) progress_(*running_);
    try {
      sending(step.sql);
      db::execute_in_transaction(conn_, step_script(step, record_for(step, i + 1, count)), monitor_);
    } catch (const db::StatementError& e) {
      rollback_quietly();
      fail(step, e, 0);
    }
    const auto took = milliseconds_since(start);
    applied.push_back({step.revision, step.direction, took.count()});
    running_.reset();
    if (progress_)
      progress_({.index = i + 1, .count = count, .step = &step, .finished = true, .duration = took});
  }
  try {
    db::execute(conn_, "COMMIT");
  } catch (const db::StatementError& e) {
    throw StepFailure(e.kind(), "commit failed: " + e.info().summary(),
                      ReportError{.message = e.info().message});
  }
  done.insert(done.end(), applied.begin(), applied.end());
}

void Executor::run_non_transactional(const ExecStep& step, const db::StepRecord& record) {
  std::int64_t attempt_id = 0;
  {
    pqxx::work tx(conn_);
    attempt_id = history_.start(tx, record);
    tx.commit();
  }
  const IndexScope scope = index_scope(step);
  db::set_session_timeouts(conn_, {options_.lock_timeout, options_.statement_timeout});
  for (const auto& [statement, line] : step.statements) {
    try {
      // A lock timeout inside CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY can come after the new index
      // entered the catalog; a retry would then keep it invalid, so none follows once one is there.
      retry_lock_timeouts(
          step,
          [&] {
            sending(statement);
            db::execute(conn_, statement, monitor_);
          },
          [&] { return invalid_indexes_left(attempt_id, scope).empty(); });
    } catch (const db::StatementError& e) {
      std::vector<db::InvalidIndex> left;
      if (!e.info().is_connection_lost) {
        // The revision's own BEGIN may have left a transaction block open, aborted by the failure; nothing
        // can be read or written on the session before it ends.
        rollback_quietly();
        left = invalid_indexes_left(attempt_id, scope);
      }
      fail_recorded(
          step, e, line,
          [&] {
            db::reset_session_timeouts(conn_);
            pqxx::work tx(conn_);
            history_.finish(tx, attempt_id, false, redact(e.info().summary()));
            tx.commit();
          },
          left);
    }
  }
  db::reset_session_timeouts(conn_);
  pqxx::work tx(conn_);
  db::apply_version_changes(tx, options_.version_table, step.version_changes);
  history_.finish(tx, attempt_id, true);
  tx.commit();
}

void Executor::fail(const ExecStep& step, const db::StatementError& e, int statement_line,
                    const std::vector<db::InvalidIndex>& left_behind) {
  const auto& info = e.info();
  int line = 0;
  int column = 0;  // where on the line the server pointed, when it did
  if (statement_line > 0) {
    // A non-transactional statement: positions count from the statement's own start (its first line from
    // where the statement starts, so a column there is left out).
    line = statement_line;
    for (const auto& [statement, first] : step.statements) {
      if (first != statement_line || !info.position) continue;
      const auto at = db::locate(statement, *info.position);
      line = first - 1 + at.line;
      column = at.line > 1 ? at.column : 0;
    }
  } else if (info.in_body && info.position) {
    const auto at = db::locate(step.sql, *info.position);
    line = step.sql_first_line - 1 + at.line;
    column = at.column;
  } else if (info.statement) {
    // An error without a position (a constraint, a division by zero, a lock timeout): the results before it
    // say which statement it was. Past the revision's last statement lies the version and history epilogue.
    const auto statements = revision::split_sql(step.sql, step.sql_first_line);
    if (static_cast<size_t>(*info.statement) < statements.size())
      line = statements[static_cast<size_t>(*info.statement)].line;
  }
  std::string where = step.file + (line > 0 ? ":" + std::to_string(line) : "");
  std::string message = "revision " + step.revision + " (" + where + ") failed: " + info.summary();
  if (!step.transactional) {
    message +=
        "; statements before the failing one were applied and stay (the revision runs outside a "
        "transaction): fix the cause and re-run, or resolve with `pgrevise migrate stamp`";
  }
  if (!left_behind.empty()) {
    message += "; it left invalid indexes, which running it again would keep invalid: " +
               describe_invalid_indexes(left_behind) +
               "; fix each first: " + invalid_index_fixes(left_behind);
  }
  if (const auto excerpt = revision::statement_excerpt(step.sql, step.sql_first_line, line, column);
      !excerpt.empty())
    message += "\n" + excerpt.substr(0, excerpt.size() - 1);
  throw StepFailure(e.kind(), redact(message),
                    ReportError{.revision = step.revision,
                                .sqlstate = info.sqlstate,
                                .message = redact(info.summary()),
                                .file = step.file,
                                .line = line});
}

}  // namespace pgrevise::runner
