// Which resources a ConfigMap change concerns (controller/watches.h).
#include "controller/watches.h"

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

}  // namespace
}  // namespace pgrevise::controller
