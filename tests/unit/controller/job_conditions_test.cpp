// How the controller reads the conditions of a run's Jobs while the Job controller is still acting on them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/reasons.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

namespace reason = api::reason;
using ::testing::HasSubstr;

class JobConditionsTest : public ControllerTest {};

// FailureTarget comes before Failed, while the Pod is still being stopped and its report may not be written
// yet. The controller waits for Failed and then reads the report, which it would otherwise never read again.
TEST_F(JobConditionsTest, AFailureTargetWaitsForFailedBeforeTheReportIsRead) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.start_job(kNs, migrate);
  probe.set_heads({"001"});
  reconcile();
  cluster.mark_failure_target(kNs, migrate, "PodFailurePolicy");
  reconcile();
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kMigrating);
  EXPECT_EQ(s.active_job, migrate);
  EXPECT_FALSE(s.last_run.has_value());

  finish_migrate(migrate, false, {"001"},
                 ReportError{.revision = "002", .sqlstate = "42P07", .message = "relation exists"});
  reconcile();
  s = status();
  EXPECT_EQ(s.phase, api::Phase::kFailed);
  ASSERT_TRUE(s.last_run.has_value());
  EXPECT_EQ(s.last_run->revision, "002");
  EXPECT_EQ(s.last_run->sqlstate, "42P07");
  EXPECT_EQ(condition(api::condition::kStalled).reason, reason::kMigrationFailed);
  EXPECT_THAT(condition(api::condition::kStalled).message, HasSubstr("at revision 002 (SQLSTATE 42P07)"));
}

}  // namespace
}  // namespace pgrevise::testing
