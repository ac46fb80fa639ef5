// The Pod statuses the local cluster and the fake kubelet write are the kubelet's: containerStatuses sorted
// by name, sidecars that a webhook injected among them, native sidecars among the init containers.
#include "local/job_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/job_view.h"
#include "specs/jobs.h"

namespace pgrevise::local {
namespace {

using ::testing::ElementsAre;

constexpr char kStarted[] = "2026-11-30T08:00:00Z";
constexpr char kFinished[] = "2026-11-30T08:00:09Z";

// The Pod of a migrate Job whose template has the copy init container, after a webhook injected a service
// mesh proxy, a database proxy (regular containers) and a native sidecar.
Json pod_with_sidecars() {
  const Json kind = {{specs::kComponentLabel, "migrate"}};
  Json job = {
      {"metadata", {{"name", "app-migrate-1"}, {"namespace", "apps"}, {"uid", "u1"}, {"labels", kind}}},
      {"spec",
       {{"template",
         {{"metadata", {{"labels", kind}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"initContainers", {{{"name", "copy-migrations"}}}},
            {"containers", {{{"name", "migrate"}}}}}}}}}}};
  Json pod = pod_for_job(job, "app-migrate-1-x");
  pod["spec"]["containers"].push_back({{"name", "istio-proxy"}});
  pod["spec"]["containers"].push_back({{"name", "cloud-sql-proxy"}});
  pod["spec"]["initContainers"].push_back({{"name", "linkerd-proxy"}, {"restartPolicy", "Always"}});
  return pod;
}

std::vector<std::string> names(const Json& statuses) {
  std::vector<std::string> out;
  for (const auto& s : statuses) out.push_back(s.value("name", ""));
  return out;
}

// The state's one key: running, waiting or terminated.
std::string state_of(const Json& statuses, const std::string& name) {
  for (const auto& s : statuses)
    if (s.value("name", "") == name) return s["state"].begin().key();
  return "";
}

JobOutcome migrated() {
  JobOutcome outcome;
  outcome.succeeded = true;
  outcome.exit_code = 0;
  outcome.reason = "Completed";
  outcome.container = "migrate";
  outcome.termination_message = R"({"kind":"migrate"})";
  return outcome;
}

TEST(PodStatus, ListsEveryContainerSortedByNameAndNativeSidecarsInSpecOrder) {
  Json pod = pod_with_sidecars();
  ASSERT_TRUE(has_native_sidecars(pod));
  const Json running = running_pod_status(pod, kStarted);
  EXPECT_EQ(running["phase"], "Running");
  EXPECT_THAT(names(running["containerStatuses"]), ElementsAre("cloud-sql-proxy", "istio-proxy", "migrate"));
  EXPECT_THAT(names(running["initContainerStatuses"]), ElementsAre("copy-migrations", "linkerd-proxy"));
  EXPECT_EQ(state_of(running["initContainerStatuses"], "copy-migrations"), "terminated");
  EXPECT_EQ(state_of(running["initContainerStatuses"], "linkerd-proxy"), "running");

  // The main container ended; the kubelet has yet to stop the native sidecar: the Pod still runs.
  pod["status"] = stopping_sidecars_pod_status(pod, migrated(), kStarted, kFinished);
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_THAT(names(pod["status"]["containerStatuses"]),
              ElementsAre("cloud-sql-proxy", "istio-proxy", "migrate"));
  EXPECT_EQ(state_of(pod["status"]["initContainerStatuses"], "linkerd-proxy"), "running");
  EXPECT_EQ(controller::latest_pod_report({pod}), R"({"kind":"migrate"})");

  pod["status"] = finished_pod_status(pod, migrated(), kStarted, kFinished);
  EXPECT_EQ(pod["status"]["phase"], "Succeeded");
  EXPECT_EQ(state_of(pod["status"]["initContainerStatuses"], "linkerd-proxy"), "terminated");
  EXPECT_EQ(state_of(pod["status"]["containerStatuses"], "cloud-sql-proxy"), "terminated");
  EXPECT_EQ(controller::latest_pod_report({pod}), R"({"kind":"migrate"})");
}

TEST(PodStatus, AFailedInitContainerIsTheOneTerminatedAndTheMainContainerNeverStarts) {
  Json pod = pod_with_sidecars();
  JobOutcome copy_failed;
  copy_failed.exit_code = 1;
  copy_failed.reason = "BackoffLimitExceeded";
  copy_failed.container = "copy-migrations";
  pod["status"] = finished_pod_status(pod, copy_failed, kStarted, kFinished);
  EXPECT_EQ(pod["status"]["phase"], "Failed");
  const Json& init = pod["status"]["initContainerStatuses"];
  EXPECT_EQ(init[0]["state"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(state_of(pod["status"]["containerStatuses"], "migrate"), "waiting");
  EXPECT_EQ(pod["status"]["containerStatuses"][2]["state"]["waiting"]["reason"], "PodInitializing");
  EXPECT_EQ(controller::latest_pod_report({pod}), std::nullopt);
}

TEST(PodStatus, APodThatCannotBeConfiguredStaysPendingWithItsContainerWaiting) {
  Json pod = pod_with_sidecars();
  JobOutcome unconfigured;
  unconfigured.reason = "CreateContainerConfigError";
  unconfigured.message = "Secret apps/app-db not found";
  unconfigured.container = "migrate";
  pod["status"] = finished_pod_status(pod, unconfigured, kStarted, kFinished);
  EXPECT_EQ(pod["status"]["phase"], "Pending");
  const Json* main = controller::main_container_status(pod);
  ASSERT_NE(main, nullptr);
  EXPECT_EQ((*main)["state"]["waiting"]["reason"], "CreateContainerConfigError");
  EXPECT_EQ((*main)["state"]["waiting"]["message"], "Secret apps/app-db not found");
}

}  // namespace
}  // namespace pgrevise::local
