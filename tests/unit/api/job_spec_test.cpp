// spec.job's Pod settings and spec.runner.readOnlyRootFilesystem: read from JSON, written back, and validated
// with errors that name the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/json.h"
#include "api/labels.h"

namespace pgrevise::api {
namespace {

using ::testing::HasSubstr;

Json resource(const Json& spec_patch) {
  Json spec = {{"database", {{"urlSecretRef", {{"name", "db"}, {"key", "url"}}}}},
               {"targetRevision", "heads"},
               {"migrations", {{"configMapRef", {{"name", "m"}}}}}};
  spec.merge_patch(spec_patch);
  return {{"apiVersion", "pgrevise.dev/v1alpha1"},
          {"kind", "PostgresMigration"},
          {"metadata", {{"name", "app"}, {"namespace", "apps"}}},
          {"spec", spec}};
}

std::string paths(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.path + " ";
  return out;
}

TEST(JobSpec, PodSettingsRoundTrip) {
  const Json job = {{"priorityClassName", "batch-low"},
                    {"serviceAccountName", "migrator"},
                    {"nodeSelector", {{"pool", "tools"}}},
                    {"tolerations", {{{"key", "tools"}, {"operator", "Exists"}}}},
                    {"affinity", {{"nodeAffinity", Json::object()}}},
                    {"imagePullSecrets", {{{"name", "regcred"}}}},
                    {"resources", {{"limits", {{"memory", "2Gi"}}}}},
                    {"labels", {{"team", "billing"}}},
                    {"annotations", {{"cost-center", "42"}}},
                    {"podLabels", {{"sidecar", "none"}}},
                    {"podAnnotations", {{"sidecar.istio.io/inject", "false"}}}};
  const ParseOutcome read = read_postgres_migration(resource({{"job", job}}));
  ASSERT_TRUE(read.ok()) << describe(read.errors);
  const JobOverrides& o = read.resource.spec.job;
  EXPECT_EQ(o.priority_class_name, "batch-low");
  EXPECT_EQ(o.labels, (std::map<std::string, std::string>{{"team", "billing"}}));
  EXPECT_EQ(o.annotations, (std::map<std::string, std::string>{{"cost-center", "42"}}));
  const Json written = to_json(read.resource.spec)["job"];
  for (const auto& [key, value] : job.items()) EXPECT_EQ(written.value(key, Json()), value) << key;
  EXPECT_EQ(read_postgres_migration(to_json(read.resource)).resource, read.resource);
}

TEST(JobSpec, ReadOnlyRootFilesystemCanBeTurnedOffForACommandRunnerOnly) {
  const Json command = {{"image", "app:1"}, {"command", {"alembic"}}};
  const ParseOutcome opted_out = read_postgres_migration(
      resource({{"runner", {{"command", command}, {"readOnlyRootFilesystem", false}}}}));
  ASSERT_TRUE(opted_out.ok()) << describe(opted_out.errors);
  EXPECT_FALSE(opted_out.resource.spec.runner.read_only_root_filesystem);
  EXPECT_EQ(to_json(opted_out.resource.spec)["runner"]["readOnlyRootFilesystem"], false);
  EXPECT_EQ(read_postgres_migration(to_json(opted_out.resource)).resource, opted_out.resource);

  const ParseOutcome by_default = read_postgres_migration(resource({{"runner", {{"command", command}}}}));
  EXPECT_TRUE(by_default.resource.spec.runner.read_only_root_filesystem);
  EXPECT_FALSE(to_json(by_default.resource.spec)["runner"].contains("readOnlyRootFilesystem"));

  const ParseOutcome builtin =
      read_postgres_migration(resource({{"runner", {{"readOnlyRootFilesystem", false}}}}));
  ASSERT_EQ(builtin.errors.size(), 1u) << describe(builtin.errors);
  EXPECT_EQ(builtin.errors[0].path, "spec.runner.readOnlyRootFilesystem");
  EXPECT_THAT(builtin.errors[0].message, HasSubstr("only with spec.runner.command"));
  EXPECT_TRUE(read_postgres_migration(resource({{"runner", {{"readOnlyRootFilesystem", true}}}})).ok());
}

// The operator selects its Jobs by its own labels, and the Job controller its Pods by its own: a resource may
// not set them, and is told which field holds the key.
TEST(JobSpec, OurLabelsAndTheJobControllersCannotBeSetByTheResource) {
  const ParseOutcome read = read_postgres_migration(
      resource({{"job",
                 {{"labels", {{std::string(kResourceLabel), "other"}, {"team", "billing"}}},
                  {"podLabels", {{std::string(kManagedByLabel), "helm"}, {"job-name", "x"}}},
                  {"annotations", {{"pgrevise.dev/plan-hash", "0"}}},
                  {"podAnnotations", {{"batch.kubernetes.io/job-tracking", ""}, {"note", "ok"}}}}}}));
  EXPECT_EQ(paths(read.errors),
            "spec.job.labels.pgrevise.dev/resource spec.job.podLabels.app.kubernetes.io/managed-by "
            "spec.job.podLabels.job-name spec.job.annotations.pgrevise.dev/plan-hash "
            "spec.job.podAnnotations.batch.kubernetes.io/job-tracking ")
      << describe(read.errors);
  for (const auto& e : read.errors) EXPECT_THAT(e.message, HasSubstr("reserved")) << e.to_string();
  // kubectl's default-container annotation is the team's to choose.
  EXPECT_TRUE(
      read_postgres_migration(
          resource({{"job", {{"podAnnotations", {{"kubectl.kubernetes.io/default-container", "migrate"}}}}}}))
          .ok());
}

TEST(JobSpec, BadNamesAndKeysAreNamedByField) {
  const ParseOutcome read = read_postgres_migration(resource({{"job",
                                                               {{"priorityClassName", "Not_A_Name"},
                                                                {"labels", {{"team", "bad value!"}}},
                                                                {"annotations", {{"bad key!", "x"}}}}}}));
  EXPECT_EQ(paths(read.errors),
            "spec.job.priorityClassName spec.job.labels.team spec.job.annotations.bad key! ")
      << describe(read.errors);
}

// The recommended labels that select nothing may be given (the operator's values replace them on the Jobs and
// their Pods), as teams label everything of an app with them; the keys something selects by may not.
TEST(JobSpec, ReservedKeysAreTheOnesSomethingSelectsBy) {
  EXPECT_TRUE(
      read_postgres_migration(
          resource({{"job",
                     {{"podLabels",
                       {{std::string(kComponentLabel), "migrations"}, {std::string(kNameLabel), "app"}}},
                      {"labels", {{std::string(kInstanceLabel), "app"}}}}}}))
          .ok());
  for (std::string_view key :
       {kManagedByLabel, kResourceLabel, kPlanHashLabel, std::string_view("job-name"),
        std::string_view("controller-uid"), std::string_view("batch.kubernetes.io/job-name"),
        std::string_view("pgrevise.dev/x")})
    EXPECT_TRUE(is_reserved_key(key)) << key;
  for (std::string_view key : {kNameLabel, kInstanceLabel, kComponentLabel, std::string_view("team"),
                               std::string_view("app.kubernetes.io/part-of"),
                               std::string_view("kubectl.kubernetes.io/default-container"),
                               std::string_view("example.com/pgrevise.dev/x")})
    EXPECT_FALSE(is_reserved_key(key)) << key;
}

}  // namespace
}  // namespace pgrevise::api
