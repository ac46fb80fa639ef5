// The CustomResourceDefinition: names, printer columns, a structural schema whose defaults and patterns agree
// with the operator's code, and room for every field the operator writes (nothing it writes gets pruned).
#include <gtest/gtest.h>

#include <regex>

#include "api/json.h"
#include "api/validation.h"
#include "common/duration.h"
#include "crd_schema_check.h"
#include "support/fake_api_schema.h"
#include "test_files.h"

namespace pgrevise::api {
namespace {

const Json& crd() {
  static const Json c = testing::load_crd();
  return c;
}
const Json& schema() {
  static const Json s = testing::crd_schema(crd());
  return s;
}
const Json& spec_schema() {
  return schema()["properties"]["spec"];
}

TEST(Crd, NamesScopeAndVersion) {
  const Json& s = crd()["spec"];
  EXPECT_EQ(crd()["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd()["metadata"]["name"], "postgresmigrations.pgrevise.dev");
  EXPECT_EQ(s["group"], kGroup);
  EXPECT_EQ(s["scope"], "Namespaced");
  EXPECT_EQ(s["names"]["kind"], kKind);
  EXPECT_EQ(s["names"]["plural"], kPlural);
  EXPECT_EQ(s["names"]["singular"], kSingular);
  EXPECT_EQ(s["names"]["shortNames"], Json::array({std::string(kShortName)}));
  ASSERT_EQ(s["versions"].size(), 1u);
  EXPECT_EQ(s["versions"][0]["name"], kVersion);
  EXPECT_TRUE(s["versions"][0]["served"].get<bool>());
  EXPECT_TRUE(s["versions"][0]["subresources"].contains("status"));
}

TEST(Crd, TheFakeApiServerServesIt) {
  const auto resource = pgrevise::testing::resource_from_crd(crd());
  EXPECT_EQ(resource.api_version(), kApiVersion);
  EXPECT_EQ(resource.resource, kPlural);
  EXPECT_TRUE(resource.status_subresource);
  EXPECT_TRUE(resource.namespaced);
  EXPECT_TRUE(resource.schema.is_object());
}

TEST(Crd, PrinterColumns) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& c : crd()["spec"]["versions"][0]["additionalPrinterColumns"]) {
    columns.emplace_back(c["name"], c["jsonPath"]);
  }
  EXPECT_EQ(columns, (std::vector<std::pair<std::string, std::string>>{
                         {"Target", ".spec.targetRevision"},
                         {"Current", ".status.currentHeads"},
                         {"Phase", ".status.phase"},
                         {"Ready", ".status.conditions[?(@.type==\"Ready\")].status"},
                         {"Age", ".metadata.creationTimestamp"}}));
}

TEST(Crd, RequiredSpecFields) {
  EXPECT_EQ(spec_schema()["required"], Json::array({"database", "targetRevision", "migrations"}));
}

// Structural schema: every node says its type (or is int-or-string, or keeps unknown fields), and a node
// never has both properties and additionalProperties.
void expect_structural(const Json& node, const std::string& path) {
  const bool typed = node.contains("type") || node.value("x-kubernetes-int-or-string", false);
  EXPECT_TRUE(typed) << path << " has no type";
  EXPECT_FALSE(node.contains("properties") && node.contains("additionalProperties")) << path;
  if (node.contains("default")) {
    for (const auto& v : testing::check_against_schema(node["default"], node)) {
      ADD_FAILURE() << path << ": default is invalid: " << v.message;
    }
  }
  const Json properties = node.value("properties", Json::object());
  for (const auto& [key, child] : properties.items()) {
    expect_structural(child, path + "." + key);
  }
  if (node.contains("items")) expect_structural(node["items"], path + "[]");
  if (node.value("additionalProperties", Json()).is_object())
    expect_structural(node["additionalProperties"], path + "{}");
}

TEST(Crd, SchemaIsStructuralAndDefaultsAreValid) {
  expect_structural(schema(), "");
}

TEST(Crd, CrossFieldRulesAreDeclared) {
  const auto rules = [](const Json& node) {
    std::string all;
    for (const auto& r : node.value("x-kubernetes-validations", Json::array()))
      all += r["rule"].get<std::string>() + "\n";
    return all;
  };
  EXPECT_NE(rules(spec_schema()["properties"]["database"]).find("has(self.urlSecretRef) != has(self.host)"),
            std::string::npos);
  EXPECT_NE(
      rules(spec_schema()["properties"]["migrations"]).find("has(self.configMapRef) != has(self.image)"),
      std::string::npos);
  EXPECT_NE(rules(spec_schema()["properties"]["targetRevision"]).find("matches"), std::string::npos);
}

// The schema's guard on targetRevision agrees with the operator's own check, for the revision ids Alembic
// takes (any string but one holding '@', '-' or '+', of any length the version table holds) and for what no
// id can be.
TEST(Crd, TargetRevisionPatternAgreesWithTheOperatorsCheck) {
  const Json& field = spec_schema()["properties"]["targetRevision"];
  EXPECT_EQ(field["maxLength"], kMaxTargetLength);
  const std::regex pattern(field["pattern"].get<std::string>());
  const std::string long_id = "089_allow_auto_entries_no_project";
  for (const std::string& target : std::vector<std::string>{
           long_id, "billing@" + long_id, long_id + "+2", std::string(200, 'z'), "v1.2 größe", "a,b", "heads",
           std::string("rev\n"), std::string("bill\ning@head"), std::string("a\rb")}) {
    EXPECT_EQ(std::regex_search(target, pattern), target_syntax_problem(target).empty()) << target;
  }
}

TEST(Crd, DurationPatternAgreesWithTheOperatorsParser) {
  const Json& safety = spec_schema()["properties"]["safety"]["properties"];
  for (const char* field : {"lockTimeout", "statementTimeout"}) {
    const std::regex pattern(safety[field]["pattern"].get<std::string>());
    for (const std::string text : {"0", "5s", "250ms", "1m30s", "2h", "1.5s", "1.s", ".5s", "1h2m3s", "10us",
                                   "", "5", "5x", "-5s", "5 s", "s", "1..5s", "10 minutes", "0x10s"}) {
      EXPECT_EQ(std::regex_search(text, pattern), parse_duration(text).has_value())
          << field << " \"" << text << "\"";
    }
  }
}

// A resource with every field the operator reads or writes set.
PostgresMigration everything_set() {
  PostgresMigration pgm;
  pgm.metadata.name = "app";
  pgm.metadata.ns = "shop";
  Spec& s = pgm.spec;
  s.database = DatabaseSpec{.host = "db",
                            .port = 5433,
                            .dbname = "app",
                            .user = "app",
                            .password_secret_ref = SecretKeyRef{"pw", "password"},
                            .ssl_mode = "require"};
  s.target_revision = "billing@head";
  s.migrations.image = ImageMigrations{"app:1", "/app/migrations"};
  s.runner.command = CommandRunner{"app:1", {"alembic"}, {"upgrade", "$(PGREVISE_TARGET)"}};
  s.backup.persistent_volume_claim = PersistentVolumeClaimRef{"db-backups"};
  s.safety.allow_downgrade = true;
  s.dry_run = true;
  s.suspend = true;
  s.job = JobOverrides{.image = "pgrevise:1",
                       .service_account_name = "migrator",
                       .resources = {{"limits", {{"memory", "1Gi"}}}},
                       .node_selector = {{"pool", "db"}},
                       .tolerations = Json::array({{{"key", "db"}, {"operator", "Exists"}}}),
                       .affinity = {{"nodeAffinity", Json::object()}},
                       .image_pull_secrets = {"regcred"},
                       .ttl_seconds_after_finished = 600,
                       .pod_labels = {{"a", "b"}},
                       .pod_annotations = {{"c", "d"}}};
  Status& st = pgm.status;
  st.observed_generation = 2;
  st.phase = Phase::kMigrating;
  st.current_heads = {"0010"};
  st.target_heads = {"0016"};
  st.pending_revisions = {"0011"};
  st.progress = Progress{.revision = "0011",
                         .done = 1,
                         .total = 6,
                         .running = {.statement = "REINDEX INDEX CONCURRENTLY a_idx",
                                     .running_seconds = 3,
                                     .phase = "building index: loading tuples in tree",
                                     .blocks_done = 0,
                                     .blocks_total = 0,
                                     .tuples_done = 500,
                                     .tuples_total = 1000}};
  st.last_run = LastRun{"2026-11-30T08:00:00Z",
                        "2026-11-30T08:01:00Z",
                        "Failed",
                        {{"0010", "upgrade", 5}},
                        "boom",
                        "0011",
                        "42P07"};
  st.last_backup = LastBackup{"f.dump", 1, "ab", "2026-11-30T07:00:00Z", "2026-11-30T07:01:00Z", "0010"};
  st.active_job = "app-migrate-x";
  st.dry_run_config_map = "app-plan";
  st.failed_plan_hash = "h";
  st.last_retry_token = "t";
  st.conditions = {{"Ready", "False", "MigrationRunning", "m", "2026-11-30T08:00:00Z", 2}};
  return pgm;
}

TEST(Crd, NothingTheOperatorWritesIsPrunedOrRefused) {
  Json object = to_json(everything_set());
  EXPECT_EQ(pgrevise::testing::prune_unknown_fields(object, schema()), std::vector<std::string>{});
  for (const auto& v : testing::check_against_schema(object, schema()))
    ADD_FAILURE() << v.path << ": " << v.message;
  EXPECT_EQ(parse_postgres_migration(object), everything_set());
}

// The spec and status fields that hold revision ids take long ones whole.
TEST(Crd, LongRevisionIdsAreNeitherPrunedNorRefused) {
  const std::string readable = "089_allow_auto_entries_no_project";
  const std::string wide = std::string(200, 'w') + " größe";
  PostgresMigration pgm = everything_set();
  pgm.spec.target_revision = "billing@" + wide;
  Status& st = pgm.status;
  st.current_heads = {readable, wide};
  st.target_heads = {wide};
  st.pending_revisions = {readable, wide};
  st.progress = Progress{wide, 1, 2};
  st.last_run->steps = {{readable, "upgrade", 5}, {wide, "upgrade", 7}};
  st.last_run->revision = wide;
  st.last_backup->revision = readable;
  Json object = to_json(pgm);
  EXPECT_EQ(pgrevise::testing::prune_unknown_fields(object, schema()), std::vector<std::string>{});
  for (const auto& v : testing::check_against_schema(object, schema()))
    ADD_FAILURE() << v.path << ": " << v.message;
  EXPECT_EQ(parse_postgres_migration(object), pgm);
}

}  // namespace
}  // namespace pgrevise::api
