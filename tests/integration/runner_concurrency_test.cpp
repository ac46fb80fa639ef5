// Runners meeting each other and other sessions: the migration lock, lock_timeout retries, crashes.
#include <csignal>
#include <thread>

#include <pqxx/pqxx>

#include "db/lock.h"
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

using std::chrono::milliseconds;

// Polls until cond() holds or about 20 seconds pass.
template <typename Cond>
bool eventually(Cond cond) {
  for (int i = 0; i < 400; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

TEST_F(RunnerTest, TwoRunnersAtOnceApplyEachRevisionOnce) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);\nSELECT pg_sleep(1);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (id int);", "DROP TABLE tb;"));
  auto spec = pgrevise_spec({"migrate", "upgrade", "--dir", dir.str(), "--database-url", db.url()});
  ChildProcess first(spec);
  ChildProcess second(spec);
  auto r1 = first.wait();
  auto r2 = second.wait();
  ASSERT_EQ(r1.exit_code, 0) << describe(r1);
  ASSERT_EQ(r2.exit_code, 0) << describe(r2);
  // One applied both revisions; the other waited for the lock and then found nothing to do.
  const bool first_applied = r1.out.find("Upgraded") != std::string::npos;
  EXPECT_NE((first_applied ? r2 : r1).out.find("Nothing to do"), std::string::npos) << r1.out << r2.out;
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history"), "2");
}

TEST_F(RunnerTest, LockNotAcquiredNamesTheHolder) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  // Hold the runner's lock from another session, as a stuck runner would.
  pqxx::connection holder(db.url() + "?application_name=stuck-runner");
  pqxx::nontransaction tx(holder);
  const auto key = db::migration_lock_key(db::VersionTableName{});
  tx.exec1("SELECT pg_advisory_lock(" + std::to_string(key) + ")");
  auto r = migrate({"upgrade", "--lock-wait", "500ms"});
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  EXPECT_NE(r.err.find("stuck-runner"), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "a");
}

TEST_F(RunnerTest, LockTimeoutIsRetriedUntilTheBlockerGoesAway) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE busy (id int);", "DROP TABLE busy;"));
  dir.write("b.sql", migration("b", "a", "ALTER TABLE busy ADD COLUMN note text;", ""));
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  auto blocker = std::make_unique<pqxx::connection>(db.url() + "?application_name=long-report");
  auto tx = std::make_unique<pqxx::work>(*blocker);
  tx->exec("SELECT * FROM busy");  // holds ACCESS SHARE until the transaction ends
  ChildProcess runner(pgrevise_spec({"migrate", "upgrade", "--dir", dir.str(), "--database-url", db.url(),
                                     "--lock-timeout", "200ms", "--lock-retries", "20"}));
  // Let the runner fail on lock_timeout at least once, then release the lock.
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
               "current_database()") != "0";
  }));
  std::this_thread::sleep_for(milliseconds(600));
  tx->commit();
  auto r = runner.wait();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("lock timeout, retrying"), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "b");
}

TEST_F(RunnerTest, LockTimeoutFailureNamesTheBlocker) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE busy (id int);", "DROP TABLE busy;"));
  dir.write("b.sql", migration("b", "a", "ALTER TABLE busy ADD COLUMN note text;", ""));
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  pqxx::connection blocker(db.url() + "?application_name=long-report");
  pqxx::work tx(blocker);
  tx.exec("SELECT * FROM busy");
  auto r = migrate({"upgrade", "--lock-timeout", "300ms", "--lock-retries", "1"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("55P03"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("long-report"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::to_string(blocker.backendpid())), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "a");
}

TEST_F(RunnerTest, CrashInsideANonTransactionalRevisionIsReportedUntilResolved) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql",
            migration("b", "a",
                      "CREATE INDEX CONCURRENTLY IF NOT EXISTS ta_id ON ta (id);\nSELECT pg_sleep(30);\n"
                      "CREATE TABLE IF NOT EXISTS tb (id int);",
                      "", "-- transactional: false\n"));
  ChildProcess runner(pgrevise_spec({"migrate", "upgrade", "--dir", dir.str(), "--database-url", db.url()}));
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE "
               "'SELECT pg_sleep(30)%'") == "1";
  }));
  runner.kill(SIGKILL);
  runner.wait();
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query "
      "LIKE 'SELECT pg_sleep(30)%'");
  EXPECT_EQ(heads(), "a");

  auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("revision b"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("never finished"), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "a");
  r = migrate({"check"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("unfinished: revision b"), std::string::npos) << r.out;

  // The statements are idempotent, so the operator of the database may re-run them.
  dir.write("b.sql", migration("b", "a",
                               "CREATE INDEX CONCURRENTLY IF NOT EXISTS ta_id ON ta (id);\n"
                               "CREATE TABLE IF NOT EXISTS tb (id int);",
                               "", "-- transactional: false\n"));
  r = migrate({"upgrade", "--retry-unfinished"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(tables(), "ta,tb");
  EXPECT_EQ(migrate({"check"}).exit_code, 0);
}

TEST_F(RunnerTest, StampResolvesAnUnfinishedRevision) {
  dir.write("a.sql", migration("a", "", "SELECT pg_sleep(30);", "", "-- transactional: false\n"));
  ChildProcess runner(pgrevise_spec({"migrate", "upgrade", "--dir", dir.str(), "--database-url", db.url()}));
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE "
               "'SELECT pg_sleep(30)%'") == "1";
  }));
  runner.kill(SIGKILL);
  runner.wait();
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query "
      "LIKE 'SELECT pg_sleep(30)%'");
  EXPECT_EQ(migrate({"upgrade"}).exit_code, 1);
  auto r = migrate({"stamp", "a"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("Nothing to do"), std::string::npos);
}

}  // namespace
}  // namespace pgrevise::testing
