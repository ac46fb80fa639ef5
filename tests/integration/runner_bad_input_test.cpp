// Bad input: each case exits non-zero with a message naming the culprit and leaves the database unchanged.
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

class RunnerBadInputTest : public RunnerTest {
 protected:
  // Applies `a` so that "unchanged" is a real state, then runs args and checks nothing moved.
  ProcessResult expect_refused(const std::vector<std::string>& args, int exit_code,
                               const std::string& culprit) {
    auto r = migrate(args);
    EXPECT_EQ(r.exit_code, exit_code) << describe(r);
    EXPECT_NE(r.err.find(culprit), std::string::npos) << "stderr should name '" << culprit << "'\n"
                                                      << describe(r);
    EXPECT_EQ(heads(), heads_before_);
    EXPECT_EQ(tables(), tables_before_);
    return r;
  }
  void snapshot() {
    heads_before_ = heads();
    tables_before_ = tables();
  }
  std::string heads_before_, tables_before_;
};

TEST_F(RunnerBadInputTest, DuplicateRevisionIdNamesBothFiles) {
  dir.write("one.sql", migration("a", "", "CREATE TABLE t1 (i int);", ""));
  dir.write("two.sql", migration("a", "", "CREATE TABLE t2 (i int);", ""));
  snapshot();
  auto r = expect_refused({"upgrade"}, 2, "one.sql");
  EXPECT_NE(r.err.find("two.sql"), std::string::npos) << r.err;
}

TEST_F(RunnerBadInputTest, MissingRevisionHeader) {
  dir.write("x.sql", "-- message: no id\n-- +upgrade\nSELECT 1;\n");
  snapshot();
  expect_refused({"upgrade"}, 2, "x.sql");
}

TEST_F(RunnerBadInputTest, DownRevisionThatDoesNotExist) {
  dir.write("a.sql", migration("a", "nope", "SELECT 1;", ""));
  snapshot();
  expect_refused({"upgrade"}, 2, "nope");
}

TEST_F(RunnerBadInputTest, Cycle) {
  dir.write("a.sql", migration("a", "b", "SELECT 1;", ""));
  dir.write("b.sql", migration("b", "a", "SELECT 1;", ""));
  snapshot();
  expect_refused({"upgrade"}, 2, "cycle");
}

TEST_F(RunnerBadInputTest, FileWithoutUpgradeSection) {
  dir.write("a.sql", "-- revision: a\n-- message: m\nCREATE TABLE t (i int);\n");
  snapshot();
  expect_refused({"upgrade"}, 2, "a.sql");
}

TEST_F(RunnerBadInputTest, UnknownHeaderKey) {
  dir.write("a.sql", "-- revision: a\n-- colour: blue\n-- +upgrade\nSELECT 1;\n");
  snapshot();
  expect_refused({"upgrade"}, 2, "colour");
}

TEST_F(RunnerBadInputTest, EmptyAndAmbiguousTargets) {
  dir.write("a.sql", migration("abcd1", "", "CREATE TABLE t1 (i int);", ""));
  dir.write("b.sql", migration("abcd2", "abcd1", "CREATE TABLE t2 (i int);", ""));
  snapshot();
  expect_refused({"upgrade", ""}, 2, "target");
  expect_refused({"upgrade", "abcd"}, 2, "abcd1");
  expect_refused({"upgrade", "zzzz"}, 2, "zzzz");
}

TEST_F(RunnerBadInputTest, HeadWithSeveralHeads) {
  dir.write("a.sql", migration("a", "", "SELECT 1;", ""));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (i int);", ""));
  dir.write("c.sql", migration("c", "a", "CREATE TABLE tc (i int);", ""));
  snapshot();
  expect_refused({"upgrade", "head"}, 2, "Multiple head revisions");
}

TEST_F(RunnerBadInputTest, DowngradeTargetThatIsNotAnAncestor) {
  dir.write("a.sql", migration("a", "", "SELECT 1;", "SELECT 1;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (i int);", "DROP TABLE tb;"));
  dir.write("c.sql", migration("c", "a", "CREATE TABLE tc (i int);", "DROP TABLE tc;"));
  ASSERT_EQ(migrate({"upgrade", "b"}).exit_code, 0);
  snapshot();
  expect_refused({"downgrade", "c"}, 2, "c");
}

TEST_F(RunnerBadInputTest, VersionTableNamingAnUnknownRevision) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  db.exec("UPDATE alembic_version SET version_num = 'gone'");
  snapshot();
  expect_refused({"upgrade"}, 2, "gone");
}

TEST_F(RunnerBadInputTest, UnreachableDatabase) {
  write_linear();
  auto r = migrate({"upgrade"}, "postgresql://u:unreachable-secret@127.0.0.1:1/db");
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("unreachable-secret"), std::string::npos) << r.err;
}

TEST_F(RunnerBadInputTest, WrongPasswordIsNeverPrinted) {
  write_linear();
  const std::string canary = "canary-Wr0ng-pa55";
  auto report = dir.path() / "report.json";
  auto r = migrate({"upgrade", "--report", report.string()}, db.url_with_password(canary));
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(canary), std::string::npos);
  EXPECT_EQ(r.out.find(canary), std::string::npos);
  EXPECT_EQ(dir.read("report.json").find(canary), std::string::npos);
  EXPECT_EQ(heads(), "<no table>");
}

TEST_F(RunnerBadInputTest, DowngradeThroughARevisionWithoutDowngradeSection) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (i int);", ""));
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  snapshot();
  expect_refused({"downgrade", "base"}, 2, "b.sql");
}

TEST_F(RunnerBadInputTest, FlagsWithBadValues) {
  write_linear();
  snapshot();
  expect_refused({"upgrade", "--lock-timeout", "soon"}, 2, "--lock-timeout");
  expect_refused({"upgrade", "--transaction", "some"}, 2, "--transaction");
  expect_refused({"upgrade", "--lock-retries", "-3"}, 2, "--lock-retries");
  expect_refused({"upgrade", "--version-table", "a.b.c"}, 2, "--version-table");
  expect_refused({"upgrade", "--no-such-flag"}, 2, "--no-such-flag");
  expect_refused({"sideways"}, 2, "sideways");
}

TEST_F(RunnerBadInputTest, MissingMigrationsDirectory) {
  auto r =
      run_pgrevise({"migrate", "upgrade", "--dir", "/nonexistent/migrations", "--database-url", db.url()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("/nonexistent/migrations"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pgrevise::testing
