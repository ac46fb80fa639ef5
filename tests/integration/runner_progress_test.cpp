// Live progress of `migrate upgrade` on real PostgreSQL: the revision's line when it starts, the failing
// revision's line, the statement kept up to date on a terminal, and pg_stat_progress_create_index's phase.
#include <functional>
#include <optional>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

class ProgressTest : public RunnerTest {
 protected:
  std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> out = {"migrate", extra[0], "--dir", dir.str(), "--database-url", db.url()};
    out.insert(out.end(), extra.begin() + 1, extra.end());
    return out;
  }
  // Runs the spec; `on_err` sees the whole stderr so far each time more of it arrives.
  ProcessResult run_streaming(const ProcessSpec& spec,
                              const std::function<void(const std::string&)>& on_err) {
    ChildProcess child(spec);
    std::string so_far;
    child.on_stderr([&](const std::string& chunk) {
      so_far += chunk;
      on_err(so_far);
    });
    return child.wait();
  }
  // The same command on a pseudo-terminal (util-linux `script`), whose output comes back on stderr.
  ProcessSpec on_terminal(const std::vector<std::string>& argv) {
    ProcessSpec spec = pgrevise_spec({});
    std::string command;
    for (const auto& a : spec.argv) command += "'" + a + "' ";
    for (const auto& a : argv) command += "'" + a + "' ";
    spec.argv = {"sh", "-c", "script -q -e -c \"$PGREVISE_PTY_COMMAND\" /dev/null >&2"};
    spec.env_set["PGREVISE_PTY_COMMAND"] = command;
    spec.env_set["TERM"] = "xterm";
    spec.env_set["COLUMNS"] = "200";
    return spec;
  }
  std::string sleeping_sessions() const {
    return db.query(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(3)%' "
        "AND pid <> pg_backend_pid()");
  }
};

TEST_F(ProgressTest, TheRevisionsLineComesWhenItStarts) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "SELECT pg_sleep(3);", ""));
  std::optional<std::string> sleeping_at_start, heads_at_start;
  auto r = run_streaming(pgrevise_spec(args({"upgrade"})), [&](const std::string& err) {
    if (!sleeping_at_start && err.find("[2/2] b revision b ...\n") != std::string::npos) {
      sleeping_at_start = sleeping_sessions();
      heads_at_start = heads();
    }
  });
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(sleeping_at_start) << r.err;
  EXPECT_EQ(*sleeping_at_start, "1") << "the line came before b's statement ran or after it ended";
  EXPECT_EQ(*heads_at_start, "a");
  EXPECT_NE(r.err.find("[1/2] a revision a ...\n[1/2] a revision a ... "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[2/2] b revision b ...\n[2/2] b revision b ... "), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "b");
}

TEST_F(ProgressTest, AFailedRevisionGetsItsLine) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "INSERT INTO missing_table VALUES (1);", ""));
  auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("[2/2] b revision b ...\n[2/2] b revision b ... failed after "), std::string::npos)
      << r.err;
  EXPECT_LT(r.err.find("[2/2] b revision b ... failed after "), r.err.find("42P01")) << r.err;
  // A non-transactional revision's failing statement too.
  dir.write("c.sql", migration("c", "a", "SELECT 1;\nSELECT 1/0;", "", "-- transactional: false\n"));
  dir.write("b.sql", migration("b", "a", "SELECT 1;", ""));
  r = migrate({"upgrade", "c"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("[1/1] c revision c ...\n[1/1] c revision c ... failed after "), std::string::npos)
      << r.err;
}

TEST_F(ProgressTest, OffATerminalALineEveryIntervalWhileAStatementRuns) {
  dir.write("a.sql", migration("a", "", "SELECT pg_sleep(3);", ""));
  auto r = migrate({"upgrade", "--progress-interval", "500ms"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("[1/1] a revision a: still running after "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": SELECT pg_sleep(3)\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\033["), std::string::npos) << "no terminal codes in a log";
  r = migrate({"downgrade", "base", "--progress-interval", "0"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
}

TEST_F(ProgressTest, OnATerminalTheStatementLineIsKeptUpToDate) {
  dir.write("a.sql", migration("a", "",
                               "CREATE TABLE ta (note text DEFAULT 'a secret literal');\n"
                               "SELECT pg_sleep(3);",
                               ""));
  auto r = run_streaming(on_terminal(args({"upgrade"})), [](const std::string&) {});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("\r\033[K[1/1] a revision a ... "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("s  CREATE TABLE ta (note text DEFAULT '...') (+1 more in this transaction)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("a secret literal"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Upgraded to a"), std::string::npos) << r.err;
}

// CREATE INDEX CONCURRENTLY waits for every transaction that writes the table before it builds: held open
// here, it keeps the build in that phase until the test has seen it.
TEST_F(ProgressTest, AConcurrentIndexBuildShowsItsPhase) {
  db.exec(
      "CREATE TABLE big (id int, v int); INSERT INTO big SELECT g, g % 97 FROM generate_series(1, 20000) g");
  dir.write("a.sql", migration("a", "", "CREATE INDEX CONCURRENTLY big_v_idx ON big (v);",
                               "DROP INDEX big_v_idx;", "-- transactional: false\n"));
  for (const bool terminal : {false, true}) {
    SCOPED_TRACE(terminal ? "on a terminal" : "off a terminal");
    pqxx::connection blocker(db.url());
    std::optional<pqxx::work> writer(std::in_place, blocker);
    writer->exec("LOCK TABLE big IN ROW EXCLUSIVE MODE");
    const auto argv = args({"upgrade", "--progress-interval", "200ms", "--lock-timeout", "60s"});
    auto r = run_streaming(terminal ? on_terminal(argv) : pgrevise_spec(argv), [&](const std::string& err) {
      if (writer && err.find("waiting for writers before build") != std::string::npos) {
        writer->commit();
        writer.reset();
      }
    });
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_FALSE(writer) << "the phase never showed:\n" << r.err;
    EXPECT_NE(r.err.find("CREATE INDEX CONCURRENTLY big_v_idx ON big (v)"), std::string::npos) << r.err;
    ASSERT_EQ(migrate({"downgrade", "base"}).exit_code, 0);
  }
}

}  // namespace
}  // namespace pgrevise::testing
