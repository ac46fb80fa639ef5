#include "specs/jobs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/error.h"
#include "specs/pod.h"
#include "support/restricted_profile.h"
#include "unit/specs/fixtures.h"

namespace pgrevise::specs {
namespace {

using ::testing::ElementsAre;
using testing::host_resource;
using testing::inputs;
using ::testing::IsEmpty;
using testing::kAllKinds;
using testing::main_container;
using testing::pod_of;
using testing::settings;
using testing::url_resource;

std::vector<std::string> strings(const Json& array) {
  return array.get<std::vector<std::string>>();
}

// The container's env entry named `name`, or null.
Json env_entry(const Json& container, const std::string& name) {
  for (const auto& e : container.value("env", Json::array()))
    if (e["name"] == name) return e;
  return Json();
}

Json volume(const Json& job, const std::string& name) {
  for (const auto& v : pod_of(job)["volumes"])
    if (v["name"] == name) return v;
  return Json();
}

Json mount(const Json& container, const std::string& name) {
  for (const auto& m : container.value("volumeMounts", Json::array()))
    if (m["name"] == name) return m;
  return Json();
}

TEST(Jobs, CarryIdentityOwnerLabelsAndAnnotations) {
  const auto r = url_resource();
  for (JobKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Json job = build_job(kind, r, settings(), inputs());
    EXPECT_EQ(job["apiVersion"], "batch/v1");
    EXPECT_EQ(job["kind"], "Job");
    const Json& meta = job["metadata"];
    EXPECT_EQ(meta["name"], job_name(r, kind, inputs()));
    EXPECT_EQ(meta["namespace"], "apps");
    ASSERT_EQ(meta["ownerReferences"].size(), 1u);
    EXPECT_EQ(meta["ownerReferences"][0], Json({{"apiVersion", "pgrevise.dev/v1alpha1"},
                                                {"kind", "PostgresMigration"},
                                                {"name", "shop"},
                                                {"uid", r.metadata.uid},
                                                {"controller", true},
                                                {"blockOwnerDeletion", true}}));
    const Json& labels = meta["labels"];
    EXPECT_EQ(labels["app.kubernetes.io/name"], "pgrevise");
    EXPECT_EQ(labels["app.kubernetes.io/instance"], "shop");
    EXPECT_EQ(labels["app.kubernetes.io/component"], to_string(kind));
    EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "pgrevise");
    EXPECT_EQ(labels["pgrevise.dev/resource"], "shop");
    const std::string hash = plan_hash(r, kind, inputs());
    EXPECT_EQ(labels["pgrevise.dev/plan-hash"], hash.substr(0, 10));
    EXPECT_EQ(meta["annotations"]["pgrevise.dev/plan-hash"], hash);
    EXPECT_EQ(meta["annotations"]["pgrevise.dev/target"], "heads");
    EXPECT_EQ(meta["annotations"]["pgrevise.dev/direction"], "upgrade");
    EXPECT_EQ(meta["annotations"]["pgrevise.dev/migrations-digest"], inputs().migrations_digest);
    // The Pods carry the labels too, so they can be found without the Job.
    for (const auto& [k, v] : job_labels(r, kind))
      EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"][k], v) << k;
  }
}

TEST(JobSelectors, SelectEveryManagedJob) {
  EXPECT_EQ(managed_jobs_selector(), "app.kubernetes.io/managed-by=pgrevise");
}

TEST(JobSelectors, SelectTheJobsOfOneResourceByItsLabelValue) {
  EXPECT_EQ(resource_jobs_selector(label_value("shop")), "pgrevise.dev/resource=shop");
}

TEST(Jobs, AreBoundedNeverRestartedAndFailFastOnBadInput) {
  for (JobKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Json job = build_job(kind, url_resource(), settings(), inputs());
    const Json& spec = job["spec"];
    EXPECT_EQ(spec["backoffLimit"], 0);
    EXPECT_EQ(spec["activeDeadlineSeconds"], 3600);
    EXPECT_FALSE(spec.contains("ttlSecondsAfterFinished"));
    EXPECT_EQ(pod_of(job)["restartPolicy"], "Never");
    EXPECT_EQ(pod_of(job)["automountServiceAccountToken"], false);
    const Json& rules = spec["podFailurePolicy"]["rules"];
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0]["action"], "FailJob");
    EXPECT_EQ(rules[0]["onExitCodes"]["containerName"], main_container_name(kind));
    EXPECT_EQ(rules[0]["onExitCodes"]["operator"], "In");
    EXPECT_THAT(rules[0]["onExitCodes"]["values"].get<std::vector<int>>(), ::testing::Contains(2));
    EXPECT_EQ(rules[1]["action"], "Ignore");
    EXPECT_EQ(rules[1]["onPodConditions"][0]["type"], "DisruptionTarget");
    const Json& c = main_container(job);
    EXPECT_EQ(c["name"], main_container_name(kind));
    EXPECT_EQ(c["image"], "registry.example/pgrevise:1.2.3");
    EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
    EXPECT_EQ(c["terminationMessagePolicy"], "FallbackToLogsOnError");
    const auto args = strings(c["args"]);
    auto report = std::find(args.begin(), args.end(), "--report");
    ASSERT_NE(report, args.end());
    EXPECT_EQ(*(report + 1), "/dev/termination-log");
  }
}

TEST(Jobs, MeetTheRestrictedProfileInEveryContainer) {
  auto image = url_resource();
  image.spec.migrations = api::MigrationsSource{.image = api::ImageMigrations{.image = "app:1.4.2"}};
  auto command = url_resource();
  command.spec.runner.command = api::CommandRunner{.image = "app:1.4.2", .command = {"alembic"}};
  for (const auto& r : {url_resource(), host_resource(), image, command}) {
    for (JobKind kind : kAllKinds) {
      const Json job = build_job(kind, r, settings(), inputs());
      EXPECT_THAT(pgrevise::testing::restricted_profile_violations(job), IsEmpty()) << job.dump(2);
      EXPECT_EQ(mount(main_container(job), "tmp")["mountPath"], "/tmp");
      EXPECT_TRUE(volume(job, "tmp").contains("emptyDir"));
      EXPECT_EQ(pod_of(job)["securityContext"]["runAsUser"], 65532);
      EXPECT_EQ(main_container(job)["securityContext"]["runAsUser"], 65532);
    }
  }
}

TEST(RestrictedProfile, CatchesWhatTheProfileForbids) {
  Json job = build_migrate_job(url_resource(), settings(), inputs());
  Json& c = job["spec"]["template"]["spec"]["containers"][0];
  c["securityContext"]["allowPrivilegeEscalation"] = true;
  c["securityContext"]["capabilities"] = {{"add", {"SYS_ADMIN"}}};
  c["securityContext"].erase("readOnlyRootFilesystem");
  job["spec"]["template"]["spec"]["volumes"].push_back({{"name", "host"}, {"hostPath", {{"path", "/"}}}});
  job["spec"]["template"]["spec"]["initContainers"] = {
      {{"name", "root"}, {"securityContext", {{"runAsUser", 0}}}}};
  const auto problems = pgrevise::testing::restricted_profile_violations(job);
  auto mentions = [&](const std::string& text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(mentions("containers[migrate]: allowPrivilegeEscalation"))
      << ::testing::PrintToString(problems);
  EXPECT_TRUE(mentions("containers[migrate]: capabilities do not drop ALL"));
  EXPECT_TRUE(mentions("adds capability \"SYS_ADMIN\""));
  EXPECT_TRUE(mentions("containers[migrate]: readOnlyRootFilesystem"));
  EXPECT_TRUE(mentions("volume host: type hostPath"));
  EXPECT_TRUE(mentions("initContainers[root]: runAsUser is 0"));
}

TEST(MigrateJob, RunsTheBuiltinRunnerWithSafetyFlags) {
  auto r = url_resource();
  r.spec.version_table = {.schema = "meta", .name = "versions"};
  r.spec.safety.lock_timeout = std::chrono::seconds(3);
  r.spec.safety.statement_timeout = std::chrono::minutes(2);
  r.spec.safety.lock_retries = 7;
  const Json c = main_container(build_migrate_job(r, settings(), inputs()));
  EXPECT_THAT(strings(c["command"]), ElementsAre("pgrevise"));
  EXPECT_THAT(
      strings(c["args"]),
      ElementsAre("migrate", "sync", "--dir", "/migrations", "--version-table", "meta.versions",
                  "--lock-wait", "60s", "--lock-timeout", "3s", "--statement-timeout", "2m", "--lock-retries",
                  "7", "--log-level", "info", "--report", "/dev/termination-log", "--", "heads"));
  EXPECT_EQ(env_entry(c, "PGREVISE_TARGET")["value"], "heads");
}

// spec.safety.allowDrift reaches the runner as --allow-drift; without it the runner refuses drift.
TEST(MigrateJob, PassesAllowDriftOnlyWhenTheResourceSetsIt) {
  auto resource = url_resource();
  const auto without = strings(main_container(build_migrate_job(resource, settings(), inputs()))["args"]);
  EXPECT_THAT(without, ::testing::Not(::testing::Contains("--allow-drift")));
  resource.spec.safety.allow_drift = true;
  const auto with = strings(main_container(build_migrate_job(resource, settings(), inputs()))["args"]);
  EXPECT_EQ(with[1], "sync");
  EXPECT_EQ(with[2], "--allow-drift");
}

TEST(MigrateJob, DowngradesToAResolvedTargetAndFailsAtOnceOnARefusedRevision) {
  auto in = inputs();
  in.direction = Direction::kDowngrade;
  in.target = "-1";
  auto resource = url_resource();
  resource.spec.safety.allow_downgrade = true;
  const Json job = build_migrate_job(resource, settings(), in);
  const auto args = strings(main_container(job)["args"]);
  EXPECT_EQ(args[1], "sync");
  EXPECT_EQ(args[2], "--allow-downgrade");
  EXPECT_EQ(args.back(), "-1");
  EXPECT_EQ(args[args.size() - 2], "--");
  EXPECT_EQ(job["metadata"]["annotations"]["pgrevise.dev/target"], "-1");
  EXPECT_EQ(job["metadata"]["annotations"]["pgrevise.dev/direction"], "downgrade");
  EXPECT_THAT(job["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["values"].get<std::vector<int>>(),
              ElementsAre(1, 2));
}

TEST(MigrateJob, MountsTheConfigMapKeysReadOnly) {
  const Json job = build_migrate_job(url_resource(), settings(), inputs());
  EXPECT_EQ(volume(job, "migrations")["configMap"],
            Json({{"name", "shop-migrations"},
                  {"defaultMode", 0444},
                  {"items",
                   {{{"key", "0001_create_users.sql"}, {"path", "0001_create_users.sql"}},
                    {{"key", "0002_create_clients.sql"}, {"path", "0002_create_clients.sql"}}}}}));
  EXPECT_EQ(mount(main_container(job), "migrations"),
            Json({{"name", "migrations"}, {"mountPath", "/migrations"}, {"readOnly", true}}));
  EXPECT_FALSE(pod_of(job).contains("initContainers"));
  auto all_keys = inputs();
  all_keys.migration_keys.clear();
  EXPECT_FALSE(
      volume(build_migrate_job(url_resource(), settings(), all_keys), "migrations")["configMap"].contains(
          "items"));
}

TEST(MigrateJob, CopiesMigrationsOutOfAnImage) {
  auto r = url_resource();
  r.spec.migrations =
      api::MigrationsSource{.image = api::ImageMigrations{.image = "app:1.4.2", .path = "/app/db"}};
  r.spec.job.resources = {{"limits", {{"memory", "256Mi"}}}};
  for (JobKind kind : {JobKind::kMigrate, JobKind::kPlan}) {
    const Json job = build_job(kind, r, settings(), inputs());
    EXPECT_EQ(volume(job, "migrations"), Json({{"name", "migrations"}, {"emptyDir", Json::object()}}));
    ASSERT_EQ(pod_of(job)["initContainers"].size(), 1u);
    const Json& init = pod_of(job)["initContainers"][0];
    EXPECT_EQ(init["image"], "app:1.4.2");
    EXPECT_THAT(strings(init["command"]), ElementsAre("cp", "-R", "/app/db/.", "/pgrevise-migrations"));
    EXPECT_EQ(init["volumeMounts"],
              Json::array({{{"name", "migrations"}, {"mountPath", "/pgrevise-migrations"}}}));
    EXPECT_EQ(init["resources"], r.spec.job.resources);
    EXPECT_EQ(mount(main_container(job), "migrations"),
              Json({{"name", "migrations"}, {"mountPath", "/migrations"}, {"readOnly", true}}));
  }
  EXPECT_FALSE(pod_of(build_backup_job(r, settings(), inputs())).contains("initContainers"));
}

// A volume mounted over a path hides what the image has there: the copy's volume must be mounted neither at
// the image's folder nor above or below it, whatever the folder is called, and the runner reads the copy
// where its own container mounts the volume.
TEST(MigrateJob, MountsTheCopyWhereItHidesNothingOfTheImagesFolder) {
  struct Case {
    std::string path, source, destination;
  };
  const Case cases[] = {
      {std::string(api::kDefaultImageMigrationsPath), "/migrations/.", "/pgrevise-migrations"},
      {"/migrations/", "/migrations/.", "/pgrevise-migrations"},
      {"/app/db//", "/app/db/.", "/pgrevise-migrations"},
      {"/pgrevise", "/pgrevise/.", "/pgrevise-migrations"},
      {"/pgrevise-migrationsx", "/pgrevise-migrationsx/.", "/pgrevise-migrations"},
      {"/pgrevise-migrations", "/pgrevise-migrations/.", "/pgrevise-migrations-copy"},
      {"/pgrevise-migrations/", "/pgrevise-migrations/.", "/pgrevise-migrations-copy"},
      {"/pgrevise-migrations/sql", "/pgrevise-migrations/sql/.", "/pgrevise-migrations-copy"},
      {"/./pgrevise-migrations/../pgrevise-migrations/sql",
       "/./pgrevise-migrations/../pgrevise-migrations/sql/.", "/pgrevise-migrations-copy"},
      {"/pgrevise-migrations-copy", "/pgrevise-migrations-copy/.", "/pgrevise-migrations"},
      {"/pgrevise-migrations-copy/sql", "/pgrevise-migrations-copy/sql/.", "/pgrevise-migrations"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    auto r = url_resource();
    r.spec.migrations =
        api::MigrationsSource{.image = api::ImageMigrations{.image = "app:1.4.2", .path = c.path}};
    const Json job = build_migrate_job(r, settings(), inputs());
    const Json& init = pod_of(job)["initContainers"][0];
    EXPECT_THAT(strings(init["command"]), ElementsAre("cp", "-R", c.source, c.destination));
    EXPECT_EQ(init["volumeMounts"], Json::array({{{"name", "migrations"}, {"mountPath", c.destination}}}));
    EXPECT_EQ(mount(main_container(job), "migrations")["mountPath"], "/migrations");
    EXPECT_THAT(strings(main_container(job)["args"]), ::testing::Contains("/migrations"));
  }
}

TEST(MigrateJob, RefusesToCopyTheImagesRootFolder) {
  for (const char* path : {"/", "//", "/.", "/app/.."}) {
    SCOPED_TRACE(path);
    auto r = url_resource();
    r.spec.migrations =
        api::MigrationsSource{.image = api::ImageMigrations{.image = "app:1.4.2", .path = path}};
    try {
      build_migrate_job(r, settings(), inputs());
      ADD_FAILURE() << "built";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_THAT(e.what(), ::testing::HasSubstr("spec.migrations.image.path"));
    }
  }
}

TEST(MigrateJob, RunsTheTeamsCommandWithTheTargetInItsEnvironment) {
  auto r = url_resource();
  r.spec.runner.command = api::CommandRunner{
      .image = "app:1.4.2", .command = {"alembic"}, .args = {"upgrade", "$(PGREVISE_TARGET)"}};
  const Json job = build_migrate_job(r, settings(), inputs());
  const Json& c = main_container(job);
  EXPECT_EQ(c["image"], "app:1.4.2");
  EXPECT_THAT(strings(c["command"]), ElementsAre("alembic"));
  EXPECT_THAT(strings(c["args"]), ElementsAre("upgrade", "$(PGREVISE_TARGET)"));
  EXPECT_EQ(env_entry(c, "PGREVISE_TARGET")["value"], "heads");
  EXPECT_EQ(env_entry(c, "PGREVISE_MIGRATIONS_DIR")["value"], "/migrations");
  EXPECT_EQ(env_entry(c, "HOME")["value"], "/tmp");
  EXPECT_EQ(env_entry(c, "DATABASE_URL")["valueFrom"]["secretKeyRef"],
            Json({{"name", "shop-db"}, {"key", "url"}}));
  EXPECT_THAT(job["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["values"].get<std::vector<int>>(),
              ElementsAre(2));
  EXPECT_EQ(c["terminationMessagePolicy"], "FallbackToLogsOnError");
}

TEST(BackupJob, WritesToTheClaimWithRetentionAndCompression) {
  auto r = url_resource();
  r.spec.backup.retain = 3;
  r.spec.backup.compress_level = 6;
  r.spec.job.active_deadline_seconds = 1000;
  const Json job = build_backup_job(r, settings(), inputs());
  const Json& c = main_container(job);
  EXPECT_THAT(strings(c["command"]), ElementsAre("pgrevise"));
  EXPECT_THAT(strings(c["args"]), ElementsAre("backup", "--out", "/backups", "--retain", "3", "--compress",
                                              "6", "--version-table", "public.alembic_version", "--timeout",
                                              "900s", "--report", "/dev/termination-log"));
  EXPECT_EQ(volume(job, "backups"),
            Json({{"name", "backups"}, {"persistentVolumeClaim", {{"claimName", "shop-backups"}}}}));
  EXPECT_EQ(mount(c, "backups"), Json({{"name", "backups"}, {"mountPath", "/backups"}}));
  EXPECT_TRUE(volume(job, "migrations").is_null());  // a backup needs no migration files
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 1000);
}

TEST(BackupJob, NeedsAClaimFromTheResourceOrTheOperator) {
  auto r = url_resource();
  r.spec.backup.persistent_volume_claim.reset();
  try {
    build_backup_job(r, settings(), inputs());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("spec.backup.persistentVolumeClaim"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("apps/shop"));
  }
  auto s = settings();
  s.default_backup_claim_name = "pgrevise-backups";
  s.backup_mount_path = "/var/backups";
  const Json job = build_backup_job(r, s, inputs());
  EXPECT_EQ(volume(job, "backups")["persistentVolumeClaim"]["claimName"], "pgrevise-backups");
  EXPECT_EQ(strings(main_container(job)["args"])[2], "/var/backups");
  EXPECT_EQ(mount(main_container(job), "backups")["mountPath"], "/var/backups");
}

TEST(PlanJob, PrintsTheSqlOfThePlan) {
  const Json job = build_plan_job(url_resource(), settings(), inputs());
  EXPECT_THAT(strings(main_container(job)["args"]),
              ElementsAre("migrate", "plan", "--sql", "--dir", "/migrations", "--version-table",
                          "public.alembic_version", "--log-level", "info", "--report", "/dev/termination-log",
                          "--", "heads"));
  auto in = inputs();
  in.direction = Direction::kDowngrade;
  in.target = "0006";
  const auto args = strings(main_container(build_plan_job(url_resource(), settings(), in))["args"]);
  EXPECT_THAT(std::vector<std::string>(args.begin(), args.begin() + 4),
              ElementsAre("migrate", "plan", "--sql", "--downgrade"));
  EXPECT_EQ(args.back(), "0006");
}

TEST(Credentials, ComeOnlyFromSecretKeyRefs) {
  const Json url_env = main_container(build_migrate_job(url_resource(), settings(), inputs()))["env"];
  EXPECT_EQ(env_entry({{"env", url_env}}, "DATABASE_URL"),
            Json({{"name", "DATABASE_URL"},
                  {"valueFrom", {{"secretKeyRef", {{"name", "shop-db"}, {"key", "url"}}}}}}));
  EXPECT_TRUE(env_entry({{"env", url_env}}, "PGHOST").is_null());
  EXPECT_TRUE(env_entry({{"env", url_env}}, "PGPASSWORD").is_null());

  const Json c = main_container(build_migrate_job(host_resource(), settings(), inputs()));
  EXPECT_EQ(env_entry(c, "PGHOST")["value"], "db.apps.svc");
  EXPECT_EQ(env_entry(c, "PGPORT")["value"], "6543");
  EXPECT_EQ(env_entry(c, "PGDATABASE")["value"], "shop");
  EXPECT_EQ(env_entry(c, "PGUSER")["value"], "shop_owner");
  EXPECT_EQ(env_entry(c, "PGSSLMODE")["value"], "require");
  EXPECT_EQ(env_entry(c, "PGPASSWORD"),
            Json({{"name", "PGPASSWORD"},
                  {"valueFrom", {{"secretKeyRef", {{"name", "shop-pw"}, {"key", "password"}}}}}}));
  EXPECT_TRUE(env_entry(c, "DATABASE_URL").is_null());
}

TEST(Credentials, NeverAppearInTheJob) {
  const std::string canary = "canary-Pw-7c1e9d";
  // What the cluster holds; the builders only ever see the references to it.
  const Json url_secret = {{"metadata", {{"name", "shop-db"}}},
                           {"data", {{"url", base64_encode("postgresql://shop:" + canary + "@db/shop")}}}};
  const Json password_secret = {{"metadata", {{"name", "shop-pw"}}},
                                {"data", {{"password", base64_encode(canary)}}}};
  auto command = url_resource();
  command.spec.runner.command = api::CommandRunner{.image = "app:1", .command = {"alembic"}};
  for (const auto& r : {url_resource(), host_resource(), command}) {
    for (JobKind kind : kAllKinds) {
      const std::string text = build_job(kind, r, settings(), inputs()).dump();
      EXPECT_EQ(text.find(canary), std::string::npos);
      EXPECT_EQ(text.find(base64_encode(canary)), std::string::npos);
      EXPECT_EQ(text.find(url_secret["data"]["url"].get<std::string>()), std::string::npos);
      EXPECT_EQ(text.find(password_secret["data"]["password"].get<std::string>()), std::string::npos);
      EXPECT_EQ(text.find("postgresql://"), std::string::npos);
      EXPECT_EQ(text.find("--database-url"), std::string::npos);
      const Json job = build_job(kind, r, settings(), inputs());
      for (const auto& e : main_container(job)["env"]) {
        if (e["name"] == "DATABASE_URL" || e["name"] == "PGPASSWORD") {
          EXPECT_TRUE(e.contains("valueFrom") && !e.contains("value")) << e.dump();
        }
      }
    }
  }
}

TEST(Overrides, AreAppliedToEveryJob) {
  auto r = url_resource();
  api::JobOverrides& o = r.spec.job;
  o.image = "mirror.example/pgrevise:1.2.3";
  o.service_account_name = "migrations";
  o.resources = {{"requests", {{"cpu", "100m"}}}, {"limits", {{"memory", "512Mi"}}}};
  o.node_selector = {{"pool", "db-tools"}};
  o.tolerations =
      Json::array({{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "db"}, {"effect", "NoSchedule"}}});
  o.affinity = {{"nodeAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", Json::object()}}}};
  o.image_pull_secrets = {"regcred", "mirror"};
  o.active_deadline_seconds = 600;
  o.backoff_limit = 2;
  o.ttl_seconds_after_finished = 86400;
  o.pod_labels = {{"team", "billing"}, {"app.kubernetes.io/name", "not-ours"}};
  o.pod_annotations = {{"sidecar.istio.io/inject", "false"}};
  for (JobKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Json job = build_job(kind, r, settings(), inputs());
    const Json& pod = pod_of(job);
    EXPECT_EQ(main_container(job)["image"], "mirror.example/pgrevise:1.2.3");
    EXPECT_EQ(main_container(job)["resources"], o.resources);
    EXPECT_EQ(pod["serviceAccountName"], "migrations");
    EXPECT_EQ(pod["nodeSelector"], Json({{"pool", "db-tools"}}));
    EXPECT_EQ(pod["tolerations"], o.tolerations);
    EXPECT_EQ(pod["affinity"], o.affinity);
    EXPECT_EQ(pod["imagePullSecrets"], Json({{{"name", "regcred"}}, {{"name", "mirror"}}}));
    EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 600);
    EXPECT_EQ(job["spec"]["backoffLimit"], 2);
    EXPECT_EQ(job["spec"]["ttlSecondsAfterFinished"], 86400);
    const Json& pod_meta = job["spec"]["template"]["metadata"];
    EXPECT_EQ(pod_meta["labels"]["team"], "billing");
    EXPECT_EQ(pod_meta["labels"]["app.kubernetes.io/name"], "pgrevise");  // ours select the Pods
    EXPECT_EQ(pod_meta["annotations"], Json({{"sidecar.istio.io/inject", "false"},
                                             {"kubectl.kubernetes.io/default-container", to_string(kind)}}));
  }
}

// A webhook may inject sidecars into the Pods, and the kubelet sorts container statuses by name: readers find
// the main container by the name its Job's kind gives it, and `kubectl logs` picks it by the annotation.
TEST(Jobs, NameTheirKindAndMainContainerForReadersOfTheirPods) {
  for (JobKind kind : kAllKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const Json job = build_job(kind, url_resource(), settings(), inputs());
    const Json& pod_template = job["spec"]["template"];
    EXPECT_EQ(job_kind_of(job), kind);
    EXPECT_EQ(job_kind_of(pod_template), kind);
    EXPECT_EQ(main_container(job)["name"], main_container_name(kind));
    EXPECT_EQ(pod_template["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
              main_container_name(kind));
  }
  EXPECT_THAT(std::vector<std::string_view>({main_container_name(JobKind::kBackup),
                                             main_container_name(JobKind::kMigrate),
                                             main_container_name(JobKind::kPlan)}),
              ElementsAre("backup", "migrate", "plan"));
  EXPECT_EQ(job_kind_of(Json::object()), std::nullopt);
  EXPECT_EQ(job_kind_of({{"metadata", {{"labels", {{"app.kubernetes.io/component", "web"}}}}}}),
            std::nullopt);

  auto r = url_resource();
  r.spec.job.pod_annotations = {{"kubectl.kubernetes.io/default-container", "chosen-by-the-team"}};
  EXPECT_EQ(
      build_migrate_job(
          r, settings(),
          inputs())["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
      "chosen-by-the-team");
}

TEST(Overrides, FallBackToTheOperatorsSettings) {
  auto s = settings();
  s.service_account_name = "pgrevise-runner";
  s.image_pull_policy = "IfNotPresent";
  s.default_resources = {{"requests", {{"memory", "64Mi"}}}};
  const Json job = build_migrate_job(url_resource(), s, inputs());
  EXPECT_EQ(pod_of(job)["serviceAccountName"], "pgrevise-runner");
  EXPECT_EQ(main_container(job)["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(main_container(job)["resources"], s.default_resources);
  EXPECT_FALSE(
      pod_of(build_migrate_job(url_resource(), settings(), inputs())).contains("serviceAccountName"));
  EXPECT_FALSE(main_container(build_migrate_job(url_resource(), settings(), inputs())).contains("resources"));
}

TEST(Labels, StayValidForLongResourceNames) {
  auto r = url_resource();
  r.metadata.name = std::string(120, 'a') + ".b";
  const Json job = build_migrate_job(r, settings(), inputs());
  for (const auto& [k, v] : job["metadata"]["labels"].items()) {
    EXPECT_LE(v.get<std::string>().size(), 63u) << k;
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(v.get<std::string>().back()))) << k;
  }
  EXPECT_LE(job["metadata"]["name"].get<std::string>().size(), 63u);
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["name"], r.metadata.name);
}

}  // namespace
}  // namespace pgrevise::specs
