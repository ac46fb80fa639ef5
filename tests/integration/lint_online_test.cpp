// The online analysis on real PostgreSQL: the facts lint/live.h reads, and the severity they give the
// findings (as `pgrevise lint --database-url` reports them). An index on an empty table is info, on a table
// with many rows (above a threshold the config lowers) an error with its rows and bytes; a session holding a
// lock on the table is named by its pid.
#include <iostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "lint/config.h"
#include "lint/lint.h"
#include "lint/live.h"
#include "runner/plan_locks.h"
#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::lint {
namespace {

using pgrevise::testing::TestDatabase;
using ::testing::HasSubstr;
using ::testing::Not;

class LintOnline : public ::testing::Test {
 protected:
  void SetUp() override {
    db.exec(
        "CREATE TABLE empty_t (id bigint PRIMARY KEY, a int);"
        "CREATE TABLE big_t (id bigint PRIMARY KEY, a int);"
        "INSERT INTO big_t SELECT g, g FROM generate_series(1, 200000) g;"
        "ANALYZE big_t; ANALYZE empty_t;");
    options = options_from(parse_config(
        "require-concurrent-index-creation: warning\nlarge-table-rows: 100000\nthroughput-mb-per-s: 50\n",
        "lint.yaml"));
  }

  // The finding of `rule` on `sql`, with the evidence of the test database.
  Finding finding(const std::string& sql, const std::string& rule) {
    auto result = lint_source(Source{"m.sql", "", true, sql, {}}, options);
    pqxx::connection connection(db.url());
    const auto facts = read_relation_facts(connection, relations_of(result.findings));
    apply_evidence(result, facts, options.evidence);
    for (const auto& f : result.findings) {
      if (f.rule != rule) continue;
      std::cout << severity_name(f.severity) << "[" << f.rule << "]: " << f.message << "\n";
      return f;
    }
    ADD_FAILURE() << "no " << rule << " finding for " << sql;
    return {};
  }

  TestDatabase db;
  LintOptions options;
};

TEST_F(LintOnline, AnIndexOnAnEmptyTableIsInfo) {
  const auto f = finding("CREATE INDEX empty_a ON empty_t (a);", "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_THAT(f.message, HasSubstr("SHARE on public.empty_t (0 rows, "));
  EXPECT_THAT(f.message, HasSubstr("the table is empty"));
}

TEST_F(LintOnline, TheSameIndexOnABigTableIsAnErrorWithRowsAndBytes) {
  const auto f = finding("CREATE INDEX big_a ON big_t (a);", "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_THAT(f.message, HasSubstr("SHARE on public.big_t (200 k rows, "));
  EXPECT_THAT(f.message, HasSubstr(" MB): scans the table; at ~50 MB/s "));
  EXPECT_THAT(f.message, HasSubstr("of blocked writes"));
}

TEST_F(LintOnline, ATableNotCreatedYetIsInfo) {
  const auto f = finding("CREATE INDEX later_a ON later_t (a);", "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_THAT(f.message, HasSubstr("does not exist yet"));
}

TEST_F(LintOnline, AnOpenTransactionHoldingALockIsNamedByItsPid) {
  pqxx::connection holder(db.url());
  pqxx::work tx(holder);
  tx.exec("SELECT count(*) FROM empty_t WHERE a = 42");
  const int pid = holder.backendpid();
  const auto f = finding("ALTER TABLE empty_t ALTER COLUMN a TYPE bigint;", "changing-column-type");
  EXPECT_THAT(f.message, HasSubstr("ACCESS EXCLUSIVE on public.empty_t"));
  EXPECT_THAT(f.message,
              HasSubstr("waits now behind pid " + std::to_string(pid) + " (idle in transaction for "));
  EXPECT_THAT(f.message, HasSubstr("holds AccessShareLock: SELECT count(*) FROM empty_t WHERE a = 42)"));
  EXPECT_NE(f.severity, Severity::kInfo);
  tx.abort();
}

TEST_F(LintOnline, MigratePlansLockColumnShowsTheTablesSizeWhenConnected) {
  const runner::ExecStep index{.revision = "a", .file = "a.sql", .sql = "CREATE INDEX big_a ON big_t (a);"};
  const runner::ExecStep later{.revision = "b", .file = "b.sql", .sql = "ALTER TABLE later_t DROP COLUMN b;"};
  pqxx::connection connection(db.url());
  const auto cells = runner::plan_lock_column({index, later}, &connection);
  std::cout << cells[0] << "\n" << cells[1] << "\n";
  EXPECT_THAT(cells[0], HasSubstr("SHARE on big_t"));
  EXPECT_THAT(cells[0], HasSubstr(" (200 k rows, "));
  EXPECT_THAT(cells[1], HasSubstr("(not created yet)"));
  EXPECT_THAT(runner::plan_lock_column({index})[0], Not(HasSubstr("rows")));
}

// As a user runs it: the findings of a migrations folder with the evidence, the exit status following it.
TEST_F(LintOnline, TheCommandLineWithADatabaseUrl) {
  testing::TempDir dir;
  dir.write("m/a.sql", testing::migration("a", "", "CREATE INDEX big_a ON big_t (a);", "DROP INDEX big_a;"));
  dir.write("m/b.sql",
            testing::migration("b", "a", "CREATE INDEX empty_a ON empty_t (a);", "DROP INDEX empty_a;"));
  const auto config =
      dir.write("lint.yaml", "require-concurrent-index-creation: warning\nlarge-table-rows: 100000\n");
  const auto r = testing::run_pgrevise({"lint", dir.str() + "/m", "--database-url", db.url(), "--config",
                                        config.string(), "--throughput", "25"});
  std::cout << r.out << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("a.sql:"));
  EXPECT_THAT(r.out, HasSubstr("error[require-concurrent-index-creation]"));
  EXPECT_THAT(r.out, HasSubstr("SHARE on public.big_t (200 k rows, "));
  EXPECT_THAT(r.out, HasSubstr("at ~25 MB/s"));
  EXPECT_THAT(r.out, HasSubstr("info[require-concurrent-index-creation]"));
  const auto offline = testing::run_pgrevise({"lint", dir.str() + "/m", "--config", config.string()});
  EXPECT_EQ(offline.exit_code, 0) << offline.out;  // warnings only
  EXPECT_THAT(offline.out, Not(HasSubstr("rows")));
}

}  // namespace
}  // namespace pgrevise::lint
