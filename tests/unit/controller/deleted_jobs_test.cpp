// The finished Jobs a reconcile still reads after their deletion (controller/deleted_jobs.h).
#include "controller/deleted_jobs.h"

#include <gtest/gtest.h>

namespace pgrevise::controller {
namespace {

using Json = nlohmann::json;
using std::chrono::minutes;

Json job(const std::string& ns, const std::string& name, const std::string& finished_as = "") {
  Json j = {{"metadata", {{"namespace", ns}, {"name", name}}}, {"status", {{"active", 1}}}};
  if (!finished_as.empty()) j["status"] = {{"conditions", {{{"type", finished_as}, {"status", "True"}}}}};
  return j;
}

std::vector<std::string> names(const std::vector<Json>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j["metadata"]["name"]);
  return out;
}

TEST(RecentlyDeletedJobs, KeepsFinishedJobsOfTheirNamespaceInTheOrderTheyWentForAWhile) {
  ManualClock clock;
  RecentlyDeletedJobs deleted(clock, minutes(10));
  deleted.remember(job("team", "app-migrate-2", "Complete"));
  clock.advance(minutes(1));
  deleted.remember(job("team", "app-backup-1", "Failed"));
  deleted.remember(job("other", "db-migrate-1", "Complete"));
  EXPECT_EQ(names(deleted.in_namespace("team")), (std::vector<std::string>{"app-migrate-2", "app-backup-1"}));
  EXPECT_EQ(names(deleted.in_namespace("other")), (std::vector<std::string>{"db-migrate-1"}));
  EXPECT_TRUE(deleted.in_namespace("te").empty());

  clock.advance(minutes(9));
  EXPECT_EQ(names(deleted.in_namespace("team")), (std::vector<std::string>{"app-backup-1"}));
  clock.advance(minutes(1));
  EXPECT_TRUE(deleted.in_namespace("team").empty());
}

TEST(RecentlyDeletedJobs, AJobDeletedBeforeItFinishedIsNotKept) {
  ManualClock clock;
  RecentlyDeletedJobs deleted(clock);
  deleted.remember(job("team", "app-migrate-1"));  // a stuck Job the operator deleted, or one deleted by hand
  EXPECT_TRUE(deleted.in_namespace("team").empty());
}

TEST(RecentlyDeletedJobs, TheLastStateSeenIsTheOneKept) {
  ManualClock clock;
  RecentlyDeletedJobs deleted(clock);
  deleted.remember(job("team", "app-migrate-1", "Failed"));
  deleted.remember(job("team", "app-migrate-1", "Complete"));  // created again under its name, and finished
  const auto kept = deleted.in_namespace("team");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]["status"]["conditions"][0]["type"], "Complete");
}

}  // namespace
}  // namespace pgrevise::controller
