// Invalid indexes and whether an attempt of a non-transactional revision (a history row) created them. An
// index on ONLY a partitioned table stays invalid until its partitions' indexes are attached: an invalid
// index made at a chosen moment, without a failing concurrent build.
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "db/connection.h"
#include "db/history.h"
#include "db/indexes.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using pgrevise::testing::TestDatabase;

class InvalidIndexes : public ::testing::Test {
 protected:
  void SetUp() override {
    conn = connect(resolve_connection(db.url()), std::chrono::seconds(5), "pgrevise-test");
    pqxx::work tx(*conn);
    history.ensure(tx);
    tx.commit();
    db.exec("CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)");
    db.exec("CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
  }
  void create_invalid_index(const std::string& name) {
    db.exec("CREATE INDEX " + name + " ON ONLY events (id)");
  }
  std::int64_t start_attempt(const std::string& revision) {
    pqxx::work tx(*conn);
    const auto id = history.start(tx, StepRecord{.revision = revision, .transactional = false});
    tx.commit();
    return id;
  }
  void finish_attempt(std::int64_t id, bool succeeded) {
    pqxx::work tx(*conn);
    history.finish(tx, id, succeeded, succeeded ? "" : "ERROR 23505: duplicate key");
    tx.commit();
  }
  // "name=created_during_attempt" for every invalid index.
  std::string created_during(std::int64_t attempt_id) {
    pqxx::read_transaction tx(*conn);
    std::string out;
    for (const auto& index : invalid_indexes(tx, history, attempt_id)) {
      out += (out.empty() ? "" : ",") + index.name + "=" + (index.created_during_attempt ? "yes" : "no");
    }
    return out;
  }

  TestDatabase db;
  std::unique_ptr<pqxx::connection> conn;
  HistoryTable history{VersionTableName{}};
};

TEST_F(InvalidIndexes, AreListedWithTheirTablesAndQuotedNames) {
  create_invalid_index("\"Events By Id\"");
  db.exec("CREATE TABLE items (v int)");
  db.exec("CREATE INDEX items_v ON items (v)");  // valid: not listed
  pqxx::read_transaction tx(*conn);
  const auto indexes = invalid_indexes(tx);
  ASSERT_EQ(indexes.size(), 1u);
  EXPECT_EQ(indexes[0].schema, "public");
  EXPECT_EQ(indexes[0].name, "Events By Id");
  EXPECT_EQ(indexes[0].table_name, "events");
  EXPECT_EQ(indexes[0].index_sql, "public.\"Events By Id\"");
  EXPECT_EQ(indexes[0].table_sql, "public.events");
  EXPECT_TRUE(indexes[0].partitioned);
  EXPECT_FALSE(indexes[0].created_during_attempt);
}

TEST_F(InvalidIndexes, ARunningAttemptCreatedThoseWrittenSinceItStarted) {
  finish_attempt(start_attempt("a"), true);
  create_invalid_index("before_idx");
  const auto attempt = start_attempt("b");
  create_invalid_index("during_idx");
  EXPECT_EQ(created_during(attempt), "before_idx=no,during_idx=yes");
}

TEST_F(InvalidIndexes, AFailedAttemptCreatedThoseWrittenBetweenTheRowBeforeItAndItsFailure) {
  create_invalid_index("long_before_idx");
  finish_attempt(start_attempt("a"), true);
  create_invalid_index("before_idx");  // after the row before the attempt: counted, as the attempt's start is
                                       // no longer known once its row was rewritten
  const auto attempt = start_attempt("b");
  create_invalid_index("during_idx");
  finish_attempt(attempt, false);
  create_invalid_index("after_idx");
  EXPECT_EQ(created_during(attempt), "after_idx=no,before_idx=yes,during_idx=yes,long_before_idx=no");
}

// Without a row before it, a failed attempt's start is unknown: every invalid index older than its failure
// counts, so that none it left can pass unnoticed.
TEST_F(InvalidIndexes, AFailedFirstAttemptCountsEveryIndexOlderThanItsFailure) {
  create_invalid_index("before_idx");
  const auto attempt = start_attempt("a");
  finish_attempt(attempt, false);
  create_invalid_index("after_idx");
  EXPECT_EQ(created_during(attempt), "after_idx=no,before_idx=yes");
}

TEST_F(InvalidIndexes, WithoutAHistoryTableNoneIsMarked) {
  db.exec("DROP TABLE alembic_version_history");
  create_invalid_index("some_idx");
  EXPECT_EQ(created_during(1), "some_idx=no");
}

}  // namespace
}  // namespace pgrevise::db
