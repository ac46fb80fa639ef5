// What follows the connected server's major version, on each server of the matrix: the rules of `pgrevise
// lint
// --database-url` and the lock column of `migrate plan` (offline, without a server, lint assumes 13, the
// documented default). And a revision the grammar (libpg_query, PostgreSQL 15's) cannot parse: `migrate plan`
// and `migrate upgrade` each name its file in one informational line, and the server decides.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDetachRule[] = "[require-concurrent-partition-detach]";

class ServerVersion : public RunnerTest {
 protected:
  int major() const {
    return std::stoi(db.query("SELECT current_setting('server_version_num')::int / 10000"));
  }

  void partitions() const {
    db.exec(
        "CREATE TABLE events (at date) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')");
  }

  static size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
};

// DETACH PARTITION without CONCURRENTLY is a finding from PostgreSQL 14 on (it can be done without blocking
// the partitioned table's reads and writes): on every server of the matrix, and not under the offline
// default.
TEST_F(ServerVersion, LintFollowsTheConnectedServer) {
  ASSERT_GE(major(), 14);
  partitions();
  dir.write("a.sql", migration("a", "", "ALTER TABLE events DETACH PARTITION events_2020;", ""));
  const auto online = run_pgrevise({"lint", dir.str(), "--database-url", db.url(), "--fail-on", "none"});
  ASSERT_EQ(online.exit_code, 0) << describe(online);
  EXPECT_THAT(online.out, HasSubstr(kDetachRule));
  const auto offline = run_pgrevise({"lint", dir.str(), "--fail-on", "none"});
  ASSERT_EQ(offline.exit_code, 0) << describe(offline);
  EXPECT_THAT(offline.out, Not(HasSubstr(kDetachRule)));
  // --server-version still wins over the connection's.
  const auto pinned = run_pgrevise(
      {"lint", dir.str(), "--database-url", db.url(), "--server-version", "13", "--fail-on", "none"});
  ASSERT_EQ(pinned.exit_code, 0) << describe(pinned);
  EXPECT_THAT(pinned.out, Not(HasSubstr(kDetachRule)));
}

// DETACH PARTITION ... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the partitioned table from 14 on, and
// ACCESS EXCLUSIVE before (the default of an offline analysis).
TEST_F(ServerVersion, MigratePlansLockColumnFollowsTheConnectedServer) {
  partitions();
  dir.write("a.sql", migration("a", "", "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;", "",
                               "-- transactional: false\n"));
  const auto r = migrate({"plan"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("lock: SHARE UPDATE EXCLUSIVE on events, ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("ACCESS EXCLUSIVE"))) << r.out;
}

// MERGE ... RETURNING is PostgreSQL 17's syntax: the grammar refuses it, the statements are split as psql
// splits them, and the server runs it (17 and later) or refuses it (15).
TEST_F(ServerVersion, ARevisionTheGrammarCannotParseIsNamedByPlanAndUpgrade) {
  db.exec(
      "CREATE TABLE t (a int); CREATE TABLE s (a int); INSERT INTO t VALUES (1), (2); INSERT INTO s VALUES "
      "(1)");
  dir.write("a.sql", migration("a", "",
                               "DELETE FROM s WHERE a = 3;\n"
                               "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING t.a;",
                               "", "-- transactional: false\n"));
  const std::string note = "a.sql:7:";
  const auto plan = migrate({"plan"});
  ASSERT_EQ(plan.exit_code, 0) << describe(plan);
  EXPECT_THAT(plan.out, HasSubstr(note + "1: note[unsupported-syntax]: the PostgreSQL "));
  EXPECT_THAT(plan.out,
              HasSubstr("grammar cannot parse this statement (syntax error at or near \"RETURNING\")"));
  EXPECT_EQ(count(plan.out, "note[unsupported-syntax]"), 1u) << plan.out;

  const auto upgrade = migrate({"upgrade"});
  EXPECT_THAT(upgrade.err, HasSubstr(note));
  EXPECT_THAT(upgrade.err, HasSubstr("note[unsupported-syntax]: the PostgreSQL "));
  EXPECT_THAT(upgrade.err, HasSubstr("split as psql splits them"));
  EXPECT_EQ(count(upgrade.err, "note[unsupported-syntax]"), 1u) << upgrade.err;
  if (major() >= 17) {
    EXPECT_EQ(upgrade.exit_code, 0) << describe(upgrade);
    EXPECT_EQ(db.query("SELECT a FROM t"), "2");
  } else {
    EXPECT_NE(upgrade.exit_code, 0) << describe(upgrade);
    EXPECT_THAT(upgrade.err, HasSubstr("RETURNING"));
  }
}

}  // namespace
}  // namespace pgrevise::testing
