// Every `pgrevise migrate` command against a real PostgreSQL, through the real executable.
#include <nlohmann/json.hpp>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

TEST_F(RunnerTest, UpgradeAppliesEveryRevisionAndRecordsHistory) {
  write_linear();
  auto r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "c");
  EXPECT_EQ(tables(), "ta,tb,tc");
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history WHERE result = 'succeeded'"), "3");
  EXPECT_NE(r.err.find("[3/3] c revision c ..."), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Upgraded to c"), std::string::npos) << r.out;
}

TEST_F(RunnerTest, SecondUpgradeFindsNothingToDo) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  auto r = migrate({"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("Nothing to do"), std::string::npos);
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history"), "3");
}

TEST_F(RunnerTest, UpgradeToRevisionThenRelative) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  EXPECT_EQ(heads(), "a");
  ASSERT_EQ(migrate({"upgrade", "+1"}).exit_code, 0);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(tables(), "ta,tb");
}

TEST_F(RunnerTest, DowngradeStepAndBase) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  auto r = migrate({"downgrade", "-1"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(tables(), "ta,tb");
  r = migrate({"downgrade", "base"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "");
  EXPECT_EQ(tables(), "");
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history WHERE direction = 'downgrade'"), "3");
}

TEST_F(RunnerTest, StampAndPurge) {
  write_linear();
  auto r = migrate({"stamp", "b"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(tables(), "");  // stamping runs no migration
  db.exec("INSERT INTO alembic_version VALUES ('zzz')");
  r = migrate({"stamp", "c"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);  // an unknown row is an error without --purge
  EXPECT_NE(r.err.find("zzz"), std::string::npos) << r.err;
  r = migrate({"stamp", "c", "--purge"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "c");
}

TEST_F(RunnerTest, CurrentShowsAppliedHeads) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade", "b"}).exit_code, 0);
  auto r = migrate({"current"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "b\n");
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  r = migrate({"current", "--output", "json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["heads"], nlohmann::json::array({"c"}));
}

TEST_F(RunnerTest, PlanShowsStepsWithoutApplying) {
  write_linear();
  auto r = migrate({"plan"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("[1/3] upgrade a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[3/3] upgrade c"), std::string::npos) << r.out;
  EXPECT_EQ(tables(), "");
  r = migrate({"plan", "--sql"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("CREATE TABLE tc (id int);"), std::string::npos);
}

TEST_F(RunnerTest, FailingRevisionInTheMiddleKeepsEarlierAndLeavesNoTrace) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (id int);\nINSERT INTO missing_table VALUES (1);",
                               "DROP TABLE tb;"));
  dir.write("c.sql", migration("c", "b", "CREATE TABLE tc (id int);", "DROP TABLE tc;"));
  auto report = dir.path() / "report.json";
  auto r = migrate({"upgrade", "--report", report.string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(heads(), "a");
  EXPECT_EQ(tables(), "ta");  // tb was created in b's transaction and rolled back with it
  EXPECT_NE(r.err.find("42P01"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("b.sql:7"), std::string::npos) << r.err;  // the INSERT is on line 7 of b.sql
  auto j = nlohmann::json::parse(dir.read("report.json"));
  EXPECT_EQ(j["result"], "failed");
  EXPECT_EQ(j["error"]["revision"], "b");
  EXPECT_EQ(j["error"]["sqlstate"], "42P01");
  EXPECT_EQ(j["error"]["line"], 7);
  EXPECT_EQ(j["headsAfter"], nlohmann::json::array({"a"}));
  EXPECT_EQ(j["steps"].size(), 1u);
  EXPECT_EQ(db.query("SELECT result FROM alembic_version_history WHERE revision = 'b'"), "failed");
}

TEST_F(RunnerTest, RuntimeErrorInABatchedRevisionNamesItsStatement) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int PRIMARY KEY);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a",
                               "INSERT INTO ta VALUES (1);\n\nINSERT INTO ta VALUES (2);\n"
                               "INSERT INTO ta VALUES (1);\nINSERT INTO ta VALUES (3);",
                               "DELETE FROM ta;"));
  auto report = dir.path() / "report.json";
  auto r = migrate({"upgrade", "--lock-timeout", "5s", "--report", report.string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(heads(), "a");
  EXPECT_EQ(db.query("SELECT count(*) FROM ta"), "0");
  EXPECT_NE(r.err.find("23505"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("b.sql:9"), std::string::npos) << r.err;  // the duplicate INSERT, no position given
  auto j = nlohmann::json::parse(dir.read("report.json"));
  EXPECT_EQ(j["error"]["sqlstate"], "23505");
  EXPECT_EQ(j["error"]["line"], 9);
}

// A revision may drop every prepared statement of the session, the runner's own history INSERT included.
TEST_F(RunnerTest, RevisionThatDeallocatesAllStillRecordsItsHistory) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "DEALLOCATE ALL;", ""));
  dir.write("c.sql", migration("c", "b", "INSERT INTO ta VALUES (1);", "DELETE FROM ta;"));
  auto r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "c");
  EXPECT_EQ(
      db.query("SELECT string_agg(revision, ',' ORDER BY id) FROM alembic_version_history WHERE result = "
               "'succeeded'"),
      "a,b,c");
  EXPECT_EQ(db.query("SELECT count(*) FROM ta"), "1");
}

TEST_F(RunnerTest, TransactionAllRollsBackEverythingOnFailure) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "SELECT 1/0;", ""));
  auto r = migrate({"upgrade", "--transaction", "all"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("22012"), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "");
  EXPECT_EQ(tables(), "");
  dir.write("b.sql", migration("b", "a", "SELECT 1;", ""));
  r = migrate({"upgrade", "--transaction", "all"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
}

TEST_F(RunnerTest, NonTransactionalRevisionRunsStatementsOutsideATransaction) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int, note text);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a",
                               "CREATE INDEX CONCURRENTLY ta_id ON ta (id);\n"
                               "INSERT INTO ta VALUES (1, 'semi;colon'), (2, $$dollar;quoted$$);",
                               "DROP INDEX CONCURRENTLY ta_id;", "-- transactional: false\n"));
  auto r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "b");
  EXPECT_EQ(db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'ta_id'"), "1");
  EXPECT_EQ(db.query("SELECT string_agg(note, '|' ORDER BY id) FROM ta"), "semi;colon|dollar;quoted");
  ASSERT_EQ(migrate({"downgrade", "a"}).exit_code, 0);
  EXPECT_EQ(db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'ta_id'"), "0");
}

TEST_F(RunnerTest, CheckReportsChecksumDriftAndUnknownRevisions) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  auto r = migrate({"check"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (id bigint);", "DROP TABLE tb;"));
  r = migrate({"check"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("b.sql: revision b changed since it was applied"), std::string::npos) << r.out;
  db.exec("INSERT INTO alembic_version VALUES ('ghost')");
  r = migrate({"check"});
  EXPECT_NE(r.out.find("ghost"), std::string::npos) << r.out;
}

TEST_F(RunnerTest, OfflineSqlReplayedByPsqlLeavesTheOnlineState) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE INDEX CONCURRENTLY ta_id ON ta (id);", "DROP INDEX ta_id;",
                               "-- transactional: false\n"));
  dir.write("c.sql",
            migration("c", "b", "ALTER TABLE ta ADD COLUMN name text;", "ALTER TABLE ta DROP COLUMN name;"));
  auto sql = migrate({"upgrade", "heads", "--sql"}, "postgresql://nobody:never@127.0.0.1:1/nothing");
  ASSERT_EQ(sql.exit_code, 0) << describe(sql);  // no connection is made
  TempDir scripts;
  ProcessSpec psql{.argv = {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url(), "-f",
                            scripts.write("script.sql", sql.out).string()}};
  auto replay = run_process(psql);
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  TestDatabase online;
  auto r = run_pgrevise({"migrate", "upgrade", "--dir", dir.str(), "--database-url", online.url()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto schema = [](const TestDatabase& d) {
    return without_restrict_lines(
        run_process({.argv = {"pg_dump", "--schema-only", "--no-owner", "-d", d.url()}}).out);
  };
  auto strip_name = [](std::string s, const std::string& name) {
    for (auto p = s.find(name); p != std::string::npos; p = s.find(name)) s.erase(p, name.size());
    return s;
  };
  EXPECT_EQ(strip_name(schema(db), db.name()), strip_name(schema(online), online.name()));
  EXPECT_EQ(heads(), online.query("SELECT version_num FROM alembic_version ORDER BY 1"));
  EXPECT_EQ(
      db.query("SELECT string_agg(revision || ':' || result, ',' ORDER BY id) FROM alembic_version_history"),
      online.query(
          "SELECT string_agg(revision || ':' || result, ',' ORDER BY id) FROM alembic_version_history"));
}

TEST_F(RunnerTest, CustomVersionTableInItsOwnSchema) {
  write_linear();
  auto r = migrate({"upgrade", "--version-table", "meta.schema_rev"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(db.query("SELECT version_num FROM meta.schema_rev"), "c");
  EXPECT_FALSE(db.table_exists("public.alembic_version"));
  EXPECT_TRUE(db.table_exists("meta.schema_rev_history"));
}

}  // namespace
}  // namespace pgrevise::testing

namespace pgrevise::testing {
namespace {

TEST_F(RunnerTest, NewWritesAFileAfterTheCurrentHeadThatUpgradeApplies) {
  write_linear();
  auto r = run_pgrevise({"new", "-m", "add notes", "--dir", dir.str()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_NE(r.out.find("down_revision c"), std::string::npos) << r.out;
  auto listed = migrate({"heads"});
  ASSERT_EQ(listed.exit_code, 0) << describe(listed);
  // Line by line: a random new id may itself end in "c".
  EXPECT_NE(listed.out.rfind("c ", 0), 0u) << "c is no longer a head: " << listed.out;
  EXPECT_EQ(listed.out.find("\nc "), std::string::npos) << "c is no longer a head: " << listed.out;
  // The scaffold holds no SQL yet; upgrading records the empty revision like any other.
  r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history"), "4");
  r = run_pgrevise({"migrate", "new", "--dir", dir.str()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("-m MESSAGE"), std::string::npos) << r.err;
}

TEST_F(RunnerTest, HistoryHeadsAndGraphDescribeTheFiles) {
  write_linear();
  dir.write("d.sql", migration("d", "a", "CREATE TABLE td (id int);", "DROP TABLE td;"));
  auto r = migrate({"heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("c (head)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("d (head)"), std::string::npos) << r.out;
  r = migrate({"history"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("a -> b, revision b"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<base> -> a (branchpoint), revision a"), std::string::npos) << r.out;
  r = migrate({"graph", "--format", "dot"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("digraph", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\"a\" -> \"d\""), std::string::npos) << r.out;
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  r = migrate({"history", "--applied", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 4u);
}

}  // namespace
}  // namespace pgrevise::testing
