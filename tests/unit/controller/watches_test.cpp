// Which resources a ConfigMap change concerns (controller/watches.h).
#include "controller/watches.h"

#include "controller/job_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgrevise::controller {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Json config_map(const std::string& name, const Json& owner_references = Json::array()) {
  return {{"kind", "ConfigMap"},
          {"metadata", {{"namespace", "team"}, {"name", name}, {"ownerReferences", owner_references}}}};
}

Json resource_reading(const std::string& name, const std::string& config_map_name) {
  return {{"metadata", {{"namespace", "team"}, {"name", name}}},
          {"spec", {{"migrations", {{"configMapRef", {{"name", config_map_name}}}}}}}};
}

Json resource_from_image(const std::string& name) {
  return {{"metadata", {{"namespace", "team"}, {"name", name}}},
          {"spec", {{"migrations", {{"image", {{"image", "app:1"}}}}}}}};
}

TEST(ResourcesForConfigMap, AreTheResourcesThatReadTheirMigrationsFromIt) {
  const std::vector<Json> resources = {resource_reading("app", "app-migrations"),
                                       resource_reading("other", "other-migrations"),
                                       resource_reading("copy", "app-migrations")};
  EXPECT_THAT(resources_for_config_map(config_map("app-migrations"), resources),
              ElementsAre(ObjectRef{"team", "app"}, ObjectRef{"team", "copy"}));
}

TEST(ResourcesForConfigMap, IncludeTheResourceOwningIt) {
  const Json owners =
      Json::array({{{"kind", "Job"}, {"name", "j"}}, {{"kind", "PostgresMigration"}, {"name", "app"}}});
  EXPECT_THAT(resources_for_config_map(config_map("app-dry-run-sql", owners), {}),
              ElementsAre(ObjectRef{"team", "app"}));
}

TEST(ResourcesForConfigMap, AreNoneForAConfigMapNoResourceNames) {
  const std::vector<Json> resources = {resource_reading("app", "app-migrations"), resource_from_image("img")};
  EXPECT_THAT(resources_for_config_map(config_map("unrelated"), resources), IsEmpty());
}

TEST(ResourcesForConfigMap, IgnoreMalformedObjects) {
  const std::vector<Json> resources = {Json::array(), {{"spec", "not an object"}}};
  EXPECT_THAT(resources_for_config_map(Json("not an object"), resources), IsEmpty());
}

// A Job as the operator's cache keeps it reads the same as the whole Job.
TEST(UnreadJobFields, LeaveWhatTheControllerReadsOfAJob) {
  const Json job = {
      {"metadata", {{"name", "app-migrate-1"}, {"creationTimestamp", "2026-12-06T10:00:00Z"}}},
      {"spec",
       {{"activeDeadlineSeconds", 3600},
        {"template", {{"spec", {{"containers", {{{"name", "migrate"}, {"image", "pgrevise:1"}}}}}}}}}},
      {"status",
       {{"startTime", "2026-12-06T10:00:01Z"},
        {"conditions",
         {{{"type", "Failed"},
           {"status", "True"},
           {"reason", "DeadlineExceeded"},
           {"message", "too long"},
           {"lastTransitionTime", "2026-12-06T11:00:01Z"}}}}}}};
  Json cached = job;
  for (const auto& field : unread_job_fields()) {
    ASSERT_TRUE(cached.contains(field)) << field.to_string();
    cached.at(field.parent_pointer()).erase(field.back());
  }
  EXPECT_FALSE(cached["spec"].contains("template"));
  const JobView whole = view_job(job), kept = view_job(cached);
  EXPECT_EQ(kept.name, whole.name);
  EXPECT_EQ(kept.phase, JobPhase::kFailed);
  EXPECT_EQ(kept.start_time, whole.start_time);
  EXPECT_EQ(kept.completion_time, whole.completion_time);
  EXPECT_EQ(kept.failure_reason, "DeadlineExceeded");
  EXPECT_EQ(kept.failure_message, whole.failure_message);
  EXPECT_EQ(kept.active_deadline_seconds, 3600);
}

// A ConfigMap's metadata as the operator's cache keeps it concerns the same resources, and keeps what tells
// whether its fetched content is current.
TEST(UnreadConfigMapFields, LeaveWhatTheControllerReadsOfAConfigMap) {
  const std::vector<Json> resources = {resource_reading("app", "app-migrations")};
  Json watched =
      config_map("app-migrations", Json::array({{{"kind", "PostgresMigration"}, {"name", "dry"}}}));
  watched["apiVersion"] = "meta.k8s.io/v1";
  watched["kind"] = "PartialObjectMetadata";
  watched["metadata"]["resourceVersion"] = "41";
  watched["metadata"]["uid"] = "5d1c";
  watched["metadata"]["creationTimestamp"] = "2026-12-06T10:00:00Z";
  watched["metadata"]["labels"] = {{"owner", "helm"}};
  watched["metadata"]["annotations"] = {{"note", "x"}};
  Json cached = watched;
  for (const auto& field : unread_config_map_fields()) {
    ASSERT_TRUE(cached.contains(field)) << field.to_string();
    cached.at(field.parent_pointer()).erase(field.back());
  }
  EXPECT_EQ(cached, (Json{{"metadata",
                           {{"namespace", "team"},
                            {"name", "app-migrations"},
                            {"ownerReferences", watched["metadata"]["ownerReferences"]},
                            {"resourceVersion", "41"}}}}));
  EXPECT_EQ(resources_for_config_map(cached, resources), resources_for_config_map(watched, resources));
  EXPECT_THAT(resources_for_config_map(cached, resources),
              ElementsAre(ObjectRef{"team", "dry"}, ObjectRef{"team", "app"}));
}

}  // namespace
}  // namespace pgrevise::controller
