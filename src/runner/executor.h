#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "common/clock.h"
#include "common/direction.h"
#include "common/job_report.h"
#include "db/execute.h"
#include "db/history.h"
#include "db/indexes.h"
#include "db/version_table.h"
#include "runner/index_scope.h"
#include "runner/options.h"

namespace pgrevise::runner {

// One step of a plan, in the terms the executor needs: what to run and what it does to the version table.
struct ExecStep {
  std::string revision;
  std::string message;
  Direction direction = Direction::kUpgrade;
  std::string file;        // relative to the migrations directory, for error locations
  int sql_first_line = 1;  // line in `file` where `sql` starts
  std::string sql;         // the section to run
  std::string checksum;
  bool transactional = true;
  std::vector<VersionChange> version_changes;
  // For non-transactional steps: the statements and the file line where each starts.
  std::vector<std::pair<std::string, int>> statements;
  // Where and why PostgreSQL's grammar refused a non-transactional step's SQL (syntax newer than the grammar,
  // or a typo): its statements were then split as psql splits them, and the server decides.
  struct GrammarRefusal {
    std::string message;
    int line = 0;
    int column = 0;
  };
  std::optional<GrammarRefusal> grammar_refused;
};

// Raised when a step fails; carries what the report and the exit code need.
class StepFailure : public Error {
 public:
  StepFailure(ErrorKind kind, std::string message, ReportError where)
      : Error(kind, std::move(message)), where_(std::move(where)) {}
  const ReportError& where() const { return where_; }

 private:
  ReportError where_;
};

struct StepEvent {
  int index = 0;  // 1-based
  int count = 0;
  const ExecStep* step = nullptr;
  bool finished = false;
  bool failed = false;  // with finished: the step failed after `duration`
  std::chrono::milliseconds duration{0};
  int attempt = 1;
};

// Runs steps on one connection holding the migration lock. Each transactional revision goes to the server in
// one round trip: BEGIN, the session check, its timeouts, its SQL, the verified version-table change, the
// history row (an INSERT prepared once per session) and COMMIT.
class Executor {
 public:
  Executor(pqxx::connection& conn, const RunnerOptions& options, Clock& clock, std::string run_id,
           std::string pgrevise_version, db::BlockerMonitor* monitor = nullptr);

  // Called when a step starts, and when it finishes or fails.
  void on_progress(std::function<void(const StepEvent&)> callback) { progress_ = std::move(callback); }
  // Called with the SQL each time it goes to the server: a statement of a non-transactional revision, or a
  // transactional revision's whole SQL (each attempt).
  void on_statement(std::function<void(std::string_view)> callback) { statement_ = std::move(callback); }

  // Applies the steps in order; the completed ones are appended to `done` as they commit (so a failure still
  // reports what was applied before it). Throws StepFailure on the first failing step.
  void run(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done);

 private:
  void run_steps(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done);
  void sending(std::string_view sql) const {
    if (statement_) statement_(sql);
  }
  void run_transactional(const ExecStep& step, const db::StepRecord& record);
  void run_all_in_one(const std::vector<ExecStep>& steps, std::vector<ReportStep>& done);
  void run_non_transactional(const ExecStep& step, const db::StepRecord& record);
  db::TransactionScript step_script(const ExecStep& step, const db::StepRecord& record) const;
  void prepare_history_record();
  // True (and the prepared history INSERT given up) when e says the revision's SQL dropped it.
  bool lost_prepared_record(const db::StatementError& e);
  // Runs `attempt` (a revision's batch, or one statement of a non-transactional revision) again after a lock
  // timeout, with backoff and a warning, up to --lock-retries times and while `may_retry` (when given)
  // agrees; rethrows any other StatementError and the last lock timeout.
  void retry_lock_timeouts(const ExecStep& step, const std::function<void()>& attempt,
                           const std::function<bool()>& may_retry = {});
  // Writes the failure to the history table with `record_failure`, then fails. A history write that fails is
  // logged and never replaces the step's own error, which the report needs.
  [[noreturn]] void fail_recorded(const ExecStep& step, const db::StatementError& e, int statement_line,
                                  const std::function<void()>& record_failure,
                                  const std::vector<db::InvalidIndex>& left_behind = {});
  // The invalid indexes a non-transactional revision's attempt has left so far; none when they cannot be
  // read.
  std::vector<db::InvalidIndex> invalid_indexes_left(std::int64_t attempt_id, const IndexScope& scope);
  // statement_line: the file line of the failing statement of a non-transactional revision, else 0.
  // left_behind: the invalid indexes its attempt left, named in the message with their fix.
  [[noreturn]] void fail(const ExecStep& step, const db::StatementError& e, int statement_line,
                         const std::vector<db::InvalidIndex>& left_behind = {});
  void rollback_quietly();
  db::StepRecord record_for(const ExecStep& step, int index, int count) const;
  std::chrono::milliseconds milliseconds_since(std::chrono::steady_clock::time_point start) const;

  pqxx::connection& conn_;
  const RunnerOptions& options_;
  Clock& clock_;
  std::string run_id_;
  std::string version_;
  db::BlockerMonitor* monitor_;
  db::HistoryTable history_;
  std::function<void(const StepEvent&)> progress_;
  std::function<void(std::string_view)> statement_;
  // The step that started last and when, for its failure event.
  std::optional<StepEvent> running_;
  std::chrono::steady_clock::time_point running_since_;
  bool history_prepared_ = false;
};

}  // namespace pgrevise::runner
