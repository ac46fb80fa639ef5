// Live progress of a migrate Job through the operator process: while the Job's runner sleeps in a revision,
// status.progress and /metrics name the statement and for how long it has run, and the Job's log has the
// revision's line from when it started.
#include <gtest/gtest.h>

#include "e2e/metrics_text.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

Json progress_of(const Json& r) {
  return r.value("status", Json::object()).value("progress", Json::object());
}

TEST_F(OperatorE2eTest, StatusProgressNamesTheStatementTheJobRuns) {
  testing::TempDir migrations;
  migrations.write("s1.sql", testing::migration("s1", "", "CREATE TABLE s (x int);", "DROP TABLE s;"));
  migrations.write("s2.sql",
                   testing::migration("s2", "s1", "SELECT pg_sleep(20), 'a-literal-kept-out';", "SELECT 1;"));
  create_inputs(migrations.path());
  auto& op = start_operator();
  create_resource("heads", {{"backup", {{"enabled", false}}}});

  const Json running =
      wait_for_resource([](const Json& r) { return !progress_of(r).value("statement", "").empty(); },
                        "status.progress.statement", std::chrono::seconds(120));
  const auto metrics = http_get(op.metrics_port(), "/metrics");
  const Json progress = progress_of(running);
  EXPECT_EQ(progress.value("revision", ""), "s2") << progress.dump();
  EXPECT_EQ(progress.value("statement", ""), "SELECT pg_sleep(20), '...'") << progress.dump();
  EXPECT_TRUE(progress.contains("runningSeconds")) << progress.dump();
  EXPECT_FALSE(progress.contains("phase")) << progress.dump();  // not an index build
  EXPECT_EQ(running.dump().find("a-literal-kept-out"), std::string::npos);
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("pgrevise_migration_statement_running_seconds{"), std::string::npos)
      << metrics->body;
  EXPECT_GE(metric_value(metrics->body, "pgrevise_migration_statement_running_seconds", {"revision=\"s2\""}),
            0);

  const Json done = wait_ready();
  EXPECT_EQ(heads(), "s2");
  EXPECT_FALSE(progress_of(done).contains("statement")) << done.dump(2);
  std::string log;
  for (const auto& run : container_runs()) {
    if (run.job.find("migrate") != std::string::npos) log += run.err;
  }
  EXPECT_NE(log.find("[2/2] s2 revision s2 ...\n"), std::string::npos) << log;
  EXPECT_NE(log.find("[2/2] s2 revision s2 ... "), std::string::npos) << log;
}

}  // namespace
}  // namespace pgrevise::e2e
