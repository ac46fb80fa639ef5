// How the controller reads the conditions of a run's Jobs while the Job controller is still acting on them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "api/reasons.h"
#include "common/clock.h"
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

// A Pod of the Job as the kubelet shows one whose image cannot be pulled.
Json pod_pulling_in_vain(const std::string& job, const std::string& created) {
  const Json waiting = {{"reason", "ImagePullBackOff"},
                        {"message", "Back-off pulling image \"registry.example/missing:1\""}};
  const Json container = {{"name", "migrate"}, {"state", {{"waiting", waiting}}}};
  return {
      {"metadata", {{"name", job + "-x1"}, {"creationTimestamp", created}, {"labels", {{"job-name", job}}}}},
      {"status", {{"phase", "Pending"}, {"containerStatuses", Json::array({container})}}}};
}

class StuckJobsTest : public ControllerTest {
 protected:
  StuckJobsTest() { cluster.now = format_rfc3339(clock.now()); }

  long stuck_events() const {
    const auto reasons = cluster.event_reasons();
    return std::count(reasons.begin(), reasons.end(), "JobPodNotStarting");
  }
};

// An image that cannot be pulled is reported with the Pod's reason and message once the grace period is
// over, as a condition and an event, and the Job is deleted instead of running until its deadline. The same
// plan is not run again by itself; a retry runs it again.
TEST_F(StuckJobsTest, AnImageThatCannotBePulledIsReportedAndItsJobDeleted) {
  apply({{"backup", {{"enabled", false}}}});
  reconcile();
  const std::string migrate = only_job("migrate");
  cluster.put_job_pods(kNs, migrate, {pod_pulling_in_vain(migrate, cluster.now)});
  clock.advance(std::chrono::seconds(20));
  reconcile();
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
  EXPECT_EQ(cluster.job_pod_lists(), 0);  // a Job younger than the grace period is not looked into

  clock.advance(std::chrono::seconds(20));
  reconcile();
  EXPECT_TRUE(jobs_of("migrate").empty());
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kFailed);
  const api::Condition stalled = condition(api::condition::kStalled);
  EXPECT_EQ(stalled.reason, reason::kJobPodNotStarting);
  EXPECT_THAT(stalled.message, HasSubstr("migrate Job " + migrate + " could not start: Pod " + migrate +
                                         "-x1: ImagePullBackOff: container migrate: Back-off pulling image "
                                         "\"registry.example/missing:1\""));
  EXPECT_EQ(condition(api::condition::kMigrationSucceeded).reason, reason::kJobPodNotStarting);
  EXPECT_EQ(stuck_events(), 1);

  reconcile();
  EXPECT_EQ(cluster.job_creations(), 1);
  EXPECT_EQ(condition(api::condition::kStalled).reason, reason::kJobPodNotStarting);
  EXPECT_EQ(stuck_events(), 1);

  apply({{"backup", {{"enabled", false}}}}, {{std::string(api::kRetryAnnotation), "1"}});
  reconcile();
  EXPECT_EQ(cluster.job_creations(), 2);
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
}

// The Job controller's FailedCreate event (here a ResourceQuota's refusal) is reported with its message.
TEST_F(StuckJobsTest, APodRefusedByAQuotaStopsTheBackupWithTheQuotasMessage) {
  apply();
  reconcile();
  const std::string backup = only_job("backup");
  cluster.put_job_events(
      kNs, backup,
      {{{"reason", "FailedCreate"},
        {"type", "Warning"},
        {"message", "Error creating: pods \"" + backup +
                        "-x1\" is forbidden: exceeded quota: compute, requested: "
                        "limits.memory=1Gi, used: limits.memory=2Gi, limited: limits.memory=2Gi"},
        {"firstTimestamp", cluster.now},
        {"lastTimestamp", cluster.now}}});
  clock.advance(std::chrono::seconds(45));
  reconcile();
  EXPECT_TRUE(jobs_of("backup").empty());
  EXPECT_TRUE(jobs_of("migrate").empty());
  EXPECT_EQ(status().phase, api::Phase::kFailed);
  const api::Condition backed_up = condition(api::condition::kBackupSucceeded);
  EXPECT_EQ(backed_up.status, "False");
  EXPECT_EQ(backed_up.reason, reason::kJobPodNotStarting);
  EXPECT_THAT(backed_up.message, HasSubstr("Job " + backup + ": FailedCreate: Error creating: pods"));
  EXPECT_THAT(backed_up.message, HasSubstr("exceeded quota: compute"));
}

// A stuck Job of an earlier run is deleted so that the current run does not wait for its deadline.
TEST_F(StuckJobsTest, AStuckJobOfAnEarlierRunIsDeletedAndTheNewRunGoesAhead) {
  apply({{"backup", {{"enabled", false}}}, {"targetRevision", "002"}});
  reconcile();
  const std::string first = only_job("migrate");
  cluster.put_job_pods(kNs, first, {pod_pulling_in_vain(first, cluster.now)});
  apply({{"backup", {{"enabled", false}}}, {"targetRevision", "003"}});
  reconcile();
  EXPECT_EQ(status().active_job, first);  // waits for the earlier run's Job
  clock.advance(std::chrono::seconds(40));
  reconcile();
  const auto migrates = jobs_of("migrate");
  ASSERT_EQ(migrates.size(), 1u);
  EXPECT_NE(migrates[0]["metadata"].value("name", ""), first);
  EXPECT_EQ(status().phase, api::Phase::kMigrating);
}

}  // namespace
}  // namespace pgrevise::testing
