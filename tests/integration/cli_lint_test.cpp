// `pgrevise lint` as a user runs it: a migrations folder, one file, standard input, each output, the exit
// status at each --fail-on, and bad input named by file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/pgrevise_cli.h"

namespace pgrevise::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class LintCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write(
        "migrations/a.sql",
        migration("a", "", "CREATE TABLE orders (id bigint PRIMARY KEY, note text);", "DROP TABLE orders;"));
    dir.write(
        "migrations/b.sql",
        migration(
            "b", "a",
            "ALTER TABLE orders ADD COLUMN total numeric;\nCREATE INDEX orders_total ON orders (total);",
            "DROP INDEX orders_total;"));
  }
  TempDir dir;
};

TEST_F(LintCli, FolderInCompilerStyleAndTheExitStatusFollowsFailOn) {
  auto r = run_pgrevise({"lint", dir.str() + "/migrations"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("/migrations/b.sql:"));
  EXPECT_THAT(r.out,
              HasSubstr(": error[require-concurrent-index-creation]: CREATE INDEX without CONCURRENTLY"));
  EXPECT_THAT(r.out, HasSubstr("| CREATE INDEX orders_total ON orders (total)\n"));
  EXPECT_THAT(r.out, HasSubstr("= help: CREATE INDEX CONCURRENTLY"));
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--fail-on", "none"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--lock-timeout", "5s", "--config",
                    dir.write("lint.yaml", "require-concurrent-index-creation: warning\n").string()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, Not(HasSubstr("require-lock-timeout")));
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--fail-on", "warning", "--lock-timeout", "5s",
                    "--config", dir.str() + "/lint.yaml"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
}

TEST_F(LintCli, JsonSarifAndGithub) {
  auto r = run_pgrevise({"lint", dir.str() + "/migrations", "--output", "json", "--fail-on", "none"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto j = nlohmann::json::parse(r.out);
  bool index_finding = false;
  for (const auto& f : j["findings"]) {
    if (f["rule"] != "require-concurrent-index-creation") continue;
    index_finding = true;
    EXPECT_EQ(f["revision"], "b");
    EXPECT_EQ(f["lock"], "SHARE");
    EXPECT_EQ(f["relation"], "orders");
  }
  EXPECT_TRUE(index_finding) << r.out;
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--output", "sarif", "--fail-on", "none"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["version"], "2.1.0");
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--output", "github", "--fail-on", "none"});
  EXPECT_THAT(r.out, HasSubstr("::error file="));
}

TEST_F(LintCli, StandardInputAndOneFile) {
  auto r =
      run_pgrevise({"lint", "-", "--lock-timeout", "2s"}, {}, std::string("-- a comment\nDROP TABLE t;\n"));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("-:2:1: warning[ban-drop-table]"));
  r = run_pgrevise({"lint", dir.write("plain.sql", "VACUUM FULL t;\n").string(), "--no-transaction"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("plain.sql:1:1: error[prefer-repack]"));
}

TEST_F(LintCli, BadInputIsNamedAndExits2) {
  auto r = run_pgrevise({"lint", dir.str() + "/migrations", "--config",
                         dir.write("bad.yaml", "# ok\nban-drop-table: loud\n").string()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err,
              HasSubstr("bad.yaml:2: rule ban-drop-table: severity must be error, warning, info or off"));
  r = run_pgrevise({"lint", dir.str() + "/nowhere"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("no such file or folder"));
  r = run_pgrevise({"lint", dir.str() + "/migrations", "--output", "xml"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  r = run_pgrevise({"lint", dir.write("broken.sql", "-- revision: x\n-- down_revision: a\n").string()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  r = run_pgrevise({"lint", "--list-rules"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("require-concurrent-reindex  error  (PostgreSQL 12+)"));
}

}  // namespace
}  // namespace pgrevise::testing
