#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "common/clock.h"
#include "common/error.h"
#include "db/connection.h"

namespace pgrevise::db {

// lock_timeout and statement_timeout for one revision. nullopt leaves the server's setting; 0 disables.
struct Timeouts {
  std::optional<std::chrono::milliseconds> lock_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;
};

// "SET [LOCAL] lock_timeout = '5000ms'; ..." (empty when nothing to set), for batching and --sql output.
std::string timeouts_sql(const Timeouts& t, bool local);
// SET LOCAL inside the caller's transaction (ends with it).
void set_local_timeouts(pqxx::transaction_base& tx, const Timeouts& t);
// SET for the session, outside a transaction (non-transactional revisions); reset_session_timeouts undoes it.
void set_session_timeouts(pqxx::connection_base& c, const Timeouts& t);
void reset_session_timeouts(pqxx::connection_base& c);

// A session that blocked a statement, seen by BlockerMonitor.
struct BlockerInfo {
  int pid = 0;
  std::string application_name;
  std::string user;
  std::string state;  // pg_stat_activity.state: "idle in transaction", "active", ...
  std::string query;  // its current or last query, truncated to 200 characters
  bool operator==(const BlockerInfo&) const = default;
};

// What the database said when a statement failed, structured for reports and retry decisions.
struct MigrationError {
  std::string sqlstate;  // "" when unknown (e.g. connection lost before a result)
  std::string message;   // primary message, without "ERROR:"
  std::string detail;
  std::string hint;
  std::string context;
  std::optional<int> position;  // 1-based character offset into the executed SQL (PG_DIAG_STATEMENT_POSITION)
  // For an error without a position (a constraint, a division by zero, a timeout): the 0-based index of the
  // failing statement among the statements of the executed SQL, counted from the results the server sent
  // before the error; nullopt with a position (which locates the statement) or when the connection was lost
  // before any result. For execute_transaction(TransactionScript): counted from the body's first statement,
  // nullopt when the error lay in the prologue; an index past the body's last statement means the epilogue.
  std::optional<int> statement;
  bool is_lock_timeout = false;       // 55P03
  bool is_statement_timeout = false;  // 57014 caused by statement_timeout
  bool is_connection_lost = false;    // the session is gone (class 08, 57P01..57P03, or a bad connection)
  // execute_transaction(TransactionScript): false when the error position lay in the prologue or epilogue
  // (the position is then dropped). Meaningful only together with a position; true by default.
  bool in_body = true;
  std::vector<BlockerInfo> blockers;  // filled for lock timeouts when a BlockerMonitor watched the statement

  // One line for humans: "ERROR 55P03: canceling statement due to lock timeout (blocked by pid 123 ...)",
  // with the DETAIL in parentheses and the HINT beside it: "... (Key (id)=(1) already exists.) (HINT: ...)".
  std::string summary() const;
};

// Thrown by execute(): an Error of kind kMigrationFailed (kConnection when the session is lost) that carries
// the structured fields. After it is thrown inside a transaction, that transaction must be aborted.
class StatementError : public Error {
 public:
  explicit StatementError(MigrationError info);
  const MigrationError& info() const { return info_; }

 private:
  MigrationError info_;
};

class BlockerMonitor;

// Where a PG_DIAG_STATEMENT_POSITION (1-based, in characters) falls in the SQL text: 1-based line and column,
// counting UTF-8 characters as PostgreSQL does.
struct SourceLocation {
  int line = 0;
  int column = 0;
};
SourceLocation locate(std::string_view sql, int position);

// Executes one statement or a whole script (several statements, simple query protocol) inside the caller's
// transaction (pqxx::work or pqxx::nontransaction). Failures → StatementError. With a monitor, the statement
// is watched for blockers while it runs and a lock timeout error names them.
void execute(pqxx::transaction_base& tx, std::string_view sql, BlockerMonitor* monitor = nullptr);
// The same on a connection with no transaction object open (statements outside any transaction).
void execute(pqxx::connection_base& c, std::string_view sql, BlockerMonitor* monitor = nullptr);

// The whole body in one transaction and ONE round trip ("BEGIN;" body "COMMIT;" as a single simple query), on
// a connection with no transaction object open. On failure the server-side transaction is rolled back before
// StatementError is thrown, and the error's position refers to body (not to the added BEGIN).
void execute_transaction(pqxx::connection_base& c, std::string_view body, BlockerMonitor* monitor = nullptr);

// A revision as one round trip: prologue (e.g. timeouts_sql(t, true)), the revision's SQL, and epilogue (e.g.
// verified_version_change_sql + HistoryTable::record_sql), all in one transaction. An error position is made
// relative to body; it is dropped (nullopt) when the error lies in the prologue or epilogue, and
// MigrationError::in_body says which. An error right after the body (its last statement left unterminated)
// points at the body's last character.
struct TransactionScript {
  std::string prologue;
  std::string body;
  std::string epilogue;
  int prologue_statements = 0;  // how many statements prologue holds, to count the body's from the results
};
void execute_transaction(pqxx::connection_base& c, const TransactionScript& script,
                         BlockerMonitor* monitor = nullptr);
// The same script inside a transaction the caller opened and ends (several revisions in one transaction): no
// BEGIN, COMMIT or rollback here, and an error made relative to body exactly as execute_transaction makes it.
void execute_in_transaction(pqxx::connection_base& c, const TransactionScript& script,
                            BlockerMonitor* monitor = nullptr);

// Rolls back a transaction block left open on the session (a non-transactional revision's own BEGIN, aborted
// by its failure), so that the session can write again; nothing when none is open.
void roll_back_open_transaction(pqxx::connection_base& c);

// While a statement runs, polls pg_blocking_pids(<watched pid>) from its own connection about every
// `interval` and remembers who blocked it, so that a lock_timeout can name the blocker. Watching costs the
// watched statement nothing: start_watching / stop_watching only mark the statement under a mutex (no wakeup,
// no system call), and the monitor's thread looks every half interval whether the current statement has run
// long enough to be polled. The monitoring session is opened only once a statement has run for half an
// interval, so a run of quick statements never opens it. Polling goes through libpq directly, so a session
// lost mid-poll (the server restarted) leaves nothing behind; the next slow statement connects again.
class BlockerMonitor {
 public:
  // Connects its own session (application_name "pgrevise-monitor") when first needed; watched_pid is the
  // runner's backend pid. A failed connection is logged once and the statement runs unwatched. How long a
  // statement has run is read from `clock`.
  BlockerMonitor(const ConnectionConfig& cfg, int watched_pid, const Clock& clock,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  // For tests and callers that own the monitoring connection (not replaced once lost).
  BlockerMonitor(std::unique_ptr<pqxx::connection> monitor_connection, int watched_pid, const Clock& clock,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~BlockerMonitor();
  BlockerMonitor(const BlockerMonitor&) = delete;
  BlockerMonitor& operator=(const BlockerMonitor&) = delete;

  // Starts watching (clears earlier observations); stop_watching ends it. Both return at once.
  void start_watching();
  void stop_watching();
  // Blockers seen during the current or last watch, most recently seen first, one per pid.
  std::vector<BlockerInfo> blockers() const;
  // Number of polls done so far (for tests that wait for the monitor to have looked).
  long polls() const { return polls_.load(); }
  int watched_pid() const { return watched_pid_; }

 private:
  void run();
  // Only on the monitor's thread: the monitoring session, connected if needed; nullptr when unavailable.
  PGconn* session();
  std::vector<BlockerInfo> poll_once(PGconn* conn);

  std::optional<ConnectionConfig> config_;  // set when the monitor opens its own session
  std::unique_ptr<pqxx::connection> conn_;  // used by the monitor's thread only
  bool connect_failed_ = false;
  int watched_pid_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool watching_ = false;
  long generation_ = 0;
  std::chrono::steady_clock::time_point watch_started_;
  bool quit_ = false;
  std::vector<BlockerInfo> seen_;
  std::atomic<long> polls_{0};
  std::thread thread_;
};

}  // namespace pgrevise::db
