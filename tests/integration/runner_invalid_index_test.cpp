// A non-transactional revision whose CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY fails leaves an
// invalid index behind. Running the revision again as it is would keep it (IF NOT EXISTS skips it; REINDEX
// builds a second copy) and record the revision as applied: the runner refuses, naming the index, its table
// and the fix, and `migrate check` reports every invalid index.
#include <pqxx/pqxx>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

const std::string kNonTransactional = "-- transactional: false\n";

// A writer's open transaction on `table`: CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY enter their new
// index in the catalog, then wait for it, so a lock timeout leaves that index invalid.
struct OpenWriter {
  OpenWriter(const std::string& url, const std::string& table) : conn(url), tx(conn) {
    tx.exec("LOCK TABLE " + table + " IN ROW EXCLUSIVE MODE");
  }
  pqxx::connection conn;
  pqxx::work tx;
};

class InvalidIndexes : public RunnerTest {
 protected:
  std::string invalid_indexes() const {
    return db.query(
        "SELECT coalesce(string_agg(indexrelid::regclass::text, ',' ORDER BY 1), '') FROM pg_index "
        "WHERE NOT indisvalid");
  }
  std::string history_of(const std::string& revision) const {
    return db.query(
        "SELECT string_agg(result, ',' ORDER BY id) FROM alembic_version_history WHERE revision = '" +
        revision + "'");
  }
};

TEST_F(InvalidIndexes, FailedUniqueIndexBuildBlocksTheReRunUntilTheIndexIsDropped) {
  dir.write("a.sql", migration("a", "",
                               "CREATE TABLE orders (id int PRIMARY KEY, user_id int, total int);\n"
                               "INSERT INTO orders VALUES (1, 7, 10), (2, 7, 10), (3, 8, 5);",
                               "DROP TABLE orders;"));
  dir.write("b.sql",
            migration("b", "a",
                      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_user_total_uq ON orders "
                      "(user_id, total);",
                      "DROP INDEX CONCURRENTLY orders_user_total_uq;", kNonTransactional));
  auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("ERROR 23505"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("it left invalid indexes, which running it again would keep invalid: "
                       "public.orders_user_total_uq on public.orders"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(invalid_indexes(), "orders_user_total_uq");

  auto check = migrate({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_NE(check.out.find("invalid index: public.orders_user_total_uq on public.orders"), std::string::npos)
      << check.out;

  db.exec("DELETE FROM orders WHERE id = 2");  // the user removes the duplicate
  r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("revision b (non-transactional) failed and left invalid indexes: "
                       "public.orders_user_total_uq on public.orders"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("DROP INDEX CONCURRENTLY public.orders_user_total_uq (or, once the data allows it, "
                       "REINDEX INDEX CONCURRENTLY public.orders_user_total_uq)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(heads(), "a");
  EXPECT_EQ(history_of("b"), "failed");
  EXPECT_EQ(invalid_indexes(), "orders_user_total_uq");

  db.exec("DROP INDEX CONCURRENTLY orders_user_total_uq");
  r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_user_total_uq'::regclass"),
            "t");
  check = migrate({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
}

// REINDEX CONCURRENTLY that fails leaves its copy <name>_ccnew invalid; run again, it would succeed beside
// it.
TEST_F(InvalidIndexes, FailedReindexConcurrentlyBlocksTheReRunUntilItsCopyIsDropped) {
  dir.write("a.sql",
            migration("a", "", "CREATE TABLE items (id int, v int);\nCREATE INDEX items_v ON items (v);",
                      "DROP TABLE items;"));
  dir.write("b.sql", migration("b", "a", "REINDEX INDEX CONCURRENTLY items_v;", "", kNonTransactional));
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  {
    OpenWriter writer(db.url(), "items");
    auto r = migrate({"upgrade", "--lock-timeout", "200ms", "--lock-retries", "0"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_NE(r.err.find("ERROR 55P03"), std::string::npos) << r.err;
  }
  EXPECT_EQ(invalid_indexes(), "items_v_ccnew");
  auto check = migrate({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_NE(check.out.find("invalid index: public.items_v_ccnew on public.items"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("fix: DROP INDEX CONCURRENTLY public.items_v_ccnew\n"), std::string::npos)
      << check.out;

  auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(
      r.err.find("revision b (non-transactional) failed and left invalid indexes: public.items_v_ccnew on "
                 "public.items"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("then re-run: DROP INDEX CONCURRENTLY public.items_v_ccnew"), std::string::npos)
      << r.err;
  EXPECT_EQ(heads(), "a");

  db.exec("DROP INDEX CONCURRENTLY items_v_ccnew");
  r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(invalid_indexes(), "");
  EXPECT_EQ(migrate({"check"}).exit_code, 0);
}

// A lock timeout while CREATE INDEX CONCURRENTLY waits for a writer comes after the index entered the
// catalog; retrying `IF NOT EXISTS` would skip the invalid index and record the revision as applied.
TEST_F(InvalidIndexes, LockTimeoutInsideCreateIndexConcurrentlyIsNotRetriedOverTheIndexItLeft) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE orders (id int, user_id int);", "DROP TABLE orders;"));
  dir.write("b.sql", migration("b", "a",
                               "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);",
                               "", kNonTransactional));
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  {
    OpenWriter writer(db.url(), "orders");
    auto r = migrate({"upgrade", "--lock-timeout", "200ms", "--lock-retries", "3"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_EQ(r.err.find("lock timeout, retrying"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("revision b (b.sql:7) failed: ERROR 55P03"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("it left invalid indexes, which running it again would keep invalid: "
                         "public.orders_user_idx on public.orders"),
              std::string::npos)
        << r.err;
  }
  EXPECT_EQ(heads(), "a");
  EXPECT_EQ(history_of("b"), "failed");
  EXPECT_EQ(invalid_indexes(), "orders_user_idx");
  EXPECT_EQ(migrate({"upgrade"}).exit_code, 1);

  db.exec("REINDEX INDEX CONCURRENTLY orders_user_idx");  // the other fix the message offers
  auto r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(invalid_indexes(), "");
}

// Only what the revision may have left blocks it: here a partitioned index waiting for its partitions'
// indexes, made by an earlier revision, which `check` reports with its own fix.
TEST_F(InvalidIndexes, InvalidIndexTheRevisionDidNotLeaveDoesNotBlockItsReRun) {
  dir.write("a.sql",
            migration("a", "",
                      "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);\n"
                      "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO "
                      "('2027-01-01');\n"
                      "CREATE INDEX events_at_idx ON ONLY events (at);\n"
                      "CREATE TABLE orders (id int, user_id int);",
                      "DROP TABLE orders, events;"));
  dir.write("b.sql",
            migration("b", "a",
                      "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);\n"
                      "SELECT 1/0;",
                      "", kNonTransactional));
  auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("revision b (b.sql:8) failed: ERROR 22012"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("invalid indexes"), std::string::npos) << r.err;
  EXPECT_EQ(invalid_indexes(), "events_at_idx");

  dir.write("b.sql",
            migration("b", "a",
                      "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);\n"
                      "SELECT 1;",
                      "", kNonTransactional));
  r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");

  auto check = migrate({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_NE(
      check.out.find("invalid index: public.events_at_idx on public.events (a partitioned index is invalid "
                     "until every partition has its index attached"),
      std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("fix: attach each partition's index (ALTER INDEX public.events_at_idx ATTACH "
                           "PARTITION <its index>), or DROP INDEX public.events_at_idx"),
            std::string::npos)
      << check.out;
}

}  // namespace
}  // namespace pgrevise::testing
