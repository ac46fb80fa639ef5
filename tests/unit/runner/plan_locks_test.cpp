#include "runner/plan_locks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgrevise::runner {
namespace {

using ::testing::ElementsAre;

ExecStep step(std::string sql, bool transactional = true) {
  ExecStep s;
  s.revision = "r1";
  s.file = "r1.sql";
  s.sql = std::move(sql);
  s.transactional = transactional;
  return s;
}

TEST(PlanLocks, StrongestLockOfEachStep) {
  const std::vector<ExecStep> steps = {
      step("CREATE INDEX CONCURRENTLY i ON orders (customer_id);", false),
      step("ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX j ON orders (note);"),
      step("ALTER TABLE t ALTER COLUMN a TYPE bigint;"),
  };
  EXPECT_THAT(plan_lock_column(steps),
              ElementsAre("SHARE UPDATE EXCLUSIVE on orders, scans", "ACCESS EXCLUSIVE on orders",
                          "ACCESS EXCLUSIVE on t, rewrites"));
}

TEST(PlanLocks, ARewriteOrScanUnderTheSameLockIsSaid) {
  EXPECT_THAT(plan_lock_column({step("ALTER TABLE users ADD COLUMN first_name text;\n"
                                     "UPDATE users SET first_name = 'x';\n"
                                     "ALTER TABLE users ALTER COLUMN first_name SET NOT NULL;")}),
              ElementsAre("ACCESS EXCLUSIVE on users, scans"));
}

TEST(PlanLocks, TablesTheStepCreatesAreNobodysYet) {
  EXPECT_THAT(plan_lock_column({step("CREATE TABLE fresh (id bigint);\nCREATE INDEX fresh_id ON fresh (id);\n"
                                     "INSERT INTO fresh VALUES (1);")}),
              ElementsAre("-"));
  EXPECT_THAT(
      plan_lock_column({step("CREATE TABLE invoices (id bigint, customer_id bigint REFERENCES customers);")}),
      ElementsAre("SHARE ROW EXCLUSIVE on customers"));
}

TEST(PlanLocks, UnparsedStatementsAreCounted) {
  EXPECT_THAT(
      plan_lock_column({step("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *;\n"
                             "DROP TABLE u;")}),
      ElementsAre("ACCESS EXCLUSIVE on u (+1 unparsed)"));
}

// MERGE ... RETURNING is PostgreSQL 17's: one note for the step, at the first statement the grammar refused.
TEST(PlanLocks, AStepTheGrammarCannotParseGetsOneNote) {
  ExecStep newer = step(
      "DROP TABLE u;\nMERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *;\n"
      "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *;");
  newer.sql_first_line = 12;
  std::vector<std::string> notes;
  const auto cells = plan_lock_column({step("DROP TABLE v;"), newer}, nullptr, &notes);
  EXPECT_THAT(cells, ElementsAre("ACCESS EXCLUSIVE on v", "ACCESS EXCLUSIVE on u (+2 unparsed)"));
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "");
  EXPECT_EQ(notes[1], grammar_note("r1.sql", 13, 1, "syntax error at or near \"RETURNING\"",
                                   "its lock is not known; the server decides whether it is valid (newer "
                                   "syntax runs on a newer server)"));
  EXPECT_THAT(notes[1], ::testing::StartsWith("r1.sql:13:1: note[unsupported-syntax]: the PostgreSQL "));
}

}  // namespace
}  // namespace pgrevise::runner
