#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/error.h"
#include "db/connection.h"
#include "db/history.h"
#include "db/version_table.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using namespace std::chrono_literals;
using pgrevise::testing::TestDatabase;

std::unique_ptr<pqxx::connection> open(const TestDatabase& db, const std::string& app = "pgrevise-test") {
  return connect(resolve_connection(db.url()), std::chrono::seconds(5), app);
}

StepRecord step(const std::string& rev, int index = 1, int count = 1, const std::string& checksum = "c0") {
  StepRecord s;
  s.revision = rev;
  s.checksum = checksum;
  s.run_id = "run-1";
  s.step_index = index;
  s.step_count = count;
  s.pgrevise_version = "0.1.0";
  return s;
}

class History : public ::testing::Test {
 protected:
  void SetUp() override {
    conn = open(db);
    pqxx::work tx(*conn);
    history.ensure(tx);
    tx.commit();
  }
  TestDatabase db;
  std::unique_ptr<pqxx::connection> conn;
  HistoryTable history{VersionTableName{}};
};

TEST_F(History, CreatedBesideTheVersionTableWithItsIndexes) {
  EXPECT_TRUE(db.table_exists("public.alembic_version_history"));
  EXPECT_EQ(db.query("SELECT count(*) FROM pg_indexes WHERE tablename = 'alembic_version_history'"), "4");
  pqxx::work tx(*conn);
  history.ensure(tx);  // idempotent
  EXPECT_TRUE(history.exists(tx));
  auto in_schema = HistoryTable(VersionTableName::parse("ops.versions"));
  in_schema.ensure(tx);
  tx.commit();
  EXPECT_TRUE(db.table_exists("ops.versions_history"));
}

// Tables created while revision ids were at most 32 characters have revision VARCHAR(32): ensure() widens
// them online, and the statements of an offline script (ddl()) do the same.
TEST_F(History, AnOlderNarrowRevisionColumnIsWidened) {
  const std::string type_sql =
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'alembic_version_history' AND "
      "column_name = 'revision'";
  EXPECT_EQ(db.query(type_sql), "text");
  const std::string long_id = std::string(100, 'r');
  for (bool offline : {false, true}) {
    db.exec("DELETE FROM alembic_version_history");
    db.exec("ALTER TABLE alembic_version_history ALTER COLUMN revision TYPE varchar(32)");
    pqxx::work tx(*conn);
    if (offline) {
      for (const auto& sql : history.ddl()) tx.exec(sql);
    } else {
      history.ensure(tx);
    }
    history.record(tx, step(long_id));
    tx.commit();
    EXPECT_EQ(db.query(type_sql), "text") << (offline ? "ddl()" : "ensure()");
    EXPECT_EQ(db.query("SELECT revision FROM alembic_version_history"), long_id);
  }
}

TEST_F(History, TransactionalStepIsWrittenWithTheMigrationOrNotAtAll) {
  const auto user = session_info(*conn).current_user;
  {
    pqxx::work tx(*conn);
    history.record(tx, step("001"));
  }  // rolled back with the migration
  pqxx::work tx(*conn);
  EXPECT_TRUE(history.recent(tx, 10).empty());
  history.record(tx, step("001"));
  tx.commit();

  pqxx::work read(*conn);
  auto rows = history.recent(read, 10);
  ASSERT_EQ(rows.size(), 1u);
  const auto& e = rows[0];
  EXPECT_EQ(e.revision, "001");
  EXPECT_EQ(e.direction, Direction::kUpgrade);
  EXPECT_FALSE(e.stamp);
  EXPECT_EQ(e.result, "succeeded");
  EXPECT_TRUE(e.transactional);
  EXPECT_EQ(e.checksum, "c0");
  ASSERT_TRUE(e.duration_ms.has_value());
  EXPECT_GE(*e.duration_ms, 0);
  EXPECT_FALSE(e.started_at.empty());
  EXPECT_FALSE(e.finished_at.empty());
  EXPECT_EQ(e.run_by_user, user);
  EXPECT_EQ(e.application_name, "pgrevise-test");
  EXPECT_EQ(e.client_addr, "127.0.0.1");
  EXPECT_EQ(e.pgrevise_version, "0.1.0");
}

TEST_F(History, PreparedRecordWritesTheSameRowAsThePlainOne) {
  auto hostile = step("it's");
  hostile.checksum = "c0'; DROP TABLE alembic_version_history; --";
  hostile.pgrevise_version = "0.1.0\\x";
  {
    pqxx::nontransaction session(*conn);
    session.exec(history.prepare_record_sql("record step"));
  }
  pqxx::work tx(*conn);
  history.record(tx, hostile);
  tx.exec(history.execute_record_sql("record step", hostile));
  tx.commit();

  pqxx::work read(*conn);
  auto rows = history.recent(read, 10);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& e : rows) {
    SCOPED_TRACE(e.id);
    EXPECT_EQ(e.revision, "it's");
    EXPECT_EQ(e.checksum, hostile.checksum);
    EXPECT_EQ(e.pgrevise_version, hostile.pgrevise_version);
    EXPECT_EQ(e.result, "succeeded");
    EXPECT_TRUE(e.transactional);
    EXPECT_EQ(e.run_id, "run-1");
    EXPECT_EQ(e.step_index, 1);
    EXPECT_EQ(e.step_count, 1);
    EXPECT_TRUE(e.duration_ms.has_value());
    EXPECT_EQ(e.application_name, "pgrevise-test");
  }
}

TEST_F(History, NonTransactionalStepIsRunningUntilFinished) {
  auto s = step("002");
  s.transactional = false;
  std::int64_t id = 0;
  {
    pqxx::work tx(*conn);
    id = history.start(tx, s);
    tx.commit();
  }
  // Another session (the next runner) sees the unfinished step.
  auto other = open(db, "other");
  {
    pqxx::work tx(*other);
    auto unfinished = history.unfinished(tx);
    ASSERT_EQ(unfinished.size(), 1u);
    EXPECT_EQ(unfinished[0].id, id);
    EXPECT_EQ(unfinished[0].revision, "002");
    EXPECT_EQ(unfinished[0].result, "running");
    EXPECT_FALSE(unfinished[0].transactional);
    EXPECT_TRUE(unfinished[0].finished_at.empty());
  }
  {
    pqxx::work tx(*conn);
    history.finish(tx, id, true);
    tx.commit();
  }
  pqxx::work tx(*other);
  EXPECT_TRUE(history.unfinished(tx).empty());
  auto e = history.recent(tx, 1).at(0);
  EXPECT_EQ(e.result, "succeeded");
  EXPECT_TRUE(e.duration_ms.has_value());
  EXPECT_THROW(history.finish(tx, id + 1000, true), Error);
}

TEST_F(History, FailuresAndResolvedUnfinishedEntries) {
  {
    pqxx::work tx(*conn);
    history.record_failure(tx, step("003"), 1500ms, "ERROR 42601: syntax error");
    auto s = step("004");
    s.transactional = false;
    history.start(tx, s);
    history.start(tx, s);
    tx.commit();
  }
  pqxx::work tx(*conn);
  auto failed = history.recent(tx, 10);
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[2].result, "failed");
  EXPECT_EQ(failed[2].error, "ERROR 42601: syntax error");
  EXPECT_EQ(failed[2].duration_ms, 1500);
  EXPECT_EQ(history.unfinished(tx).size(), 2u);
  EXPECT_EQ(history.resolve_unfinished(tx, "004", "resolved by stamp"), 2);
  EXPECT_TRUE(history.unfinished(tx).empty());
  EXPECT_EQ(history.recent(tx, 1).at(0).error, "resolved by stamp");
}

TEST_F(History, RecentIsNewestFirstAndLimited) {
  pqxx::work tx(*conn);
  for (int i = 1; i <= 5; ++i) history.record(tx, step("r" + std::to_string(i)));
  auto rows = history.recent(tx, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].revision, "r5");
  EXPECT_EQ(rows[2].revision, "r3");
}

TEST_F(History, LastChecksumPerRevisionForDrift) {
  pqxx::work tx(*conn);
  history.record(tx, step("a", 1, 1, "sha-old"));
  history.record(tx, step("a", 1, 1, "sha-new"));
  auto down = step("a", 1, 1, "sha-down");
  down.direction = Direction::kDowngrade;
  history.record(tx, down);
  history.record_failure(tx, step("a", 1, 1, "sha-failed"), 1ms, "boom");
  history.record(tx, step("b", 1, 1, "sha-b"));
  auto sums = history.last_checksums(tx, {"a", "b", "never-applied", "q\"uote"});
  EXPECT_EQ(sums, (std::map<std::string, std::string>{{"a", "sha-new"}, {"b", "sha-b"}}));
  EXPECT_TRUE(history.last_checksums(tx, {}).empty());
}

TEST_F(History, ProgressOfTheCurrentRun) {
  pqxx::work tx(*conn);
  EXPECT_FALSE(history.progress(tx).has_value());
  history.record(tx, step("001", 1, 3));
  auto second = step("002", 2, 3);
  second.transactional = false;
  history.start(tx, second);
  auto p = history.progress(tx);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->run_id, "run-1");
  EXPECT_EQ(p->step_count, 3);
  EXPECT_EQ(p->succeeded, 1);
  EXPECT_EQ(p->failed, 0);
  EXPECT_EQ(p->running, "002");
  EXPECT_FALSE(p->started_at.empty());
  auto other_run = step("x", 1, 1);
  other_run.run_id = "run-0";
  history.record(tx, other_run);
  EXPECT_EQ(history.progress(tx, "run-1")->succeeded, 1);
  EXPECT_EQ(history.progress(tx)->run_id, "run-0");  // latest run by default
  EXPECT_FALSE(history.progress(tx, "no-such-run").has_value());
}

TEST_F(History, MissingTableReadsAsEmpty) {
  HistoryTable missing(VersionTableName::parse("nowhere.versions"));
  pqxx::work tx(*conn);
  EXPECT_TRUE(missing.unfinished(tx).empty());
  EXPECT_TRUE(missing.recent(tx, 5).empty());
  EXPECT_TRUE(missing.last_checksums(tx, {"a"}).empty());
  EXPECT_FALSE(missing.progress(tx).has_value());
}

// The per-step statements must not scan the table: with 50,000 rows, the statistics of this transaction must
// show no sequential scan of the history table while a run records and queries its steps.
TEST_F(History, PerStepStatementsNeverScanTheWholeTable) {
  db.exec(
      "INSERT INTO alembic_version_history (revision, direction, checksum, started_at, finished_at, "
      "duration_ms,"
      " result, transactional, run_id, step_index, step_count)"
      " SELECT 'r' || (g % 500), 'upgrade', 'sum' || g, now(), now(), 1, 'succeeded', true, 'old-' || (g / "
      "100),"
      " 1, 100 FROM generate_series(1, 50000) g;"
      " ANALYZE alembic_version_history");
  pqxx::work tx(*conn);
  auto seq_scans = [&] {
    return tx
        .exec1(
            "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables "
            "WHERE relname = 'alembic_version_history'")[0]
        .as<long>();
  };
  const long before = seq_scans();
  auto s = step("new-rev", 1, 2, "sum-new");
  s.run_id = "run-new";
  history.record(tx, s);
  auto nt = step("new-nt", 2, 2, "sum-nt");
  nt.run_id = "run-new";
  nt.transactional = false;
  const auto id = history.start(tx, nt);
  EXPECT_EQ(history.unfinished(tx).size(), 1u);
  EXPECT_EQ(history.progress(tx, "run-new")->succeeded, 1);
  EXPECT_EQ(history.progress(tx)->run_id, "run-new");
  history.finish(tx, id, true);
  EXPECT_EQ(history.last_checksums(tx, {"new-rev", "r7"}).size(), 2u);
  EXPECT_EQ(history.recent(tx, 5).size(), 5u);
  EXPECT_EQ(history.resolve_unfinished(tx, "new-nt", "x"), 0);
  EXPECT_EQ(seq_scans() - before, 0);
  // The measure itself works: a query on an unindexed column does show up as a sequential scan.
  tx.exec("SELECT count(*) FROM alembic_version_history WHERE checksum = 'nope'");
  EXPECT_GT(seq_scans() - before, 0);
}

}  // namespace
}  // namespace pgrevise::db
