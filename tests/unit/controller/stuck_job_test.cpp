// Telling a Job whose Pod cannot start from one that is merely starting, on Pods and Events shaped as the
// kubelet, the scheduler and the Job controller leave them; time is passed in, so no test waits.
#include "controller/stuck_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"

namespace pgrevise::controller {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr seconds kGrace{40};

class StuckJobTest : public ::testing::Test {
 protected:
  ManualClock clock;
  const std::string created = format_rfc3339(clock.now());

  Json job(const Json& status = Json::object()) const {
    return {{"metadata", {{"name", "app-migrate-abc"}, {"creationTimestamp", created}}}, {"status", status}};
  }

  Json pod(const Json& status) const {
    Json p = {{"metadata", {{"name", "app-migrate-abc-x1"}, {"creationTimestamp", created}}},
              {"status", status}};
    p["status"]["phase"] = "Pending";
    return p;
  }

  static Json waiting(const std::string& container, const std::string& reason, const std::string& message) {
    return Json::array(
        {{{"name", container}, {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}});
  }

  std::optional<StuckJob> at(seconds after, const Json& j, const std::vector<Json>& pods,
                             const std::vector<Json>& events = {}) const {
    return stuck_job(j, pods, events, clock.now() + after, kGrace);
  }
};

TEST_F(StuckJobTest, AnImageThatCannotBePulledIsStuckOnceTheGracePeriodHasPassed) {
  const Json p = pod({{"containerStatuses", waiting("migrate", "ImagePullBackOff",
                                                    "Back-off pulling image \"registry.example/none:1\"")}});
  EXPECT_FALSE(at(seconds(39), job(), {p}).has_value());
  const auto stuck = at(seconds(40), job(), {p});
  ASSERT_TRUE(stuck.has_value());
  EXPECT_EQ(stuck->reason, "ImagePullBackOff");
  EXPECT_EQ(stuck->message, "container migrate: Back-off pulling image \"registry.example/none:1\"");
  EXPECT_EQ(stuck->object, "Pod app-migrate-abc-x1");
  // The first failure says ErrImagePull, which is just as final.
  const Json first = pod({{"containerStatuses", waiting("migrate", "ErrImagePull", "not found")}});
  EXPECT_EQ(at(seconds(41), job(), {first})->reason, "ErrImagePull");
}

TEST_F(StuckJobTest, AnInitContainerThatCannotStartIsStuckToo) {
  const Json p = pod({{"initContainerStatuses", waiting("copy-migrations", "InvalidImageName", "bad ref")},
                      {"containerStatuses", waiting("migrate", "PodInitializing", "")}});
  const auto stuck = at(seconds(60), job(), {p});
  ASSERT_TRUE(stuck.has_value());
  EXPECT_EQ(stuck->reason, "InvalidImageName");
  EXPECT_THAT(stuck->message, HasSubstr("container copy-migrations"));
}

TEST_F(StuckJobTest, AnUnschedulablePodCountsFromItsConditionsTransition) {
  const std::string later = format_rfc3339(clock.now() + seconds(30));
  const Json p = pod({{"conditions",
                       {{{"type", "PodScheduled"},
                         {"status", "False"},
                         {"reason", "Unschedulable"},
                         {"message", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity."},
                         {"lastTransitionTime", later}}}}});
  EXPECT_FALSE(at(seconds(60), job(), {p}).has_value());
  const auto stuck = at(seconds(70), job(), {p});
  ASSERT_TRUE(stuck.has_value());
  EXPECT_EQ(stuck->reason, "Unschedulable");
  EXPECT_THAT(stuck->message, HasSubstr("0/3 nodes are available"));
}

TEST_F(StuckJobTest, APodRefusedByAQuotaIsReportedFromTheJobsEvent) {
  const Json event = {{"reason", "FailedCreate"},
                      {"message",
                       "Error creating: pods \"app-migrate-abc-x1\" is forbidden: exceeded quota: "
                       "compute, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: "
                       "limits.memory=1Gi"},
                      {"firstTimestamp", created},
                      {"lastTimestamp", format_rfc3339(clock.now() + seconds(20))}};
  EXPECT_FALSE(at(seconds(39), job(), {}, {event}).has_value());
  const auto stuck = at(seconds(40), job(), {}, {event});
  ASSERT_TRUE(stuck.has_value());
  EXPECT_EQ(stuck->reason, "FailedCreate");
  EXPECT_THAT(stuck->message, HasSubstr("exceeded quota: compute"));
  EXPECT_EQ(stuck->object, "Job app-migrate-abc");
  // Other events about the Job, and a Job with no Pod yet and no refusal, are not stuck.
  const Json created_event = {{"reason", "SuccessfulCreate"}, {"message", "Created pod"}};
  EXPECT_FALSE(at(seconds(120), job(), {}, {created_event}).has_value());
  EXPECT_FALSE(at(seconds(120), job(), {}).has_value());
}

TEST_F(StuckJobTest, StartingRunningFinishedAndStoppingJobsAreNotStuck) {
  const Json pulling = pod({{"containerStatuses", waiting("migrate", "ContainerCreating", "")}});
  EXPECT_FALSE(at(seconds(600), job(), {pulling}).has_value());
  Json running = pod({{"containerStatuses", Json::array()}});
  running["status"]["phase"] = "Running";
  EXPECT_FALSE(at(seconds(600), job(), {running}).has_value());
  const Json bad = pod({{"containerStatuses", waiting("migrate", "ImagePullBackOff", "")}});
  EXPECT_FALSE(at(seconds(600), job({{"ready", 1}}), {bad}).has_value());
  EXPECT_FALSE(
      at(seconds(600), job({{"conditions", {{{"type", "Failed"}, {"status", "True"}}}}}), {bad}).has_value());
  EXPECT_FALSE(
      at(seconds(600), job({{"conditions", {{{"type", "FailureTarget"}, {"status", "True"}}}}}), {bad})
          .has_value());
  Json going = bad;
  going["metadata"]["deletionTimestamp"] = created;
  EXPECT_FALSE(at(seconds(600), job(), {going}).has_value());
  // A Pod that ran and failed earlier does not hide a refusal to create the next one.
  Json failed = pod(Json::object());
  failed["status"]["phase"] = "Failed";
  const Json refused = {{"reason", "FailedCreate"}, {"message", "forbidden"}, {"firstTimestamp", created}};
  EXPECT_EQ(at(seconds(60), job(), {failed}, {refused})->reason, "FailedCreate");
}

TEST_F(StuckJobTest, OnlyAJobOlderThanTheGracePeriodIsLookedAt) {
  EXPECT_FALSE(may_be_stuck(job(), clock.now() + seconds(10), kGrace));
  EXPECT_TRUE(may_be_stuck(job(), clock.now() + seconds(40), kGrace));
  EXPECT_FALSE(may_be_stuck(job({{"ready", 1}}), clock.now() + seconds(400), kGrace));
  EXPECT_FALSE(may_be_stuck(job({{"conditions", {{{"type", "Complete"}, {"status", "True"}}}}}),
                            clock.now() + seconds(400), kGrace));
}

}  // namespace
}  // namespace pgrevise::controller
