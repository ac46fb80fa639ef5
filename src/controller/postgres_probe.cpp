#include "controller/postgres_probe.h"

#include <pqxx/except>
#include <pqxx/nontransaction>

#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "db/activity.h"
#include "db/connection.h"
#include "db/history.h"
#include "db/native.h"
#include "lint/live.h"
#include "runner/progress_text.h"

namespace pgrevise::controller {
namespace {

constexpr char kApplicationName[] = "pgrevise-operator";
// status.progress.statement, in characters: enough to recognise a statement, not a function body.
constexpr std::size_t kStatementWidth = 200;

db::ConnectionConfig connection_config(const DatabaseTarget& target) {
  if (target.conninfo.empty()) {
    throw Error(ErrorKind::kBadInput, "no database connection settings");
  }
  try {
    // Parses with libpq and registers the password for redaction.
    return db::resolve_connection(target.conninfo);
  } catch (const Error& e) {
    throw Error(e.kind(), "invalid database connection settings " + target.display);
  }
}

// The probe only reads: its session is read-only, and a bounded statement_timeout keeps a locked catalogue
// from stalling a reconcile. Set once per session (one round trip), so that each read is its statements alone
// (no BEGIN, SET LOCAL and COMMIT around them).
void bound_session(pqxx::connection& conn, std::chrono::seconds timeout) {
  pqxx::nontransaction tx(conn);
  tx.exec("SET statement_timeout = " + std::to_string(std::max<long long>(1, timeout.count()) * 1000) +
          "; SET default_transaction_read_only = on");
}

// Server, database and user: what a connection is for, apart from the password it was opened with.
std::string identity_of(const db::ConnectionConfig& config) {
  return config.host + '\n' + config.port + '\n' + config.dbname + '\n' + config.user;
}

std::unique_ptr<pqxx::connection> open(const db::ConnectionConfig& config, const DatabaseTarget& target,
                                       std::chrono::seconds timeout, const Clock& clock) {
  const auto started = clock.steady_now();
  auto conn = db::connect(config, timeout, kApplicationName);
  bound_session(*conn, timeout);
  if (log::min_level() <= log::Level::kDebug) {
    const std::chrono::duration<double, std::milli> took = clock.steady_now() - started;
    log::debug("opened a database connection",
               {{"database", target.display}, {"ms", std::to_string(took.count())}});
  }
  return conn;
}

// What an SQLSTATE says about retrying: errors that pass by themselves (a timeout, a deadlock, too many
// connections, a server shutting down or starting) are transient; the rest (no privilege, a table of another
// shape) stay until someone changes the database or the spec.
ErrorKind sqlstate_kind(const std::string& sqlstate) {
  const std::string cls = sqlstate.substr(0, 2);
  if (cls == "08") return ErrorKind::kConnection;
  if (cls == "40" || cls == "53" || cls == "57" || sqlstate == "55P03" || sqlstate == "55006")
    return ErrorKind::kTransient;
  return ErrorKind::kBadInput;
}

template <typename Fn>
auto with_database_errors(const DatabaseTarget& target, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw Error(ErrorKind::kConnection, "lost the connection to " + target.display + ": " + redact(e.what()));
  } catch (const pqxx::sql_error& e) {
    throw Error(sqlstate_kind(e.sqlstate()),
                "reading the version table of " + target.display + ": " + redact(e.what()));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kTransient,
                "reading the version table of " + target.display + ": " + redact(e.what()));
  }
}

// Whether `e`, thrown while using a connection kept from an earlier call, says that connection is gone
// (closed by the server, a terminated backend, a restart) rather than something about the database.
bool lost_connection(const std::exception& e, const pqxx::connection& conn) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    // 08: connection exceptions; 57P01-57P03: the server shut down, crashed, or is not accepting sessions
    // (57014, a cancelled statement, leaves the session usable).
    const std::string state = sql->sqlstate();
    if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0) return true;
  }
  return !conn.is_open();
}

// Whether the server has closed a kept connection while it sat idle (a terminated backend or a restart leaves
// its goodbye on the socket), read without sending anything. Found here, the connection is dropped unused:
// libpqxx 6.4 leaks the libpq result of a statement sent on a connection the server has closed.
bool closed_while_idle(pqxx::connection& conn) {
  PGconn* native = db::native_handle(conn);
  return PQconsumeInput(native) == 0 || PQstatus(native) != CONNECTION_OK;
}

// The statement the runner holding the migration lock runs, read from pg_stat_activity and
// pg_stat_progress_create_index; nullopt while it runs none. Its text leaves only through statement_summary,
// which masks literals and redacts.
std::optional<StatementActivity> running_statement(pqxx::connection& conn,
                                                   const db::VersionTableName& table) {
  const auto activity = db::migration_runner_activity(conn, table);
  if (!activity || activity->state != "active") return std::nullopt;
  const auto& build = activity->index_build;
  const std::string summary = runner::statement_summary(activity->query, false, build.has_value());
  StatementActivity out{.statement = runner::cut_to_width(summary, kStatementWidth),
                        .running_seconds = static_cast<std::int64_t>(activity->running_seconds)};
  if (build) {
    out.phase = build->phase;
    out.blocks_done = build->blocks_done;
    out.blocks_total = build->blocks_total;
    out.tuples_done = build->tuples_done;
    out.tuples_total = build->tuples_total;
  }
  return out;
}

}  // namespace

PostgresProbe::PostgresProbe(std::chrono::seconds connect_timeout)
    : PostgresProbe(PostgresProbeOptions{.connect_timeout = connect_timeout}, SystemClock::instance()) {}

PostgresProbe::PostgresProbe(PostgresProbeOptions options, const Clock& clock)
    : options_(options),
      clock_(clock),
      idle_({.lifetime = options.idle_lifetime, .max_size = options.max_idle_connections}, clock) {}

template <typename Read>
auto PostgresProbe::with_connection(const DatabaseTarget& target, Read&& read)
    -> decltype(read(std::declval<pqxx::connection&>())) {
  const db::ConnectionConfig config = connection_config(target);
  const std::string identity = identity_of(config);
  auto kept = idle_.take(target.conninfo, identity);
  if (kept && closed_while_idle(*kept)) {
    log::debug("a kept database connection was closed by the server; connecting again",
               {{"database", target.display}});
    kept.reset();
  }
  if (kept) {
    try {
      auto result = read(*kept);
      idle_.put(target.conninfo, identity, std::move(kept));
      return result;
    } catch (const std::exception& e) {
      if (!lost_connection(e, *kept)) throw;  // the connection is dropped with `kept` either way
      log::debug("a kept database connection was lost; connecting again",
                 {{"database", target.display}, {"error", redact(e.what())}});
    }
  }
  auto fresh = open(config, target, options_.connect_timeout, clock_);
  auto result = read(*fresh);
  idle_.put(target.conninfo, identity, std::move(fresh));
  return result;
}

std::vector<std::string> PostgresProbe::read_heads(const DatabaseTarget& target) {
  return with_database_errors(target, [&] {
    return with_connection(target, [&](pqxx::connection& conn) {
      pqxx::nontransaction tx(conn);
      return db::read_heads(tx, target.version_table);
    });
  });
}

lint::RelationFactsMap PostgresProbe::read_relation_facts(const DatabaseTarget& target,
                                                          const std::vector<std::string>& relations) {
  if (relations.empty()) return {};
  return with_database_errors(target, [&] {
    return with_connection(
        target, [&](pqxx::connection& conn) { return lint::read_relation_facts(conn, relations); });
  });
}

std::optional<int> PostgresProbe::read_server_version(const DatabaseTarget& target) {
  return with_database_errors(target, [&] {
    return with_connection(target, [&](pqxx::connection& conn) -> std::optional<int> {
      return db::server_version_num(conn) / 10000;
    });
  });
}

std::optional<MigrationProgress> PostgresProbe::read_progress(const DatabaseTarget& target) {
  return with_database_errors(target, [&]() -> std::optional<MigrationProgress> {
    return with_connection(target, [&](pqxx::connection& conn) -> std::optional<MigrationProgress> {
      std::optional<MigrationProgress> out;
      {
        pqxx::nontransaction tx(conn);
        if (auto run = db::HistoryTable(target.version_table).progress(tx)) {
          out = MigrationProgress{.run_id = run->run_id,
                                  .total = run->step_count,
                                  .done = run->succeeded,
                                  .failed = run->failed,
                                  .running = run->running.value_or(""),
                                  .started_at = run->started_at};
        }
      }
      if (auto statement = running_statement(conn, target.version_table)) {
        if (!out) out = MigrationProgress{};
        out->statement = std::move(statement);
      }
      return out;
    });
  });
}

}  // namespace pgrevise::controller
