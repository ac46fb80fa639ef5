// Every manifest under examples/ is a valid resource for both the CRD's schema and the operator's own
// validation, everything it references is in examples/, and the ConfigMap carries exactly migrations/.
#include <gtest/gtest.h>

#include <set>

#include "api/json.h"
#include "crd_schema_check.h"
#include "support/fake_api_schema.h"
#include "support/fake_api_state.h"
#include "test_files.h"

namespace pgrevise::api {
namespace {

namespace fs = std::filesystem;
using testing::load_crd;
using testing::load_yaml;
using testing::source_dir;

struct ExampleDocument {
  std::string file;
  Json object;
};

std::vector<ExampleDocument> example_documents() {
  std::vector<ExampleDocument> docs;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(source_dir() / "examples")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    for (auto& object : load_yaml(file)) docs.push_back({file.filename().string(), std::move(object)});
  }
  return docs;
}

std::vector<ExampleDocument> of_kind(const std::string& kind) {
  std::vector<ExampleDocument> out;
  for (auto& doc : example_documents()) {
    if (doc.object.value("kind", "") == kind) out.push_back(std::move(doc));
  }
  return out;
}

TEST(Examples, ThereIsOneOfEachKindTheIssueAsksFor) {
  std::set<std::string> files;
  bool command_runner = false;
  bool backup_disabled = false;
  for (const auto& doc : of_kind("PostgresMigration")) {
    files.insert(doc.file);
    const PostgresMigration pgm = parse_postgres_migration(doc.object);
    command_runner |= !pgm.spec.runner.builtin();
    backup_disabled |= !pgm.spec.backup.enabled;
  }
  EXPECT_EQ(files,
            (std::set<std::string>{"alembic-runner.yaml", "no-backup.yaml", "postgresmigration.yaml"}));
  EXPECT_TRUE(command_runner);
  EXPECT_TRUE(backup_disabled);
}

TEST(Examples, EveryResourcePassesTheOperatorsValidation) {
  for (const auto& doc : of_kind("PostgresMigration")) {
    const ParseOutcome outcome = read_postgres_migration(doc.object);
    EXPECT_TRUE(outcome.ok()) << doc.file << ":\n" << describe(outcome.errors);
  }
}

TEST(Examples, EveryResourceMatchesTheCrdSchemaWithNothingPruned) {
  const Json schema = testing::crd_schema(load_crd());
  ASSERT_TRUE(schema.is_object());
  const auto docs = of_kind("PostgresMigration");
  ASSERT_FALSE(docs.empty());
  for (const auto& doc : docs) {
    Json object = doc.object;
    EXPECT_EQ(pgrevise::testing::prune_unknown_fields(object, schema), std::vector<std::string>{})
        << doc.file;
    for (const auto& v : testing::check_against_schema(doc.object, schema)) {
      ADD_FAILURE() << doc.file << ": " << v.path << ": " << v.message;
    }
  }
}

TEST(Examples, AsStoredByTheApiServerTheyReadTheSame) {
  // The API server fills the CRD's defaults; the operator must see the same spec either way.
  const Json schema = testing::crd_schema(load_crd());
  for (const auto& doc : of_kind("PostgresMigration")) {
    Json defaulted = doc.object;
    testing::apply_defaults(defaulted, schema);
    EXPECT_EQ(parse_postgres_migration(defaulted).spec, parse_postgres_migration(doc.object).spec)
        << doc.file;
  }
}

TEST(Examples, TheFakeApiServerStoresEachWithStrictFieldValidationAndItsStatusWholly) {
  pgrevise::testing::FakeApiState state;
  const auto resource = pgrevise::testing::resource_from_crd(load_crd());
  state.register_resource(resource);
  for (const auto& doc : of_kind("PostgresMigration")) {
    const auto created = state.create(resource, "default", doc.object, /*strict_fields=*/true);
    ASSERT_EQ(created.status, 201) << doc.file << ": " << created.body.dump();
    PostgresMigration stored = parse_postgres_migration(created.body);
    EXPECT_EQ(stored.spec, parse_postgres_migration(doc.object).spec) << doc.file;
    EXPECT_EQ(stored.metadata.generation, 1);
    EXPECT_FALSE(stored.metadata.uid.empty());

    stored.status.observed_generation = 1;
    stored.status.phase = Phase::kFailed;
    stored.status.current_heads = {"0011"};
    stored.status.last_run = LastRun{.result = std::string(kRunFailed),
                                     .steps = {{"0011", "upgrade", 7}},
                                     .message = "boom",
                                     .revision = "0012",
                                     .sqlstate = "42P07"};
    stored.status.conditions = {{"Ready", "False", "MigrationFailed", "boom", "2026-11-30T08:00:00Z", 1}};
    const auto updated = state.update(resource, "default", stored.metadata.name, to_json(stored),
                                      /*status_endpoint=*/true, /*strict_fields=*/true);
    ASSERT_EQ(updated.status, 200) << doc.file << ": " << updated.body.dump();
    EXPECT_EQ(parse_status(updated.body["status"]), stored.status) << doc.file;
  }
}

TEST(Examples, TheFakeApiServerRefusesATypoWithStrictFieldValidation) {
  pgrevise::testing::FakeApiState state;
  const auto resource = pgrevise::testing::resource_from_crd(load_crd());
  state.register_resource(resource);
  Json object = of_kind("PostgresMigration").at(0).object;
  object["spec"]["targetRevison"] = "heads";
  const auto refused = state.create(resource, "default", object, /*strict_fields=*/true);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.dump().find("spec.targetRevison"), std::string::npos) << refused.body.dump();
}

TEST(Examples, ReferencedSecretsAndConfigMapsAreInTheExamples) {
  std::map<std::string, std::set<std::string>> secret_keys;
  std::set<std::string> config_maps;
  for (const auto& doc : example_documents()) {
    const std::string kind = doc.object.value("kind", "");
    const std::string name = doc.object["metadata"].value("name", "");
    if (kind == "Secret") {
      for (const char* field : {"data", "stringData"}) {
        const Json values = doc.object.value(field, Json::object());
        for (const auto& [key, _] : values.items()) secret_keys[name].insert(key);
      }
    }
    if (kind == "ConfigMap") config_maps.insert(name);
  }
  for (const auto& doc : of_kind("PostgresMigration")) {
    const Spec spec = parse_postgres_migration(doc.object).spec;
    for (const auto& ref : {spec.database.url_secret_ref, spec.database.password_secret_ref}) {
      if (!ref) continue;
      EXPECT_TRUE(secret_keys[ref->name].contains(ref->key))
          << doc.file << ": " << ref->name << "/" << ref->key;
    }
    if (spec.migrations.config_map_ref) {
      EXPECT_TRUE(config_maps.contains(spec.migrations.config_map_ref->name)) << doc.file;
    }
  }
}

TEST(Examples, TheMigrationsConfigMapCarriesExactlyTheFilesOfMigrations) {
  std::map<std::string, std::string> expected;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir() / "migrations")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    const std::string name = entry.path().filename().string();
    ASSERT_FALSE(expected.contains(name)) << "basename used twice under migrations/: " << name;
    expected[name] = testing::read_text(entry.path());
  }
  ASSERT_GE(expected.size(), 16u);
  std::map<std::string, std::string> actual;
  for (const auto& doc : of_kind("ConfigMap")) {
    if (doc.object["metadata"].value("name", "") != "app-migrations") continue;
    for (const auto& [key, value] : doc.object.at("data").items()) actual[key] = value.get<std::string>();
  }
  EXPECT_EQ(actual, expected)
      << "examples/postgresmigration.yaml is out of date: run scripts/make-example-configmap";
}

}  // namespace
}  // namespace pgrevise::api
