// The Pod settings a resource's spec.job and the operator's settings give every Job: priority class, pull
// secrets, labels and annotations on the Jobs and their Pods, default resources, and the command runner's
// opt-out of a read-only root filesystem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "specs/jobs.h"
#include "specs/pod.h"
#include "support/restricted_profile.h"
#include "unit/specs/fixtures.h"

namespace pgrevise::specs {
namespace {

using testing::inputs;
using ::testing::IsEmpty;
using testing::kAllKinds;
using testing::pod_of;
using testing::settings;
using testing::url_resource;

TEST(JobSettings, PriorityClassLabelsAndAnnotationsReachEveryJobAndItsPods) {
  auto r = url_resource();
  r.spec.job.priority_class_name = "batch-low";
  r.spec.job.labels = {{"team", "billing"}, {"tier", "data"}};
  r.spec.job.annotations = {{"cost-center", "42"}};
  r.spec.job.pod_labels = {{"tier", "pod-only"}};
  r.spec.job.pod_annotations = {{"sidecar.istio.io/inject", "false"}};
  for (JobKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Json job = build_job(kind, r, settings(), inputs());
    EXPECT_EQ(pod_of(job)["priorityClassName"], "batch-low");
    const Json& labels = job["metadata"]["labels"];
    EXPECT_EQ(labels["team"], "billing");
    EXPECT_EQ(labels["tier"], "data");
    EXPECT_EQ(labels[std::string(kResourceLabel)], "shop");
    EXPECT_EQ(job["metadata"]["annotations"]["cost-center"], "42");
    EXPECT_FALSE(job["metadata"]["annotations"].contains("sidecar.istio.io/inject"));
    EXPECT_EQ(job["metadata"]["annotations"][std::string(kPlanHashAnnotation)].get<std::string>().size(),
              64u);
    const Json& pod_meta = job["spec"]["template"]["metadata"];
    EXPECT_EQ(pod_meta["labels"]["team"], "billing");
    EXPECT_EQ(pod_meta["labels"]["tier"], "pod-only");  // podLabels win over labels on the Pods
    EXPECT_EQ(pod_meta["labels"][std::string(kComponentLabel)], to_string(kind));
    EXPECT_EQ(pod_meta["annotations"]["cost-center"], "42");
    EXPECT_EQ(pod_meta["annotations"]["sidecar.istio.io/inject"], "false");
  }
}

// Validation refuses a resource that sets one of our keys; the builders still never let one through, because
// the controller finds its Jobs by them.
TEST(JobSettings, OurLabelsAndAnnotationsWinOverTheResources) {
  auto r = url_resource();
  r.spec.job.labels = {{std::string(kResourceLabel), "someone-else"}, {std::string(kManagedByLabel), "helm"}};
  r.spec.job.annotations = {{std::string(kPlanHashAnnotation), "0"}};
  const Json job = build_migrate_job(r, settings(), inputs());
  EXPECT_EQ(job["metadata"]["labels"][std::string(kResourceLabel)], "shop");
  EXPECT_EQ(job["metadata"]["labels"][std::string(kManagedByLabel)], "pgrevise");
  EXPECT_NE(job["metadata"]["annotations"][std::string(kPlanHashAnnotation)], "0");
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"][std::string(kResourceLabel)], "shop");
}

// The chart's imagePullSecrets reach every Job (the operator's --job-image-pull-secret), and a resource's own
// come after them, each name once.
TEST(JobSettings, TheOperatorsPullSecretsComeFirstAndTheResourcesAreAdded) {
  auto s = settings();
  s.image_pull_secrets = {"chart-regcred"};
  const Json plain = build_backup_job(url_resource(), s, inputs());
  EXPECT_EQ(pod_of(plain)["imagePullSecrets"], Json({{{"name", "chart-regcred"}}}));
  auto r = url_resource();
  r.spec.job.image_pull_secrets = {"team-regcred", "chart-regcred"};
  for (JobKind kind : kAllKinds) {
    EXPECT_EQ(pod_of(build_job(kind, r, s, inputs()))["imagePullSecrets"],
              Json({{{"name", "chart-regcred"}}, {{"name", "team-regcred"}}}));
  }
  EXPECT_FALSE(pod_of(build_backup_job(url_resource(), settings(), inputs())).contains("imagePullSecrets"));
}

// The operator's default resources (limits on cpu and memory, for namespaces whose quota requires them) go to
// every container, the migrations copy included; a resource's own replace them.
TEST(JobSettings, DefaultResourcesGoToEveryContainerUnlessTheResourceSetsItsOwn) {
  const Json defaults = default_job_resources();
  EXPECT_TRUE(defaults["limits"].contains("cpu"));
  EXPECT_TRUE(defaults["limits"].contains("memory"));
  EXPECT_TRUE(defaults["requests"].contains("cpu"));
  EXPECT_TRUE(defaults["requests"].contains("memory"));
  auto s = settings();
  s.default_resources = defaults;
  auto r = url_resource();
  r.spec.migrations = api::MigrationsSource{.image = api::ImageMigrations{.image = "app:1"}};
  const Json job = build_migrate_job(r, s, inputs());
  EXPECT_EQ(pod_of(job)["containers"][0]["resources"], defaults);
  EXPECT_EQ(pod_of(job)["initContainers"][0]["resources"], defaults);
  r.spec.job.resources = {{"limits", {{"memory", "4Gi"}}}};
  const Json own = build_migrate_job(r, s, inputs());
  EXPECT_EQ(pod_of(own)["containers"][0]["resources"], r.spec.job.resources);
  EXPECT_EQ(pod_of(own)["initContainers"][0]["resources"], r.spec.job.resources);
}

TEST(JobSettings, OnlyACommandRunnerMayHaveAWritableRootFilesystem) {
  auto r = url_resource();
  r.spec.runner.command = api::CommandRunner{.image = "app:1", .command = {"alembic"}};
  const Json read_only = build_migrate_job(r, settings(), inputs());
  EXPECT_EQ(pod_of(read_only)["containers"][0]["securityContext"]["readOnlyRootFilesystem"], true);
  r.spec.runner.read_only_root_filesystem = false;
  const Json writable = build_migrate_job(r, settings(), inputs());
  const Json& context = pod_of(writable)["containers"][0]["securityContext"];
  EXPECT_EQ(context["readOnlyRootFilesystem"], false);
  EXPECT_EQ(context["runAsNonRoot"], true);  // the rest of the restricted profile stays
  EXPECT_EQ(context["allowPrivilegeEscalation"], false);
  EXPECT_THAT(pgrevise::testing::restricted_profile_violations(writable, /*require_read_only_root=*/false),
              IsEmpty());
  // The backup and plan Jobs run the builtin pgrevise: always read-only.
  for (JobKind kind : {JobKind::kBackup, JobKind::kPlan})
    EXPECT_EQ(pod_of(build_job(kind, r, settings(),
                               inputs()))["containers"][0]["securityContext"]["readOnlyRootFilesystem"],
              true);
}

}  // namespace
}  // namespace pgrevise::specs
