#include "db/execute.h"

#include <cstdlib>

#include <pqxx/pqxx>

#include "common/log.h"
#include "common/redact.h"
#include "db/native.h"

namespace pgrevise::db {

namespace {

std::string millis_literal(std::chrono::milliseconds ms) {
  return "'" + std::to_string(ms.count()) + "ms'";
}

std::string error_field(const PGresult* r, int code) {
  const char* v = r != nullptr ? PQresultErrorField(r, code) : nullptr;
  return v == nullptr ? std::string() : redact(v);
}

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_connection_lost_state(const std::string& sqlstate) {
  return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

MigrationError error_from(PGconn* conn, const PGresult* r) {
  MigrationError e;
  e.sqlstate = error_field(r, PG_DIAG_SQLSTATE);
  e.message = error_field(r, PG_DIAG_MESSAGE_PRIMARY);
  e.detail = error_field(r, PG_DIAG_MESSAGE_DETAIL);
  e.hint = error_field(r, PG_DIAG_MESSAGE_HINT);
  e.context = error_field(r, PG_DIAG_CONTEXT);
  if (std::string pos = error_field(r, PG_DIAG_STATEMENT_POSITION); !pos.empty()) {
    try {
      e.position = std::stoi(pos);
    } catch (const std::exception&) {
      // Not a number: leave the position unknown rather than fail the error report itself.
    }
  }
  if (e.message.empty()) e.message = trim_trailing_newlines(redact(PQerrorMessage(conn)));
  e.is_lock_timeout = e.sqlstate == "55P03";
  e.is_statement_timeout = e.sqlstate == "57014" && e.message.find("statement timeout") != std::string::npos;
  e.is_connection_lost = PQstatus(conn) == CONNECTION_BAD || is_connection_lost_state(e.sqlstate);
  return e;
}

// COPY ... FROM STDIN / TO STDOUT cannot be fed from a migration script; end it cleanly so the session stays
// usable, then report the statement as failed.
void finish_copy(PGconn* conn, ExecStatusType status) {
  if (status == PGRES_COPY_IN) {
    PQputCopyEnd(conn, "COPY FROM STDIN is not supported in migrations");
  } else if (status == PGRES_COPY_OUT) {
    char* buf = nullptr;
    while (PQgetCopyData(conn, &buf, 0) > 0) PQfreemem(buf);
  }
}

bool succeeded(ExecStatusType status) {
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

// Sends the SQL (one or several statements, simple query protocol) and reads every result. The server sends
// one result per statement and stops at the first error, so the results before the error say which
// statement failed. The first error is kept: a session ended by the server (57P01) is followed by libpq's
// own "server closed the connection" result, which has no SQLSTATE.
void execute_native(PGconn* conn, std::string_view sql, BlockerMonitor* monitor) {
  const std::string text(sql);
  if (monitor != nullptr) monitor->start_watching();
  PGresult* error = nullptr;
  int done = 0;
  const bool sent = PQsendQuery(conn, text.c_str()) == 1;
  while (PGresult* r = sent ? PQgetResult(conn) : nullptr) {
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT) {
      finish_copy(conn, status);  // the COPY's own outcome is the next result
    } else if (error == nullptr && succeeded(status)) {
      ++done;
    } else if (error == nullptr) {
      error = r;
      continue;
    }
    PQclear(r);
  }
  if (monitor != nullptr) monitor->stop_watching();
  if (sent && error == nullptr) return;
  MigrationError info = error_from(conn, error);
  // Only for errors without a position: a syntax error stops the whole string before any statement runs.
  if (error != nullptr && !info.position) info.statement = done;
  PQclear(error);
  if (monitor != nullptr && (info.is_lock_timeout || info.sqlstate == "40P01" || info.sqlstate == "57014")) {
    info.blockers = monitor->blockers();
  }
  throw StatementError(std::move(info));
}

// Ends the body (and the prologue), so that an unterminated last statement fails there instead of running
// into the part after it.
constexpr std::string_view kBodySeparator = "\n;\n";

int character_count(std::string_view text) {
  int n = 0;
  for (char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// What a TransactionScript is wrapped in when it is sent: execute_transaction opens and commits its own
// transaction, execute_in_transaction runs inside the caller's.
struct Wrapping {
  std::string_view opening;   // before the prologue
  std::string_view closing;   // after the epilogue
  int statements_before = 0;  // statements `opening` holds, besides the prologue's
};

// The 1-based character position of the last character of `text` that is not blank (0 when all are). The
// server reports an unterminated last statement of the body at the separator after it: the error is the
// body's, at its end.
int last_written_position(std::string_view text) {
  const size_t end = text.find_last_not_of(" \t\r\n");
  return end == std::string_view::npos ? 0 : character_count(text.substr(0, end + 1));
}

// Makes an error of the whole script relative to its body: the statement index counts from the body's first
// statement, and the position from the body's first character (dropped when it lies in the prologue or the
// epilogue). `body_start` is the 1-based character position of the body's first character in the script.
MigrationError relative_to_body(MigrationError info, const TransactionScript& parts, int body_start,
                                int statements_before_body) {
  if (info.statement) {
    *info.statement -= statements_before_body;
    if (*info.statement < 0) {
      info.statement.reset();
      info.in_body = false;
    }
  }
  if (info.position) {
    const int body_end = body_start + character_count(parts.body);  // one past the body
    const int separator_end = body_end + character_count(kBodySeparator);
    std::optional<int> in_body;
    if (*info.position >= body_start && *info.position < body_end) {
      in_body = *info.position - (body_start - 1);
    } else if (*info.position >= body_end && *info.position < separator_end) {
      in_body = last_written_position(parts.body);  // 0 for a blank body
    }
    info.in_body = in_body && *in_body > 0;
    info.position = info.in_body ? in_body : std::nullopt;
  }
  return info;
}

// Sends the script as one simple query: opening, prologue, body, epilogue and closing, each part ended so
// that the next starts a statement of its own. On failure, a transaction the script opened is rolled back and
// the error is made relative to the body.
void execute_parts(PGconn* conn, const TransactionScript& parts, const Wrapping& wrapping,
                   BlockerMonitor* monitor) {
  std::string head(wrapping.opening);
  head += parts.prologue;
  if (!parts.prologue.empty()) head += kBodySeparator;
  std::string script;
  script.reserve(head.size() + parts.body.size() + parts.epilogue.size() + 16);
  script.append(head).append(parts.body).append(kBodySeparator).append(parts.epilogue);
  script.append("\n").append(wrapping.closing);
  try {
    execute_native(conn, script, monitor);
  } catch (const StatementError& e) {
    // The statements after the failing one were skipped, COMMIT included: leave no open failed transaction.
    if (!wrapping.opening.empty() && PQtransactionStatus(conn) != PQTRANS_IDLE &&
        PQstatus(conn) == CONNECTION_OK) {
      PQclear(PQexec(conn, "ROLLBACK"));
    }
    throw StatementError(relative_to_body(e.info(), parts, character_count(head) + 1,
                                          wrapping.statements_before + parts.prologue_statements));
  }
}

}  // namespace

std::string MigrationError::summary() const {
  std::string out = "ERROR";
  if (!sqlstate.empty()) out += " " + sqlstate;
  out += ": " + message;
  if (!detail.empty()) out += " (" + detail + ")";
  if (!hint.empty()) out += " (HINT: " + hint + ")";
  for (size_t i = 0; i < blockers.size(); ++i) {
    const auto& b = blockers[i];
    out += i == 0 ? "; blocked by " : ", ";
    out += "pid " + std::to_string(b.pid);
    if (!b.application_name.empty()) out += " (" + b.application_name + ")";
    if (!b.state.empty()) out += " [" + b.state + "]";
    if (!b.query.empty()) out += " running: " + b.query;
  }
  if (is_connection_lost) out += " (connection to the database lost)";
  return out;
}

StatementError::StatementError(MigrationError info)
    : Error(info.is_connection_lost ? ErrorKind::kConnection : ErrorKind::kMigrationFailed, info.summary()),
      info_(std::move(info)) {}

void execute(pqxx::transaction_base& tx, std::string_view sql, BlockerMonitor* monitor) {
  execute_native(native_handle(tx.conn()), sql, monitor);
}

void execute(pqxx::connection_base& c, std::string_view sql, BlockerMonitor* monitor) {
  execute_native(native_handle(c), sql, monitor);
}

void execute_transaction(pqxx::connection_base& c, std::string_view body, BlockerMonitor* monitor) {
  execute_transaction(c, TransactionScript{"", std::string(body), ""}, monitor);
}

void execute_transaction(pqxx::connection_base& c, const TransactionScript& parts, BlockerMonitor* monitor) {
  execute_parts(native_handle(c), parts,
                {.opening = "BEGIN;\n", .closing = ";COMMIT;", .statements_before = 1}, monitor);
}

void execute_in_transaction(pqxx::connection_base& c, const TransactionScript& parts,
                            BlockerMonitor* monitor) {
  execute_parts(native_handle(c), parts, {}, monitor);
}

void roll_back_open_transaction(pqxx::connection_base& c) {
  PGconn* conn = native_handle(c);
  if (PQtransactionStatus(conn) == PQTRANS_IDLE) return;
  execute_native(conn, "ROLLBACK", nullptr);
}

SourceLocation locate(std::string_view sql, int position) {
  SourceLocation loc{1, 1};
  int chars = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const auto byte = static_cast<unsigned char>(sql[i]);
    if ((byte & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte is not a character of its own
    if (++chars == position) return loc;
    if (byte == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

std::string timeouts_sql(const Timeouts& t, bool local) {
  const std::string set = local ? "SET LOCAL " : "SET ";
  std::string out;
  if (t.lock_timeout) out += set + "lock_timeout = " + millis_literal(*t.lock_timeout) + ";";
  if (t.statement_timeout) {
    if (!out.empty()) out += " ";
    out += set + "statement_timeout = " + millis_literal(*t.statement_timeout) + ";";
  }
  return out;
}

void set_local_timeouts(pqxx::transaction_base& tx, const Timeouts& t) {
  if (auto sql = timeouts_sql(t, true); !sql.empty()) execute(tx, sql);
}

void set_session_timeouts(pqxx::connection_base& c, const Timeouts& t) {
  if (auto sql = timeouts_sql(t, false); !sql.empty()) execute(c, sql);
}

void reset_session_timeouts(pqxx::connection_base& c) {
  execute(c, "RESET lock_timeout; RESET statement_timeout;");
}

// ---- BlockerMonitor ----

namespace {

constexpr const char* kBlockersSql =
    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(a.state, ''), "
    "left(coalesce(a.query, ''), 200) "
    "FROM unnest(pg_blocking_pids($1::int)) AS b(pid) JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY "
    "a.pid";

}  // namespace

BlockerMonitor::BlockerMonitor(const ConnectionConfig& cfg, int watched_pid, const Clock& clock,
                               std::chrono::milliseconds interval)
    : config_(cfg), watched_pid_(watched_pid), clock_(clock), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

BlockerMonitor::BlockerMonitor(std::unique_ptr<pqxx::connection> monitor_connection, int watched_pid,
                               const Clock& clock, std::chrono::milliseconds interval)
    : conn_(std::move(monitor_connection)), watched_pid_(watched_pid), clock_(clock), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

BlockerMonitor::~BlockerMonitor() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlockerMonitor::start_watching() {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mu_);
  watching_ = true;
  ++generation_;
  watch_started_ = now;
  seen_.clear();
}

void BlockerMonitor::stop_watching() {
  std::lock_guard lock(mu_);
  watching_ = false;
}

std::vector<BlockerInfo> BlockerMonitor::blockers() const {
  std::lock_guard lock(mu_);
  return seen_;
}

void BlockerMonitor::run() {
  // Looking every half interval means a blocked statement is first polled between one and one and a half
  // intervals after it started, and its session is opened half an interval before that.
  const auto tick = std::max(interval_ / 2, std::chrono::milliseconds(1));
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, tick, [&] { return quit_; });
    if (quit_) return;
    if (!watching_) continue;
    const auto running = clock_.steady_now() - watch_started_;
    if (running < tick) continue;
    const long generation = generation_;
    const bool poll_now = running >= interval_;
    lock.unlock();
    std::vector<BlockerInfo> found;
    PGconn* conn = session();
    if (conn != nullptr && poll_now) found = poll_once(conn);
    lock.lock();
    if (!poll_now || generation_ != generation)
      continue;  // a new statement started meanwhile: not its blockers
    for (auto& b : found) {
      std::erase_if(seen_, [&](const BlockerInfo& s) { return s.pid == b.pid; });
      seen_.insert(seen_.begin(), std::move(b));
    }
  }
}

PGconn* BlockerMonitor::session() {
  if (conn_ == nullptr && config_ && !connect_failed_) {
    try {
      conn_ = connect(*config_, std::chrono::seconds(10), "pgrevise-monitor");
    } catch (const std::exception& e) {
      connect_failed_ = true;  // once: every slow statement would otherwise wait for the same failure
      log::warn("running without naming lock blockers", {{"error", redact(e.what())}});
    }
  }
  return conn_ != nullptr ? native_handle(*conn_) : nullptr;
}

std::vector<BlockerInfo> BlockerMonitor::poll_once(PGconn* conn) {
  // libpq rather than libpqxx: libpqxx 6.4 leaks the result of a query that finds the connection gone (it
  // asks the lost connection for its encoding before taking ownership of the result).
  std::vector<BlockerInfo> found;
  const std::string pid = std::to_string(watched_pid_);
  const char* values[] = {pid.c_str()};
  PGresult* r = PQexecParams(conn, kBlockersSql, 1, nullptr, values, nullptr, nullptr, 0);
  if (r != nullptr && PQresultStatus(r) == PGRES_TUPLES_OK && PQnfields(r) == 5) {
    for (int row = 0; row < PQntuples(r); ++row) {
      found.push_back({std::atoi(PQgetvalue(r, row, 0)), PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                       PQgetvalue(r, row, 3), redact(PQgetvalue(r, row, 4))});
    }
  }
  // Best effort: a failing monitor never fails the migration it watches.
  PQclear(r);
  if (PQstatus(conn) != CONNECTION_OK) conn_.reset();  // lost: a later slow statement connects again
  ++polls_;
  return found;
}

}  // namespace pgrevise::db
