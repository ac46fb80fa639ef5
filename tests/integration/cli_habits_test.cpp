// What an Alembic or Flask-Migrate user types: SQLAlchemy URLs, Alembic's verbs and their pgrevise names,
// Flask's top-level habits and typos, and the answers of current, stamp, plan --sql and upgrade --sql that
// such a user reads first.
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

std::string with_scheme(const std::string& url, const std::string& scheme) {
  return scheme + url.substr(url.find("://"));
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class CliHabitsTest : public RunnerTest {
 protected:
  // a -> b1, a -> b2 (a branch point), m merging b1 and b2
  void write_branches() {
    dir.write("a.sql", migration("a1b2c3", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
    dir.write("b1.sql", migration("b1", "a1b2c3", "CREATE TABLE tb1 (id int);", "DROP TABLE tb1;"));
    dir.write("b2.sql", migration("b2", "a1b2c3", "CREATE TABLE tb2 (id int);", "DROP TABLE tb2;"));
  }
  ProcessResult cli(std::vector<std::string> args) { return run_pgrevise(args); }
};

TEST_F(CliHabitsTest, SqlAlchemyUrlsConnectInEveryForm) {
  write_linear();
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  for (const std::string scheme :
       {"postgresql+psycopg2", "postgresql+psycopg", "postgres", "postgresql+asyncpg"}) {
    const auto flag = migrate({"current"}, with_scheme(db.url(), scheme));
    EXPECT_EQ(flag.exit_code, 0) << scheme << "\n" << describe(flag);
    EXPECT_NE(flag.out.find("c (head)"), std::string::npos) << describe(flag);
    const auto env = run_pgrevise({"migrate", "current", "--dir", dir.str()},
                                  {{"DATABASE_URL", with_scheme(db.url(), scheme)}});
    EXPECT_EQ(env.exit_code, 0) << scheme << "\n" << describe(env);
  }
}

TEST_F(CliHabitsTest, AnotherSchemeIsRefusedByNameWithoutThePassword) {
  write_linear();
  const auto r = migrate({"upgrade"}, "mysql+pymysql://app:pw-canary-77@db:3306/app");
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--database-url: unsupported URL scheme 'mysql+pymysql'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("pw-canary-77"), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "<no table>");
}

TEST_F(CliHabitsTest, AlembicVerbsWithAnotherNameAnswerWithIt) {
  const auto revision = cli({"migrate", "revision", "-m", "add users"});
  EXPECT_EQ(revision.exit_code, 2);
  EXPECT_NE(revision.err.find("in pgrevise it is `pgrevise new -m MESSAGE`"), std::string::npos)
      << revision.err;
  const auto merge = cli({"migrate", "merge", "heads"});
  EXPECT_EQ(merge.exit_code, 2);
  EXPECT_NE(merge.err.find("`pgrevise new --merge -m MESSAGE`"), std::string::npos) << merge.err;
  const auto upgrade = cli({"upgrade", "head"});
  EXPECT_EQ(upgrade.exit_code, 2);
  EXPECT_NE(upgrade.err.find("did you mean `pgrevise migrate upgrade`?"), std::string::npos) << upgrade.err;
  const auto typo = cli({"migrat", "upgrade"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("(did you mean 'migrate'?)"), std::string::npos) << typo.err;
  const auto sub_typo = migrate({"upgarde"});
  EXPECT_EQ(sub_typo.exit_code, 2);
  EXPECT_NE(sub_typo.err.find("(did you mean 'upgrade'?)"), std::string::npos) << sub_typo.err;
  const auto flag_typo = migrate({"history", "--verbos"});
  EXPECT_EQ(flag_typo.exit_code, 2);
  EXPECT_NE(flag_typo.err.find("(did you mean '--verbose'?)"), std::string::npos) << flag_typo.err;
}

TEST_F(CliHabitsTest, ShowBranchesAndHistoryAsAlembicPrintsThem) {
  write_branches();
  const auto show = migrate({"show", "b1"});
  EXPECT_EQ(show.exit_code, 0) << describe(show);
  EXPECT_EQ(show.out, "Rev: b1 (head)\nParent: a1b2c3\nPath: b1.sql\n\n    revision b1\n\n");
  const auto branches = migrate({"branches"});
  EXPECT_EQ(branches.out, "a1b2c3 (branchpoint)\n       -> b1 (head)\n       -> b2 (head)\n")
      << describe(branches);
  const auto range = migrate({"history", "-r", "a1b2c3:b2"});
  EXPECT_EQ(range.out, "a1b2c3 -> b2 (head), revision b2\n<base> -> a1b2c3 (branchpoint), revision a1b2c3\n")
      << describe(range);
  const auto verbose = migrate({"history", "--verbose", "-r", "b1:"});
  EXPECT_EQ(verbose.out, show.out) << describe(verbose);
  ASSERT_EQ(migrate({"upgrade", "b1"}).exit_code, 0);
  const auto current = migrate({"history", "--indicate-current", "-r", "b1:"});
  EXPECT_EQ(current.out, "a1b2c3 -> b1 (head) (current), revision b1\n") << describe(current);
  const auto heads_verbose = migrate({"heads", "--verbose"});
  EXPECT_NE(heads_verbose.out.find("Rev: b2 (head)\nParent: a1b2c3\nPath: b2.sql\n"), std::string::npos)
      << describe(heads_verbose);
}

TEST_F(CliHabitsTest, InitCreatesTheFolderAndRefusesOneWithFiles) {
  const std::string fresh = dir.str() + "/fresh/migrations";
  const auto init = cli({"migrate", "init", fresh});
  EXPECT_EQ(init.exit_code, 0) << describe(init);
  EXPECT_TRUE(std::filesystem::is_directory(fresh));
  write_linear();
  const auto again = cli({"migrate", "init", "--dir", dir.str()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists and is not empty"), std::string::npos) << again.err;
}

TEST_F(CliHabitsTest, CurrentAtBaseSaysSo) {
  write_linear();
  const auto r = migrate({"current"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "(base) — no revision applied\n");
}

TEST_F(CliHabitsTest, StampWritesAHistoryRowAndRefusesAShortPrefix) {
  write_branches();
  const auto short_prefix = migrate({"stamp", "a1"});
  EXPECT_EQ(short_prefix.exit_code, 2) << describe(short_prefix);
  EXPECT_NE(short_prefix.err.find("'a1' is a prefix of revision a1b2c3 shorter than four characters"),
            std::string::npos)
      << short_prefix.err;
  EXPECT_EQ(heads(), "<no table>");
  const auto forced = migrate({"stamp", "a1", "--force-prefix"});
  EXPECT_EQ(forced.exit_code, 0) << describe(forced);
  EXPECT_EQ(heads(), "a1b2c3");
  EXPECT_EQ(
      db.query(
          "SELECT revision || ' ' || direction || ' ' || result FROM alembic_version_history ORDER BY id"),
      "a1b2c3 stamp succeeded");
  ASSERT_EQ(migrate({"stamp", "base"}).exit_code, 0);
  EXPECT_EQ(db.query("SELECT revision FROM alembic_version_history WHERE direction = 'stamp' ORDER BY id"),
            "a1b2c3\nbase");
}

TEST_F(CliHabitsTest, SqlScriptsCreateTheSchemaOnceWithoutStraySemicolons) {
  write_linear();
  const auto r = migrate({"upgrade", "--sql", "a:c"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(count_of(r.out, "CREATE SCHEMA"), 1u) << r.out;
  EXPECT_EQ(count_of(r.out, "\n;\n"), 0u) << r.out;
  EXPECT_NE(r.out.find("-- Running upgrade b"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("-- Running upgrade a,"), std::string::npos) << r.out;
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  const auto at_head = migrate({"plan", "--sql"});
  EXPECT_EQ(at_head.exit_code, 0) << describe(at_head);
  EXPECT_EQ(at_head.out, "-- Nothing to do: already at c\n");
}

}  // namespace
}  // namespace pgrevise::testing
