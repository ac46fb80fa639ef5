#include "runner/progress_text.h"

#include <gtest/gtest.h>

namespace pgrevise::runner {
namespace {

using std::chrono::milliseconds;

TEST(StatementSummary, FirstStatementOnOneLineWithLiteralsMasked) {
  EXPECT_EQ(statement_summary("SELECT pg_sleep(3);", true), "SELECT pg_sleep(3)");
  EXPECT_EQ(statement_summary("UPDATE users\n   SET token = 'abc123'\n WHERE id = 1;", true),
            "UPDATE users SET token = '...' WHERE id = 1");
  EXPECT_EQ(statement_summary("ALTER ROLE app PASSWORD 'hunter2'", false), "ALTER ROLE app PASSWORD '...'");
}

TEST(StatementSummary, CountsTheOtherStatementsOfATransactionalRevision) {
  const std::string sql = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCREATE INDEX t_id ON t (id);";
  EXPECT_EQ(statement_summary(sql, true), "CREATE TABLE t (id int) (+2 more in this transaction)");
  EXPECT_EQ(statement_summary(sql, false), "CREATE TABLE t (id int)");
  EXPECT_EQ(statement_summary(sql, true, true), "CREATE INDEX t_id ON t (id) (+2 more in this transaction)");
}

TEST(StatementSummary, SkipsTheRunnersOwnWrapperAsTheServerShowsIt) {
  const std::string batch =
      "BEGIN;\nDO $pgrevise_lock$ BEGIN IF pg_backend_pid() <> 42 THEN RAISE EXCEPTION USING ERRCODE = "
      "'PR002'; END IF; END $pgrevise_lock$;\nSET LOCAL lock_timeout = '5000ms';\nSET LOCAL "
      "statement_timeout "
      "= '0ms';\nSELECT pg_sleep(3);\nUPDATE alembic_version SET version_num = 'b'";
  EXPECT_EQ(statement_summary(batch, false), "SELECT pg_sleep(3)");
  EXPECT_EQ(statement_summary("", true), "");
}

TEST(ProgressText, ElapsedTimes) {
  EXPECT_EQ(format_elapsed(milliseconds(850)), "850ms");
  EXPECT_EQ(format_elapsed(milliseconds(4250)), "4.2s");
  EXPECT_EQ(format_elapsed(milliseconds(65'000)), "1m05s");
  EXPECT_EQ(format_elapsed(milliseconds(7'380'000)), "2h03m");
}

TEST(ProgressText, IndexBuildAsABarAndAsWords) {
  const db::IndexBuildProgress build{.command = "CREATE INDEX CONCURRENTLY",
                                     .phase = "building index: scanning table",
                                     .blocks_done = 300,
                                     .blocks_total = 1000};
  EXPECT_EQ(describe_index_build(build, 10),
            "building index: scanning table [###-------] 30% 300/1000 blocks");
  EXPECT_EQ(describe_index_build(build), "building index: scanning table 300/1000 blocks (30%)");
  const db::IndexBuildProgress waiting{.command = "CREATE INDEX CONCURRENTLY",
                                       .phase = "waiting for writers before build"};
  EXPECT_EQ(describe_index_build(waiting, 10), "waiting for writers before build");
}

TEST(ProgressText, TerminalLineCutsTheStatementFirst) {
  RunningStatement running{
      .step = "[2/3] 002 add index",
      .statement = "CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id, created_at)",
      .elapsed = milliseconds(4200)};
  EXPECT_EQ(terminal_line(running, 200),
            "[2/3] 002 add index ... 4.2s  CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id, "
            "created_at)");
  const auto cut = terminal_line(running, 60);
  EXPECT_EQ(cut, "[2/3] 002 add index ... 4.2s  CREATE INDEX CONCURRENTLY o...");
  running.index_build =
      db::IndexBuildProgress{.phase = "building index: scanning table", .blocks_done = 5, .blocks_total = 10};
  const auto with_bar = terminal_line(running, 140);
  EXPECT_LE(with_bar.size(), 140u);
  EXPECT_NE(with_bar.find("[2/3] 002 add index ... 4.2s  CREATE INDEX"), std::string::npos) << with_bar;
  EXPECT_NE(with_bar.find("building index: scanning table [##########----------] 50% 5/10 blocks"),
            std::string::npos)
      << with_bar;
  EXPECT_EQ(cut_to_width("héllo wörld", 8), "héllo...");
}

TEST(ProgressText, PeriodicLine) {
  RunningStatement running{
      .step = "[1/1] 001 slow", .statement = "SELECT pg_sleep(60)", .elapsed = milliseconds(30'000)};
  EXPECT_EQ(periodic_line(running), "[1/1] 001 slow: still running after 30.0s: SELECT pg_sleep(60)");
}

}  // namespace
}  // namespace pgrevise::runner
