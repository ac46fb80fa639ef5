// How a failing revision is retried, recorded and reported, on both paths (in a transaction and outside one):
// the report always names the revision, its file and line and the SQLSTATE of the statement that failed.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

const std::string kNonTransactional = "-- transactional: false\n";

int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class RunnerFailures : public RunnerTest {
 protected:
  void SetUp() override {
    dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
    ASSERT_EQ(migrate({"upgrade", "a"}).exit_code, 0);
  }
  nlohmann::json report_error() const { return nlohmann::json::parse(dir.read("report.json"))["error"]; }
  std::string history_of(const std::string& revision) const {
    return db.query(
        "SELECT string_agg(result, ',' ORDER BY id) FROM alembic_version_history WHERE revision = '" +
        revision + "'");
  }
};

// A session holding ACCESS EXCLUSIVE on ta until the test ends.
struct TableLock {
  explicit TableLock(const std::string& url) : conn(url), tx(conn) {
    tx.exec("LOCK TABLE ta IN ACCESS EXCLUSIVE MODE");
  }
  pqxx::connection conn;
  pqxx::work tx;
};

TEST_F(RunnerFailures, NonTransactionalStatementLockTimeoutsAreRetriedWithAWarningEach) {
  dir.write("b.sql", migration("b", "a", "ALTER TABLE ta ADD COLUMN note text;", "", kNonTransactional));
  TableLock lock(db.url());
  auto r = migrate({"upgrade", "--lock-timeout", "100ms", "--lock-retries", "2", "--report",
                    (dir.path() / "report.json").string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(occurrences(r.err, "lock timeout, retrying revision=b"), 2) << r.err;
  EXPECT_NE(r.err.find("revision b (b.sql:7) failed: ERROR 55P03"), std::string::npos) << r.err;
  EXPECT_EQ(report_error()["sqlstate"], "55P03");
  EXPECT_EQ(history_of("b"), "failed");
  EXPECT_EQ(heads(), "a");
}

// The revision's first statement makes every later transaction of the session read-only, so the runner cannot
// write the failure of its second statement; the report still carries that failure, not the history write's.
TEST_F(RunnerFailures, HistoryWriteThatFailsAfterANonTransactionalFailureKeepsTheStatementsError) {
  dir.write("b.sql", migration("b", "a", "SET default_transaction_read_only = on;\nSELECT 1/0;", "",
                               kNonTransactional));
  auto r = migrate({"upgrade", "--report", (dir.path() / "report.json").string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("revision b (b.sql:8) failed: ERROR 22012"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("could not record the failure in the history table revision=b"), std::string::npos)
      << r.err;
  const auto error = report_error();
  EXPECT_EQ(error["revision"], "b");
  EXPECT_EQ(error["sqlstate"], "22012");
  EXPECT_EQ(error["file"], "b.sql");
  EXPECT_EQ(error["line"], 8);
  EXPECT_EQ(heads(), "a");
}

// A BEGIN in a non-transactional revision leaves the session in a transaction block that the failure aborts;
// the runner ends it, so the failure is recorded and the next run is not told that b never finished.
TEST_F(RunnerFailures, NonTransactionalFailureInsideTheRevisionsOwnTransactionBlockIsRecorded) {
  dir.write("b.sql", migration("b", "a", "BEGIN;\nCREATE INDEX CONCURRENTLY ta_id ON ta (id);", "",
                               kNonTransactional));
  auto r = migrate({"upgrade", "--report", (dir.path() / "report.json").string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("revision b (b.sql:8) failed: ERROR 25001"), std::string::npos) << r.err;
  EXPECT_EQ(report_error()["sqlstate"], "25001");
  EXPECT_EQ(report_error()["line"], 8);
  EXPECT_EQ(history_of("b"), "failed");

  dir.write("b.sql",
            migration("b", "a", "CREATE INDEX CONCURRENTLY ta_id ON ta (id);", "", kNonTransactional));
  r = migrate({"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(history_of("b"), "failed,succeeded");
}

// The server reports a last statement left open at the end of the revision's SQL (here a missing parenthesis)
// after it, where the runner's own SQL begins; both transaction modes point at the revision's last line, also
// when characters before it take several bytes.
TEST_F(RunnerFailures, UnterminatedLastStatementIsReportedAtTheRevisionsLastLineInBothTransactionModes) {
  dir.write(
      "b.sql",
      migration("b", "a", "-- naïve café, déjà vu: ünïcödé\nCREATE TABLE tb (\n  id int,\n  note text\n\n",
                "DROP TABLE tb;"));
  for (const std::string mode : {"per-revision", "all"}) {
    SCOPED_TRACE(mode);
    auto r = migrate({"upgrade", "--transaction", mode, "--report", (dir.path() / "report.json").string()});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_NE(r.err.find("revision b (b.sql:9) failed: ERROR 42601"), std::string::npos) << r.err;
    EXPECT_EQ(report_error()["line"], 9);
    EXPECT_EQ(heads(), "a");
    EXPECT_EQ(tables(), "ta");
  }
}

}  // namespace
}  // namespace pgrevise::testing
