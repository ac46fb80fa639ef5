#include "specs/names.h"

#include <functional>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "specs/jobs.h"
#include "unit/specs/fixtures.h"

namespace pgrevise::specs {
namespace {

using testing::inputs;
using testing::url_resource;

bool is_dns_label(const std::string& name) {
  static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return name.size() <= 63 && std::regex_match(name, label);
}

bool is_label_value(const std::string& value) {
  static const std::regex pattern("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  return value.size() <= 63 && std::regex_match(value, pattern);
}

struct Change {
  std::string what;
  std::function<void(api::PostgresMigration&, RunInputs&)> apply;
};

std::string name_after(const Change& change, JobKind kind) {
  auto r = url_resource();
  auto in = inputs();
  change.apply(r, in);
  return job_name(r, kind, in);
}

TEST(JobNames, AreDeterministicAndNamedAfterResourceAndKind) {
  const auto r = url_resource();
  EXPECT_EQ(job_name(r, JobKind::kMigrate, inputs()), job_name(r, JobKind::kMigrate, inputs()));
  EXPECT_EQ(plan_hash_input(r, JobKind::kBackup, inputs()), plan_hash_input(r, JobKind::kBackup, inputs()));
  const std::string name = job_name(r, JobKind::kMigrate, inputs());
  EXPECT_TRUE(std::regex_match(name, std::regex("shop-migrate-[0-9a-f]{10}"))) << name;
  EXPECT_EQ(name, "shop-migrate-" + plan_hash(r, JobKind::kMigrate, inputs()).substr(0, 10));
  EXPECT_TRUE(job_name(r, JobKind::kBackup, inputs()).starts_with("shop-backup-"));
  EXPECT_TRUE(job_name(r, JobKind::kPlan, inputs()).starts_with("shop-plan-"));
  EXPECT_EQ(plan_hash(r, JobKind::kPlan, inputs()).size(), 64u);
}

// Pinned: a change here renames every Job, so an upgraded operator would not find the Jobs of runs already
// done and would run them again. Change the hash input only with a new "format" and a migration path.
TEST(JobNames, AreStableAcrossReleases) {
  EXPECT_EQ(job_name(url_resource(), JobKind::kBackup, inputs()), "shop-backup-dba8fef9c5");
  EXPECT_EQ(job_name(url_resource(), JobKind::kMigrate, inputs()), "shop-migrate-860d804057");
  EXPECT_EQ(job_name(url_resource(), JobKind::kPlan, inputs()), "shop-plan-146a5a9d4f");
  const Json in = plan_hash_input(url_resource(), JobKind::kMigrate, inputs());
  EXPECT_EQ(in["format"], 1);
  EXPECT_EQ(in["generation"], 3);
  EXPECT_FALSE(in.contains("direction"));
  EXPECT_EQ(in["safety"], Json({{"lockRetries", 5}, {"lockTimeout", "5s"}, {"statementTimeout", "0"}}));
  EXPECT_EQ(in["database"]["urlSecretRef"], Json({{"key", "url"}, {"name", "shop-db"}}));
}

TEST(JobNames, ChangeWithEveryInputThatMatters) {
  const std::vector<Change> changes = {
      {"target", [](auto& r, auto&) { r.spec.target_revision = "0010"; }},
      {"resolved target", [](auto&, auto& in) { in.target = "0016"; }},
      {"migration set", [](auto&, auto& in) { in.migrations_digest = "ffff"; }},
      {"url secret name", [](auto& r, auto&) { r.spec.database.url_secret_ref->name = "other-db"; }},
      {"url secret key", [](auto& r, auto&) { r.spec.database.url_secret_ref->key = "dsn"; }},
      {"version table schema", [](auto& r, auto&) { r.spec.version_table.schema = "meta"; }},
      {"version table name", [](auto& r, auto&) { r.spec.version_table.name = "versions"; }},
      {"retry token", [](auto& r, auto&) { r.metadata.annotations["pgrevise.dev/retry"] = "1"; }},
      {"resource uid", [](auto& r, auto&) { r.metadata.uid = "recreated"; }},
      {"namespace", [](auto& r, auto&) { r.metadata.ns = "staging"; }},
      // A spec set again later (a GitOps revert to an earlier target) is a new run, not the old Job.
      {"generation", [](auto& r, auto&) { r.metadata.generation = 4; }},
  };
  for (JobKind kind : {JobKind::kBackup, JobKind::kMigrate, JobKind::kPlan}) {
    const std::string before = job_name(url_resource(), kind, inputs());
    for (const auto& change : changes)
      EXPECT_NE(name_after(change, kind), before) << change.what << " for " << to_string(kind);
  }
}

TEST(JobNames, ChangeOnlyWithWhatTheirKindDependsOn) {
  const std::vector<Change> migrate_only = {
      {"lock timeout", [](auto& r, auto&) { r.spec.safety.lock_timeout = std::chrono::seconds(9); }},
      {"statement timeout",
       [](auto& r, auto&) { r.spec.safety.statement_timeout = std::chrono::minutes(1); }},
      {"lock retries", [](auto& r, auto&) { r.spec.safety.lock_retries = 1; }},
      {"allowDrift", [](auto& r, auto&) { r.spec.safety.allow_drift = true; }},
      {"command runner",
       [](auto& r, auto&) {
         r.spec.runner.command = api::CommandRunner{.image = "app:1", .command = {"alembic"}};
       }},
  };
  const std::vector<Change> backup_only = {
      {"claim", [](auto& r, auto&) { r.spec.backup.persistent_volume_claim->claim_name = "elsewhere"; }},
      {"retain", [](auto& r, auto&) { r.spec.backup.retain = 9; }},
      {"compress", [](auto& r, auto&) { r.spec.backup.compress_level = 6; }},
  };
  const auto base = [](JobKind k) { return job_name(url_resource(), k, inputs()); };
  for (const auto& c : migrate_only) {
    EXPECT_NE(name_after(c, JobKind::kMigrate), base(JobKind::kMigrate)) << c.what;
    EXPECT_EQ(name_after(c, JobKind::kBackup), base(JobKind::kBackup)) << c.what;
  }
  for (const auto& c : backup_only) {
    EXPECT_NE(name_after(c, JobKind::kBackup), base(JobKind::kBackup)) << c.what;
    EXPECT_EQ(name_after(c, JobKind::kMigrate), base(JobKind::kMigrate)) << c.what;
  }
}

// In a cluster these spec edits come with a new generation (and so a new name); what is shown here is that
// the fields themselves are not part of what a run is.
TEST(JobNames, IgnoreWhatDoesNotChangeTheRun) {
  const std::vector<Change> same = {
      {"resourceVersion", [](auto& r, auto&) { r.metadata.resource_version = "12345"; }},
      {"other annotation", [](auto& r, auto&) { r.metadata.annotations["team"] = "billing"; }},
      {"labels", [](auto& r, auto&) { r.metadata.labels["env"] = "prod"; }},
      {"allowDowngrade", [](auto& r, auto&) { r.spec.safety.allow_downgrade = true; }},
      {"suspend", [](auto& r, auto&) { r.spec.suspend = true; }},
      {"job image", [](auto& r, auto&) { r.spec.job.image = "mirror/pgrevise:1"; }},
      {"job resources",
       [](auto& r, auto&) {
         r.spec.job.resources = {{"limits", {{"cpu", "1"}}}};
       }},
      {"job backoff", [](auto& r, auto&) { r.spec.job.backoff_limit = 4; }},
      {"job pod labels", [](auto& r, auto&) { r.spec.job.pod_labels["x"] = "y"; }},
      {"status", [](auto& r, auto&) { r.status.active_job = "shop-migrate-0123456789"; }},
      {"mounted keys", [](auto&, auto& in) { in.migration_keys.push_back("0003_x.sql"); }},
      // Implied by the heads, which the run itself moves: a finished downgrade must keep its Job's name.
      {"direction", [](auto&, auto& in) { in.direction = Direction::kDowngrade; }},
  };
  for (JobKind kind : {JobKind::kBackup, JobKind::kMigrate, JobKind::kPlan}) {
    const std::string before = job_name(url_resource(), kind, inputs());
    for (const auto& change : same)
      EXPECT_EQ(name_after(change, kind), before) << change.what << " for " << to_string(kind);
  }
}

TEST(JobNames, StayValidAndDistinctForLongResourceNames) {
  std::string long_name;
  while (long_name.size() < 240) long_name += "payments.service-";
  long_name += "db";
  std::set<std::string> names;
  for (const std::string& resource : {long_name, long_name + "2", std::string("a.b"), std::string("a-b"),
                                      std::string(63, 'x'), std::string("-odd-.")}) {
    auto r = url_resource();
    r.metadata.name = resource;
    for (JobKind kind : {JobKind::kBackup, JobKind::kMigrate, JobKind::kPlan}) {
      const std::string name = job_name(r, kind, inputs());
      EXPECT_TRUE(is_dns_label(name)) << name;
      EXPECT_LE(name.size(), 63u) << name;
      names.insert(name);
    }
  }
  EXPECT_EQ(names.size(), 18u);  // the hash covers the full name, so shortened names still differ
  EXPECT_EQ(job_name("", JobKind::kMigrate, std::string(64, 'a')), "pgm-migrate-aaaaaaaaaa");
}

// A target is a revision id of any length the version table holds, with any characters Alembic takes: the
// Job's name and labels stay short (a hash of it), while the Job carries the whole target to the runner.
TEST(JobNames, StayValidForLongRevisionTargets) {
  std::set<std::string> names;
  const std::vector<std::string> targets = {
      "089_allow_auto_entries_no_project", std::string(64, 'z'),    std::string(1024, 'z'),
      "billing@" + std::string(300, 'y'),  "add users table größe", std::string(64, 'z') + "+1"};
  for (const auto& target : targets) {
    auto r = url_resource();
    r.spec.target_revision = target;
    for (JobKind kind : {JobKind::kMigrate, JobKind::kPlan}) {
      const std::string name = job_name(r, kind, inputs());
      EXPECT_TRUE(is_dns_label(name)) << name;
      names.insert(name);
      const Json job = build_job(kind, r, testing::settings(), inputs());
      for (const auto& [key, value] : job["metadata"]["labels"].items())
        EXPECT_TRUE(is_label_value(value.get<std::string>())) << key << "=" << value;
      EXPECT_EQ(job["metadata"]["annotations"][std::string(kTargetAnnotation)], target);
      const Json& args = job["spec"]["template"]["spec"]["containers"][0]["args"];
      EXPECT_EQ(args.back(), target) << args;
    }
  }
  EXPECT_EQ(names.size(), 2 * targets.size());
}

TEST(LabelValues, PassValidValuesAndShortenOthers) {
  EXPECT_EQ(label_value("shop"), "shop");
  EXPECT_EQ(label_value("a.b_c-d"), "a.b_c-d");
  EXPECT_EQ(label_value(""), "");
  const std::string long_text(200, 'n');
  const std::string shortened = label_value(long_text);
  EXPECT_TRUE(is_label_value(shortened)) << shortened;
  EXPECT_NE(shortened, label_value(long_text + "m"));
  for (const std::string& odd :
       {std::string("-x-"), std::string("a b/c"), std::string("..."), long_text + "."})
    EXPECT_TRUE(is_label_value(label_value(odd))) << odd << " -> " << label_value(odd);
}

TEST(MigrationDigests, FollowTheSqlFilesOnly) {
  Json cm = {{"data", {{"0001_a.sql", "-- revision: 0001\n"}, {"README.md", "notes"}}}};
  const std::string digest = migrations_digest_from_config_map(cm);
  EXPECT_EQ(digest, migrations_digest_from_config_map(cm));
  Json readme_changed = cm;
  readme_changed["data"]["README.md"] = "other notes";
  EXPECT_EQ(migrations_digest_from_config_map(readme_changed), digest);
  Json content_changed = cm;
  content_changed["data"]["0001_a.sql"] = "-- revision: 0001\nSELECT 1;\n";
  EXPECT_NE(migrations_digest_from_config_map(content_changed), digest);
  Json renamed = {{"data", {{"0001_b.sql", "-- revision: 0001\n"}, {"README.md", "notes"}}}};
  EXPECT_NE(migrations_digest_from_config_map(renamed), digest);
  Json added = cm;
  added["binaryData"] = {{"0002_b.sql", "LS0gcmV2aXNpb246IDAwMDIK"}};
  EXPECT_NE(migrations_digest_from_config_map(added), digest);
  EXPECT_EQ(migration_keys_of(added), (std::vector<std::string>{"0001_a.sql", "0002_b.sql"}));
}

TEST(MigrationDigests, OfAnImageFollowTheReferenceAndPath) {
  api::ImageMigrations image{.image = "app@sha256:abc", .path = "/app/migrations"};
  const std::string digest = migrations_digest_from_image(image);
  EXPECT_EQ(digest, migrations_digest_from_image(image));
  EXPECT_NE(migrations_digest_from_image({.image = "app@sha256:abd", .path = "/app/migrations"}), digest);
  EXPECT_NE(migrations_digest_from_image({.image = "app@sha256:abc", .path = "/srv/migrations"}), digest);
}

// A resource's name may be as long as any object name (253 characters, dots allowed): the Jobs' names (which
// become the Pods' job-name label) and every label value stay within 63 characters.
std::string longest_name(char last) {
  std::string name;
  while (name.size() < 252) name += "payments.";
  name.resize(252);
  if (name.back() == '.') name.back() = 'p';
  return name + last;
}

TEST(JobNames, OfTheLongestResourceNameAreValidAndSoAreTheirLabels) {
  std::set<std::string> names;
  std::set<std::string> resource_labels;
  for (char last : {'a', 'b'}) {
    auto r = url_resource();
    r.metadata.name = longest_name(last);
    ASSERT_EQ(r.metadata.name.size(), 253u);
    for (JobKind kind : {JobKind::kBackup, JobKind::kMigrate, JobKind::kPlan}) {
      const Json job = build_job(kind, r, testing::settings(), inputs());
      const std::string name = job["metadata"]["name"];
      EXPECT_TRUE(is_dns_label(name)) << name;
      names.insert(name);
      for (const Json* labels : {&job["metadata"]["labels"], &job["spec"]["template"]["metadata"]["labels"]})
        for (const auto& [key, value] : labels->items())
          EXPECT_TRUE(is_label_value(value.get<std::string>())) << key << "=" << value;
      resource_labels.insert(job["metadata"]["labels"][std::string(kResourceLabel)].get<std::string>());
    }
  }
  EXPECT_EQ(names.size(), 6u);            // the hash covers the whole name
  EXPECT_EQ(resource_labels.size(), 2u);  // one selector value per resource, distinct for distinct names
}

}  // namespace
}  // namespace pgrevise::specs
