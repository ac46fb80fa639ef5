#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/error.h"
#include "common/redact.h"
#include "db/connection.h"
#include "db/execute.h"
#include "db/native.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using namespace std::chrono_literals;
using pgrevise::testing::TestDatabase;

std::unique_ptr<pqxx::connection> open(const TestDatabase& db, const std::string& app) {
  return connect(resolve_connection(db.url()), std::chrono::seconds(5), app);
}

MigrationError statement_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StatementError& e) {
    EXPECT_EQ(e.what(), e.info().summary());
    return e.info();
  }
  ADD_FAILURE() << "expected a StatementError";
  return {};
}

std::string show(pqxx::connection& c, const std::string& setting) {
  pqxx::nontransaction tx(c);
  return tx.exec1("SHOW " + setting)[0].as<std::string>();
}

TEST(Execute, RunsAWholeScriptInTheCallersTransaction) {
  TestDatabase db;
  auto c = open(db, "runner");
  {
    pqxx::work tx(*c);
    execute(tx, "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1), (2);\n-- comment only\n");
    tx.commit();
  }
  EXPECT_EQ(db.query("SELECT count(*) FROM t"), "2");
  {
    pqxx::work tx(*c);
    execute(tx, "INSERT INTO t VALUES (3)");
  }  // aborted: leaves no trace
  EXPECT_EQ(db.query("SELECT count(*) FROM t"), "2");
  execute(*c, "");  // an empty script is fine
}

TEST(Execute, SyntaxErrorCarriesSqlstateAndPositionInTheScript) {
  TestDatabase db;
  auto c = open(db, "runner");
  pqxx::work tx(*c);
  const std::string script = "SELECT 1;\nSELEC oops;";
  auto e = statement_error_of([&] { execute(tx, script); });
  EXPECT_EQ(e.sqlstate, "42601");
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(*e.position, static_cast<int>(script.find("SELEC oops")) + 1);
  EXPECT_NE(e.message.find("syntax error"), std::string::npos) << e.message;
  EXPECT_FALSE(e.is_lock_timeout);
  EXPECT_FALSE(e.is_connection_lost);
}

TEST(Execute, RuntimeErrorNamesTheFailingStatementByItsIndex) {
  TestDatabase db;
  auto c = open(db, "runner");
  pqxx::work tx(*c);
  auto e = statement_error_of([&] { execute(tx, "SELECT 1;\n-- note\nSELECT 2;\nSELECT 1/0;\nSELECT 3;"); });
  EXPECT_EQ(e.sqlstate, "22012");
  EXPECT_FALSE(e.position.has_value());
  ASSERT_TRUE(e.statement.has_value());
  EXPECT_EQ(*e.statement, 2);
}

TEST(Execute, DetailAndHintAreKept) {
  TestDatabase db;
  auto c = open(db, "runner");
  db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  {
    pqxx::work tx(*c);
    auto e = statement_error_of([&] { execute(tx, "INSERT INTO t VALUES (1)"); });
    EXPECT_EQ(e.sqlstate, "23505");
    EXPECT_EQ(e.detail, "Key (id)=(1) already exists.");
    EXPECT_NE(e.summary().find("23505"), std::string::npos) << e.summary();
  }
  pqxx::work tx(*c);
  auto e = statement_error_of([&] { execute(tx, "SELECT no_such_function(1)"); });
  EXPECT_EQ(e.sqlstate, "42883");
  EXPECT_FALSE(e.hint.empty());
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(*e.position, 8);
}

TEST(Execute, ErrorsAreKindMigrationFailedAndRedacted) {
  TestDatabase db;
  auto c = open(db, "runner");
  const std::string canary = "Canary-Exec-5d41c0";
  register_secret(canary);
  try {
    execute(*c, "SELECT '" + canary + "'::int");
    FAIL() << "expected a StatementError";
  } catch (const StatementError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMigrationFailed);
    EXPECT_EQ(std::string(e.what()).find(canary), std::string::npos) << e.what();
    EXPECT_EQ(e.info().message.find(canary), std::string::npos) << e.info().message;
  }
}

TEST(ExecuteTransaction, CommitsTheWholeBody) {
  TestDatabase db;
  auto c = open(db, "runner");
  execute_transaction(*c, "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n-- trailing comment");
  EXPECT_EQ(db.query("SELECT count(*) FROM t"), "1");
  EXPECT_EQ(PQtransactionStatus(native_handle(*c)), PQTRANS_IDLE);
}

TEST(ExecuteTransaction, FailureRollsBackAndReportsThePositionInTheBody) {
  TestDatabase db;
  auto c = open(db, "runner");
  const std::string body = "CREATE TABLE t (id int);\nINSERT INTO t VALUES ('é', 'x');";
  auto e = statement_error_of([&] { execute_transaction(*c, body); });
  EXPECT_EQ(e.sqlstate, "42601");  // more expressions than target columns
  ASSERT_TRUE(e.position.has_value());
  const auto loc = locate(body, *e.position);
  EXPECT_EQ(loc.line, 2);
  EXPECT_EQ(loc.column, 28);  // at 'x', counting 'é' as one character
  EXPECT_FALSE(db.table_exists("public.t"));
  EXPECT_EQ(PQtransactionStatus(native_handle(*c)), PQTRANS_IDLE);
  execute(*c, "SELECT 1");  // the session is usable again
}

TEST(ExecuteTransaction, ScriptPartsRunTogetherAndPositionsReferToTheBody) {
  TestDatabase db;
  auto c = open(db, "runner");
  db.exec("CREATE TABLE log (v text)");
  TransactionScript ok{timeouts_sql({.lock_timeout = 1s}, true) + " INSERT INTO log VALUES ('é prologue')",
                       "INSERT INTO log VALUES ('body')", "INSERT INTO log VALUES ('epilogue')"};
  execute_transaction(*c, ok);
  EXPECT_EQ(db.query("SELECT v FROM log ORDER BY v"), "body\nepilogue\né prologue");

  TransactionScript bad_body = ok;
  bad_body.body = "INSERT INTO log VALUES ('x');\nSELEC 1";
  auto e = statement_error_of([&] { execute_transaction(*c, bad_body); });
  ASSERT_TRUE(e.position.has_value());
  EXPECT_TRUE(e.in_body);
  EXPECT_EQ(locate(bad_body.body, *e.position).line, 2);
  EXPECT_EQ(locate(bad_body.body, *e.position).column, 1);

  TransactionScript bad_epilogue = ok;
  bad_epilogue.epilogue = "SELEC 2";
  auto e2 = statement_error_of([&] { execute_transaction(*c, bad_epilogue); });
  EXPECT_FALSE(e2.in_body);
  EXPECT_FALSE(e2.position.has_value());
  EXPECT_EQ(db.query("SELECT count(*) FROM log"), "3");  // both failures left nothing behind
}

TEST(ExecuteTransaction, RuntimeErrorsAreCountedFromTheBodysFirstStatement) {
  TestDatabase db;
  auto c = open(db, "runner");
  db.exec("CREATE TABLE log (v text PRIMARY KEY)");
  TransactionScript script{timeouts_sql({.lock_timeout = 1s}, true) + " INSERT INTO log VALUES ('prologue')",
                           "INSERT INTO log VALUES ('a');\nINSERT INTO log VALUES ('a');", "SELECT 1"};
  script.prologue_statements = 2;
  auto in_body = statement_error_of([&] { execute_transaction(*c, script); });
  EXPECT_EQ(in_body.sqlstate, "23505");
  ASSERT_TRUE(in_body.statement.has_value());
  EXPECT_EQ(*in_body.statement, 1);

  script.body = "INSERT INTO log VALUES ('a')";
  script.epilogue = "SELECT 1; INSERT INTO log VALUES ('a')";
  auto in_epilogue = statement_error_of([&] { execute_transaction(*c, script); });
  ASSERT_TRUE(in_epilogue.statement.has_value());
  EXPECT_EQ(*in_epilogue.statement, 2);  // past the body's only statement

  script.prologue += "; SELECT 1/0";
  script.prologue_statements = 3;
  auto in_prologue = statement_error_of([&] { execute_transaction(*c, script); });
  EXPECT_EQ(in_prologue.sqlstate, "22012");
  EXPECT_FALSE(in_prologue.statement.has_value());
  EXPECT_FALSE(in_prologue.in_body);
  EXPECT_EQ(db.query("SELECT count(*) FROM log"), "0");
}

// Several revisions in one transaction send each one's script with execute_in_transaction: an error is made
// relative to the body exactly as in a transaction of its own, counting characters, not bytes.
TEST(ExecuteInTransaction, ErrorsAreMadeRelativeToTheBodyAsInATransactionOfItsOwn) {
  TestDatabase db;
  auto c = open(db, "runner");
  db.exec("CREATE TABLE log (v text PRIMARY KEY)");
  const auto error_in_both = [&](const TransactionScript& script) {
    const auto own = statement_error_of([&] { execute_transaction(*c, script); });
    execute(*c, "BEGIN");
    const auto shared = statement_error_of([&] { execute_in_transaction(*c, script); });
    EXPECT_EQ(PQtransactionStatus(native_handle(*c)), PQTRANS_INERROR);
    roll_back_open_transaction(*c);
    EXPECT_EQ(PQtransactionStatus(native_handle(*c)), PQTRANS_IDLE);
    EXPECT_EQ(shared.sqlstate, own.sqlstate);
    EXPECT_EQ(shared.position, own.position);
    EXPECT_EQ(shared.statement, own.statement);
    EXPECT_EQ(shared.in_body, own.in_body);
    return shared;
  };
  TransactionScript script{timeouts_sql({.lock_timeout = 1s}, true), "",
                           "INSERT INTO log VALUES ('epilogue')"};
  script.prologue_statements = 1;

  script.body = "INSERT INTO log VALUES ('é');\nSELEC 1";
  auto e = error_in_both(script);
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(locate(script.body, *e.position).line, 2);
  EXPECT_EQ(locate(script.body, *e.position).column, 1);

  // The server reports the missing parenthesis at the separator after the body: the body's last character.
  script.body = "INSERT INTO log VALUES ('éé');\nINSERT INTO log VALUES ('ü'\n\n";
  e = error_in_both(script);
  EXPECT_EQ(e.sqlstate, "42601");
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(locate(script.body, *e.position).line, 2);
  EXPECT_EQ(locate(script.body, *e.position).column, 27);  // the closing quote after 'ü'

  script.body = "INSERT INTO log VALUES ('ä');\nINSERT INTO log VALUES ('ä');";
  e = error_in_both(script);
  EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(e.statement, 1);

  script.body = "INSERT INTO log VALUES ('ö')";
  script.epilogue = "SELECT no_such_column FROM log";
  e = error_in_both(script);
  EXPECT_EQ(e.sqlstate, "42703");
  EXPECT_FALSE(e.in_body);
  EXPECT_FALSE(e.position.has_value());
  EXPECT_EQ(db.query("SELECT count(*) FROM log"), "0");
}

TEST(Locate, CountsLinesAndUtf8Characters) {
  EXPECT_EQ(locate("abc", 2).column, 2);
  EXPECT_EQ(locate("a\nbc", 4).line, 2);
  EXPECT_EQ(locate("a\nbc", 4).column, 2);
  EXPECT_EQ(locate("éé\nx", 4).line, 2);
  EXPECT_EQ(locate("éé\nx", 4).column, 1);
}

TEST(Timeouts, LocalTimeoutsEndWithTheTransaction) {
  TestDatabase db;
  auto c = open(db, "runner");
  EXPECT_EQ(timeouts_sql({.lock_timeout = 5s, .statement_timeout = 0ms}, true),
            "SET LOCAL lock_timeout = '5000ms'; SET LOCAL statement_timeout = '0ms';");
  EXPECT_EQ(timeouts_sql({}, false), "");
  {
    pqxx::work tx(*c);
    set_local_timeouts(tx, {.lock_timeout = 1500ms, .statement_timeout = 2s});
    EXPECT_EQ(tx.exec1("SHOW lock_timeout")[0].as<std::string>(), "1500ms");
    EXPECT_EQ(tx.exec1("SHOW statement_timeout")[0].as<std::string>(), "2s");
    tx.commit();
  }
  EXPECT_EQ(show(*c, "lock_timeout"), "0");
  EXPECT_EQ(show(*c, "statement_timeout"), "0");
}

TEST(Timeouts, SessionTimeoutsLastUntilReset) {
  TestDatabase db;
  auto c = open(db, "runner");
  set_session_timeouts(*c, {.lock_timeout = 250ms});
  EXPECT_EQ(show(*c, "lock_timeout"), "250ms");
  EXPECT_EQ(show(*c, "statement_timeout"), "0");
  reset_session_timeouts(*c);
  EXPECT_EQ(show(*c, "lock_timeout"), "0");
}

TEST(Timeouts, StatementTimeoutIsRecognised) {
  TestDatabase db;
  auto c = open(db, "runner");
  pqxx::work tx(*c);
  set_local_timeouts(tx, {.statement_timeout = 100ms});
  auto e = statement_error_of([&] { execute(tx, "SELECT pg_sleep(30)"); });
  EXPECT_EQ(e.sqlstate, "57014");
  EXPECT_TRUE(e.is_statement_timeout);
  EXPECT_FALSE(e.is_lock_timeout);
}

TEST(Timeouts, LockTimeoutNamesTheBlockersPidAndQuery) {
  TestDatabase db;
  db.exec("CREATE TABLE accounts (id int)");
  auto holder = open(db, "blocker-app");
  pqxx::work holding(*holder);
  holding.exec("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE");

  auto runner = open(db, "runner");
  BlockerMonitor monitor(resolve_connection(db.url()), runner->backendpid(), SystemClock::instance(), 20ms);
  pqxx::work tx(*runner);
  set_local_timeouts(tx, {.lock_timeout = 2s});
  auto e = statement_error_of([&] { execute(tx, "ALTER TABLE accounts ADD COLUMN note text", &monitor); });
  EXPECT_EQ(e.sqlstate, "55P03");
  EXPECT_TRUE(e.is_lock_timeout);
  ASSERT_EQ(e.blockers.size(), 1u) << "monitor polls: " << monitor.polls();
  EXPECT_EQ(e.blockers[0].pid, holder->backendpid());
  EXPECT_EQ(e.blockers[0].application_name, "blocker-app");
  EXPECT_EQ(e.blockers[0].state, "idle in transaction");
  EXPECT_NE(e.blockers[0].query.find("LOCK TABLE accounts"), std::string::npos) << e.blockers[0].query;
  const auto summary = e.summary();
  EXPECT_NE(summary.find("blocked by pid " + std::to_string(holder->backendpid())), std::string::npos)
      << summary;
}

TEST(BlockerMonitor, QuietStatementsAreNeverPolled) {
  TestDatabase db;
  auto runner = open(db, "runner");
  BlockerMonitor monitor(open(db, "monitor"), runner->backendpid(), SystemClock::instance(),
                         std::chrono::hours(1));
  pqxx::work tx(*runner);
  execute(tx, "SELECT 1", &monitor);
  EXPECT_EQ(monitor.polls(), 0);
  EXPECT_TRUE(monitor.blockers().empty());
}

TEST(BlockerMonitor, OpensItsSessionOnlyForASlowStatement) {
  TestDatabase db;
  auto runner = open(db, "runner");
  BlockerMonitor monitor(resolve_connection(db.url()), runner->backendpid(), SystemClock::instance(), 200ms);
  const std::string monitors =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgrevise-monitor' AND datname = "
      "current_database()";  // this test's database: tests running beside it have monitors of their own
  for (int i = 0; i < 20; ++i) execute(*runner, "SELECT 1", &monitor);
  EXPECT_EQ(db.query(monitors), "0");
  execute(*runner, "SELECT pg_sleep(0.6)", &monitor);
  EXPECT_GE(monitor.polls(), 1);
  EXPECT_EQ(db.query(monitors), "1");
}

// How long a statement has run is read from the injected clock: while it stands still, even a slow statement
// is never polled.
TEST(BlockerMonitor, MeasuresARunningStatementOnTheInjectedClock) {
  TestDatabase db;
  auto runner = open(db, "runner");
  ManualClock still;
  BlockerMonitor monitor(resolve_connection(db.url()), runner->backendpid(), still, 20ms);
  execute(*runner, "SELECT pg_sleep(0.3)", &monitor);
  EXPECT_EQ(monitor.polls(), 0);
}

// The server ends the monitor's session while it watches (as a restart does): the monitor keeps out of the
// statement's way, and leaves nothing behind (the sanitizer build checks for leaks).
TEST(BlockerMonitor, LostSessionIsDroppedAndReopenedForTheNextSlowStatement) {
  TestDatabase db;
  auto runner = open(db, "runner");
  BlockerMonitor monitor(resolve_connection(db.url()), runner->backendpid(), SystemClock::instance(), 20ms);
  const std::string monitor_pid =
      "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE application_name = 'pgrevise-monitor' AND "
      "datname = current_database()";
  execute(*runner, "SELECT pg_sleep(0.3)", &monitor);
  const std::string first = db.query(monitor_pid);
  ASSERT_NE(first, "0");
  db.exec("SELECT pg_terminate_backend(" + first + ")");
  const long polls = monitor.polls();
  execute(*runner, "SELECT pg_sleep(0.3)", &monitor);
  EXPECT_GT(monitor.polls(), polls);
  execute(*runner, "SELECT pg_sleep(0.3)", &monitor);
  const std::string second = db.query(monitor_pid);
  EXPECT_NE(second, "0");
  EXPECT_NE(second, first);
}

TEST(Execute, LostConnectionIsReportedAsSuch) {
  TestDatabase db;
  auto runner = open(db, "runner");
  const int pid = runner->backendpid();
  db.exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  // Wait until the backend is really gone so the next statement meets a closed socket.
  for (int i = 0;
       i < 500 && db.query("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid)) != "0";
       ++i) {
    SystemClock::instance().sleep_for(10ms);
  }
  try {
    execute(*runner, "SELECT 1");
    FAIL() << "expected a StatementError";
  } catch (const StatementError& e) {
    EXPECT_TRUE(e.info().is_connection_lost) << e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  }
  // No silent reconnect: a new session would not hold the migration lock.
  EXPECT_THROW(pqxx::work(*runner).exec("SELECT 1"), pqxx::broken_connection);
}

}  // namespace
}  // namespace pgrevise::db
