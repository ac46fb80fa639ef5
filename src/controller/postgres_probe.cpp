#include "controller/postgres_probe.h"

#include <pqxx/except>
#include <pqxx/transaction>

#include "common/error.h"
#include "common/redact.h"
#include "db/connection.h"
#include "db/history.h"

namespace pgrevise::controller {
namespace {

constexpr char kApplicationName[] = "pgrevise-operator";

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

std::unique_ptr<pqxx::connection> open(const DatabaseTarget& target, std::chrono::seconds timeout) {
  auto conn = db::connect(connection_config(target), timeout, kApplicationName);
  return conn;
}

// The probe only reads; a bounded statement_timeout keeps a locked catalogue from stalling a reconcile.
void bound_statements(pqxx::transaction_base& tx, std::chrono::seconds timeout) {
  tx.exec("SET LOCAL statement_timeout = " + std::to_string(std::max<long long>(1, timeout.count()) * 1000));
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

}  // namespace

PostgresProbe::PostgresProbe(std::chrono::seconds connect_timeout) : connect_timeout_(connect_timeout) {}

std::vector<std::string> PostgresProbe::read_heads(const DatabaseTarget& target) {
  return with_database_errors(target, [&] {
    auto conn = open(target, connect_timeout_);
    pqxx::read_transaction tx(*conn);
    bound_statements(tx, connect_timeout_);
    return db::read_heads(tx, target.version_table);
  });
}

std::optional<MigrationProgress> PostgresProbe::read_progress(const DatabaseTarget& target) {
  return with_database_errors(target, [&]() -> std::optional<MigrationProgress> {
    auto conn = open(target, connect_timeout_);
    pqxx::read_transaction tx(*conn);
    bound_statements(tx, connect_timeout_);
    auto run = db::HistoryTable(target.version_table).progress(tx);
    if (!run) return std::nullopt;
    return MigrationProgress{.run_id = run->run_id,
                             .total = run->step_count,
                             .done = run->succeeded,
                             .failed = run->failed,
                             .running = run->running.value_or(""),
                             .started_at = run->started_at};
  });
}

}  // namespace pgrevise::controller
