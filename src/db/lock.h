#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "common/backoff.h"
#include "common/clock.h"
#include "db/version_table.h"

namespace pgrevise::db {

// A session holding an advisory lock, as pg_locks and pg_stat_activity show it.
struct LockHolder {
  int pid = 0;
  std::string application_name;
  std::string user;
  std::string client_addr;
};

// The migration lock key: a stable 64-bit hash (first 8 bytes of SHA-256) of "pgrevise-migration-lock:" and
// the qualified version-table name, so runners of the same table (any version of pgrevise) contend.
std::int64_t migration_lock_key(const VersionTableName& t);

// Who holds the advisory lock with this key in the current database (empty when nobody).
std::vector<LockHolder> advisory_lock_holders(pqxx::connection_base& c, std::int64_t key);

// The transaction-pooling check, apart so it can be tested against another connection: in a NEW transaction
// on c, pg_backend_pid() must equal locking_pid and pg_locks must show the advisory lock held by that
// backend. Otherwise → Error(kConnection) explaining that transaction pooling (PgBouncer
// pool_mode=transaction) breaks session locks and to connect directly or through session pooling.
void verify_session_lock(pqxx::connection_base& c, int locking_pid, std::int64_t key);

// One statement that raises SQLSTATE PR002 (with the transaction-pooling explanation) unless this is still
// the server session `locking_pid` that took the advisory lock and passed verify_session_lock. A proxy may
// hand consecutive transactions to the same server session for a while and then to another; putting this in
// every revision's round trip (TransactionScript::prologue) catches the switch before anything is applied.
// The pid is compared rather than pg_locks read: the lock lives as long as the session, and pg_locks is
// costly.
std::string session_lock_check_sql(int locking_pid);
inline constexpr const char* kSessionLockLostSqlstate = "PR002";

struct LockOptions {
  std::chrono::milliseconds lock_wait{std::chrono::seconds(60)};  // how long to keep trying; 0: try once
  std::chrono::milliseconds initial_backoff{std::chrono::milliseconds(50)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(2)};
  std::uint64_t seed = 0;  // backoff jitter seed; 0 picks a random one
};

// The session advisory lock that lets only one runner migrate a database. Taken by POLLING
// pg_try_advisory_lock (a blocking pg_advisory_lock would deadlock with CREATE INDEX CONCURRENTLY, which
// waits for every transaction including one stuck waiting for the lock). Released by release(), the
// destructor, or the connection closing.
class MigrationLock {
 public:
  MigrationLock(pqxx::connection& c, const VersionTableName& t);
  ~MigrationLock();
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

  // Polls with jittered backoff on `clock` until taken or lock_wait has passed, then Error(kLockNotAcquired)
  // naming the holder's pid and application_name. On success also runs verify_session_lock.
  void acquire(Clock& clock, const LockOptions& options);
  // One attempt; true when taken (no pooling check).
  bool try_acquire();
  // Idempotent. Does nothing when the connection is gone (the server released the lock with the session);
  // other failures (e.g. a transaction object still open on the connection) throw. The destructor releases
  // too.
  void release();
  bool held() const { return held_; }
  std::int64_t key() const { return key_; }
  int attempts() const { return attempts_; }
  // Time spent waiting in the last acquire(), on the injected clock.
  std::chrono::milliseconds waited() const { return waited_; }

 private:
  pqxx::connection& conn_;
  VersionTableName table_;
  std::int64_t key_;
  bool held_ = false;
  int attempts_ = 0;
  std::chrono::milliseconds waited_{0};
};

}  // namespace pgrevise::db
