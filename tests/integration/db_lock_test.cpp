#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/error.h"
#include "db/connection.h"
#include "db/execute.h"
#include "db/lock.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using pgrevise::testing::TestDatabase;

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error";
  return Error(ErrorKind::kInternal, "none");
}

std::unique_ptr<pqxx::connection> open(const TestDatabase& db, const std::string& app) {
  return connect(resolve_connection(db.url()), std::chrono::seconds(5), app);
}

bool try_lock(pqxx::connection& c, std::int64_t key) {
  pqxx::nontransaction tx(c);
  return tx.exec_params1("SELECT pg_try_advisory_lock($1)", key)[0].as<bool>();
}

// Virtual time whose Nth sleep runs an action: lets a test release the lock while the runner is polling.
class ScriptedClock final : public Clock {
 public:
  ScriptedClock(int at_sleep, std::function<void()> action)
      : at_sleep_(at_sleep), action_(std::move(action)) {}
  std::chrono::system_clock::time_point now() const override { return inner_.now(); }
  std::chrono::steady_clock::time_point steady_now() const override { return inner_.steady_now(); }
  void sleep_for(Duration d) override {
    inner_.sleep_for(d);
    if (++sleeps_ == at_sleep_) action_();
  }
  int sleeps() const { return sleeps_; }

 private:
  ManualClock inner_;
  int at_sleep_;
  std::function<void()> action_;
  int sleeps_ = 0;
};

TEST(MigrationLockKey, IsStableAndDependsOnTheTable) {
  // The key is part of the contract between runner versions: a change would let two versions run at once.
  EXPECT_EQ(migration_lock_key(VersionTableName{}),
            migration_lock_key(VersionTableName::parse("alembic_version")));
  EXPECT_EQ(migration_lock_key(VersionTableName{}), -1174652177720123635LL);
  EXPECT_NE(migration_lock_key(VersionTableName{}),
            migration_lock_key(VersionTableName::parse("app.alembic_version")));
}

TEST(MigrationLock, AcquiresReleasesAndShowsInPgLocks) {
  TestDatabase db;
  auto runner = open(db, "runner");
  auto other = open(db, "other");
  MigrationLock lock(*runner, VersionTableName{});
  ManualClock clock;
  lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(5)});
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(lock.attempts(), 1);
  auto holders = advisory_lock_holders(*other, lock.key());
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, runner->backendpid());
  EXPECT_EQ(holders[0].application_name, "runner");
  EXPECT_EQ(holders[0].client_addr, "127.0.0.1");
  EXPECT_FALSE(try_lock(*other, lock.key()));
  lock.release();
  EXPECT_FALSE(lock.held());
  EXPECT_TRUE(try_lock(*other, lock.key()));
}

TEST(MigrationLock, WaitsThenFailsNamingTheHolder) {
  TestDatabase db;
  auto holder = open(db, "holder-app");
  auto runner = open(db, "runner");
  const auto key = migration_lock_key(VersionTableName{});
  ASSERT_TRUE(try_lock(*holder, key));
  MigrationLock lock(*runner, VersionTableName{});
  ManualClock clock;
  auto e =
      error_of([&] { lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(3), .seed = 7}); });
  const std::string msg = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kLockNotAcquired);
  EXPECT_NE(msg.find("pid " + std::to_string(holder->backendpid())), std::string::npos) << msg;
  EXPECT_NE(msg.find("holder-app"), std::string::npos) << msg;
  EXPECT_NE(msg.find("public.alembic_version"), std::string::npos) << msg;
  EXPECT_FALSE(lock.held());
  EXPECT_GT(lock.attempts(), 3);  // polled, with backoff, rather than one blocking wait
  EXPECT_GE(clock.total_slept(), std::chrono::seconds(3));
  EXPECT_GE(lock.waited(), std::chrono::seconds(3));
}

TEST(MigrationLock, ZeroWaitTriesOnce) {
  TestDatabase db;
  auto holder = open(db, "holder-app");
  auto runner = open(db, "runner");
  ASSERT_TRUE(try_lock(*holder, migration_lock_key(VersionTableName{})));
  MigrationLock lock(*runner, VersionTableName{});
  ManualClock clock;
  auto e = error_of([&] { lock.acquire(clock, LockOptions{.lock_wait = std::chrono::milliseconds(0)}); });
  EXPECT_EQ(e.kind(), ErrorKind::kLockNotAcquired);
  EXPECT_EQ(lock.attempts(), 1);
}

TEST(MigrationLock, AcquiredOnceTheHolderReleasesIt) {
  TestDatabase db;
  auto holder = open(db, "holder-app");
  auto runner = open(db, "runner");
  const auto key = migration_lock_key(VersionTableName{});
  ASSERT_TRUE(try_lock(*holder, key));
  ScriptedClock clock(3, [&] {
    pqxx::nontransaction tx(*holder);
    tx.exec_params("SELECT pg_advisory_unlock($1)", key);
  });
  MigrationLock lock(*runner, VersionTableName{});
  lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(60), .seed = 1});
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(clock.sleeps(), 3);
  EXPECT_EQ(lock.attempts(), 4);
  EXPECT_EQ(advisory_lock_holders(*holder, key).at(0).pid, runner->backendpid());
}

// A waiting runner must hold no transaction or snapshot between polls: CREATE INDEX CONCURRENTLY, run by the
// lock holder, waits for every open transaction and would otherwise wait for the waiter forever.
TEST(MigrationLock, AWaitingRunnerDoesNotHoldUpCreateIndexConcurrently) {
  TestDatabase db;
  db.exec("CREATE TABLE items (id int)");
  auto holder = open(db, "holder-app");
  auto waiter = open(db, "waiter-app");
  const int waiter_pid = waiter->backendpid();
  ManualClock holder_clock;
  MigrationLock held(*holder, VersionTableName{});
  held.acquire(holder_clock, LockOptions{.lock_wait = std::chrono::seconds(1)});
  std::string waiter_state;
  ScriptedClock clock(2, [&] {
    waiter_state =
        db.query("SELECT state || ' ' || (backend_xmin IS NULL) FROM pg_stat_activity WHERE pid = " +
                 std::to_string(waiter_pid));
    {
      pqxx::nontransaction tx(*holder);
      tx.exec("SET statement_timeout = '60s'");
      tx.exec("CREATE INDEX CONCURRENTLY items_id_idx ON items (id)");
    }
    held.release();
  });
  MigrationLock lock(*waiter, VersionTableName{});
  lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(60), .seed = 3});
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(waiter_state, "idle true");
  EXPECT_EQ(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass"), "t");
}

TEST(MigrationLock, ReleaseFailureIsNotHidden) {
  TestDatabase db;
  auto runner = open(db, "runner");
  ManualClock clock;
  MigrationLock lock(*runner, VersionTableName{});
  lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(1)});
  {
    pqxx::work busy(*runner);  // the unlock cannot run while this transaction object is open
    EXPECT_ANY_THROW(lock.release());
  }
  EXPECT_TRUE(lock.held());  // still held, and a second release works
  lock.release();
  EXPECT_FALSE(lock.held());
  auto other = open(db, "other");
  EXPECT_TRUE(try_lock(*other, lock.key()));
}

TEST(MigrationLock, ReleasedWhenTheConnectionCloses) {
  TestDatabase db;
  auto runner = open(db, "runner");
  auto other = open(db, "other");
  const auto key = migration_lock_key(VersionTableName{});
  {
    MigrationLock lock(*runner, VersionTableName{});
    ManualClock clock;
    lock.acquire(clock, LockOptions{.lock_wait = std::chrono::seconds(1)});
    runner->disconnect();
  }  // release() finds the connection gone and does not throw
  // The server ends the backend asynchronously: poll for the lock rather than sleep.
  bool taken = false;
  for (int i = 0; i < 500 && !taken; ++i) {
    taken = try_lock(*other, key);
    if (!taken) SystemClock::instance().sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(taken);
}

TEST(MigrationLock, DifferentVersionTablesDoNotContend) {
  TestDatabase db;
  auto a = open(db, "a");
  auto b = open(db, "b");
  ManualClock clock;
  MigrationLock la(*a, VersionTableName{});
  MigrationLock lb(*b, VersionTableName::parse("other.alembic_version"));
  la.acquire(clock, LockOptions{.lock_wait = std::chrono::milliseconds(0)});
  lb.acquire(clock, LockOptions{.lock_wait = std::chrono::milliseconds(0)});
  EXPECT_TRUE(la.held());
  EXPECT_TRUE(lb.held());
}

TEST(SessionLockCheck, PassesOnTheLockingSession) {
  TestDatabase db;
  auto runner = open(db, "runner");
  const auto key = migration_lock_key(VersionTableName{});
  ASSERT_TRUE(try_lock(*runner, key));
  EXPECT_NO_THROW(verify_session_lock(*runner, runner->backendpid(), key));
}

// A transaction-pooling proxy hands the next transaction to another server session. Checking the lock from a
// second connection is exactly what the runner would see then.
TEST(SessionLockCheck, DetectsADifferentBackendAsTransactionPooling) {
  TestDatabase db;
  auto runner = open(db, "runner");
  auto pooled = open(db, "pooled");
  const auto key = migration_lock_key(VersionTableName{});
  ASSERT_TRUE(try_lock(*runner, key));
  auto e = error_of([&] { verify_session_lock(*pooled, runner->backendpid(), key); });
  const std::string msg = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  EXPECT_NE(msg.find("transaction-pooling"), std::string::npos) << msg;
  EXPECT_NE(msg.find("session mode"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(runner->backendpid())), std::string::npos) << msg;
}

TEST(SessionLockCheck, PerRevisionCheckStatementRaisesWhenTheLockIsNotHere) {
  TestDatabase db;
  auto runner = open(db, "runner");
  auto pooled = open(db, "pooled");
  const auto key = migration_lock_key(VersionTableName{});
  ASSERT_TRUE(try_lock(*runner, key));
  const auto check = session_lock_check_sql(runner->backendpid());
  EXPECT_NO_THROW(execute_transaction(*runner, TransactionScript{check, "SELECT 1", ""}));
  try {
    execute_transaction(*pooled, TransactionScript{check, "CREATE TABLE must_not_exist (x int)", ""});
    FAIL() << "expected a StatementError";
  } catch (const StatementError& e) {
    EXPECT_EQ(e.info().sqlstate, kSessionLockLostSqlstate);
    EXPECT_NE(e.info().message.find("transaction-pooling"), std::string::npos) << e.info().message;
    EXPECT_FALSE(e.info().position.has_value());  // raised by the prologue's check, not at a place in the SQL
  }
  EXPECT_FALSE(db.table_exists("public.must_not_exist"));
}

TEST(SessionLockCheck, DetectsALockThatDidNotSurviveTheTransaction) {
  TestDatabase db;
  auto pooled = open(db, "pooled");
  const auto key = migration_lock_key(VersionTableName{});
  // Same pid, but the lock is not there (as when a pooler reset the session between transactions).
  auto e = error_of([&] { verify_session_lock(*pooled, pooled->backendpid(), key); });
  EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  EXPECT_NE(std::string(e.what()).find("not held"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace pgrevise::db
