#include "db/lock.h"

#include <random>

#include <pqxx/pqxx>

#include "common/error.h"
#include "common/hash.h"

namespace pgrevise::db {

namespace {

// pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), with objsubid 1.
struct KeyParts {
  std::int64_t high;
  std::int64_t low;
};
KeyParts split_key(std::int64_t key) {
  const auto u = static_cast<std::uint64_t>(key);
  return {static_cast<std::int64_t>(u >> 32), static_cast<std::int64_t>(u & 0xffffffffu)};
}

constexpr const char* kHoldersSql =
    "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
    "coalesce(host(a.client_addr), 'local') "
    "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid::bigint = $1 AND l.objid::bigint = $2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY l.pid";

constexpr const char* kPoolingAdvice =
    "the connection goes through a transaction-pooling proxy (such as PgBouncer with pool_mode=transaction), "
    "which breaks session advisory locks. Connect to PostgreSQL directly or through a pool in session mode.";

std::string describe_holders(const std::vector<LockHolder>& holders) {
  if (holders.empty()) return "it was released just now; try again";
  std::string out = "held by";
  for (size_t i = 0; i < holders.size(); ++i) {
    const auto& h = holders[i];
    out += (i == 0 ? " pid " : ", pid ") + std::to_string(h.pid) + " (application_name '" +
           h.application_name + "', user '" + h.user + "', client " + h.client_addr + ")";
  }
  return out;
}

}  // namespace

std::int64_t migration_lock_key(const VersionTableName& t) {
  const std::string digest = sha256_hex("pgrevise-migration-lock:" + t.qualified_sql());
  const std::uint64_t u = std::stoull(digest.substr(0, 16), nullptr, 16);
  return static_cast<std::int64_t>(u);
}

std::vector<LockHolder> advisory_lock_holders(pqxx::connection_base& c, std::int64_t key) {
  pqxx::nontransaction tx(c);
  const auto parts = split_key(key);
  std::vector<LockHolder> out;
  for (const auto& row : tx.exec_params(kHoldersSql, parts.high, parts.low)) {
    out.push_back(
        {row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()});
  }
  return out;
}

void verify_session_lock(pqxx::connection_base& c, int locking_pid, std::int64_t key) {
  const auto parts = split_key(key);
  pqxx::work tx(c);
  auto row = tx.exec_params1(
      "SELECT pg_backend_pid(), EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
      "AND l.objsubid = 1 AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.pid = pg_backend_pid())",
      parts.high, parts.low);
  tx.commit();
  const int pid_now = row[0].as<int>();
  const bool held_here = row[1].as<bool>();
  if (pid_now == locking_pid && held_here) return;
  const std::string what = pid_now != locking_pid
                               ? "the server session changed between transactions (backend pid " +
                                     std::to_string(locking_pid) + " then " + std::to_string(pid_now) + ")"
                               : "the migration lock taken by this session is not held by it in the next "
                                 "transaction";
  throw Error(ErrorKind::kConnection, what + ": " + kPoolingAdvice);
}

std::string session_lock_check_sql(int locking_pid) {
  // A plain pid comparison rather than a pg_locks lookup: pg_locks copies the server's whole lock table (its
  // size grows with max_connections), which made this check cost more than a small revision itself.
  return "DO $pgrevise_lock$ BEGIN IF pg_backend_pid() <> " + std::to_string(locking_pid) +
         " THEN RAISE EXCEPTION USING ERRCODE = '" + kSessionLockLostSqlstate +
         "', MESSAGE = 'this session does not hold the migration lock: " + kPoolingAdvice +
         "'; END IF; END $pgrevise_lock$";
}

MigrationLock::MigrationLock(pqxx::connection& c, const VersionTableName& t)
    : conn_(c), table_(t), key_(migration_lock_key(t)) {}

MigrationLock::~MigrationLock() {
  try {
    release();
  } catch (const std::exception&) {
    // Destructors must not throw; the server releases the lock when the session ends anyway.
  }
}

bool MigrationLock::try_acquire() {
  if (held_) return true;
  ++attempts_;
  pqxx::nontransaction tx(conn_);
  held_ = tx.exec_params1("SELECT pg_try_advisory_lock($1)", key_)[0].as<bool>();
  return held_;
}

void MigrationLock::acquire(Clock& clock, const LockOptions& options) {
  const auto start = clock.steady_now();
  const auto deadline = start + options.lock_wait;
  Backoff backoff(options.initial_backoff, options.max_backoff,
                  options.seed != 0 ? options.seed : std::random_device{}());
  while (!try_acquire()) {
    const auto now = clock.steady_now();
    if (now >= deadline) {
      waited_ = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      throw Error(ErrorKind::kLockNotAcquired,
                  "could not take the migration lock on " + table_.display() + " within " +
                      std::to_string(options.lock_wait.count()) +
                      " ms: " + describe_holders(advisory_lock_holders(conn_, key_)));
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    clock.sleep_for(std::min(backoff.next(), std::max(remaining, std::chrono::milliseconds(1))));
  }
  waited_ = std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - start);
  try {
    verify_session_lock(conn_, conn_.backendpid(), key_);
  } catch (...) {
    release();
    throw;
  }
}

void MigrationLock::release() {
  if (!held_) return;
  if (!conn_.is_open()) {  // the server released the session lock with the session
    held_ = false;
    return;
  }
  try {
    pqxx::nontransaction tx(conn_);
    tx.exec_params("SELECT pg_advisory_unlock($1)", key_);
  } catch (const pqxx::broken_connection&) {
    // Lost just now: the server releases the session lock with the session.
  }
  held_ = false;
}

}  // namespace pgrevise::db
