#include "api/json.h"

#include <gtest/gtest.h>

#include "api/yaml.h"

namespace pgrevise::api {
namespace {

Json minimal_resource() {
  return Json::parse(R"({
    "apiVersion": "pgrevise.dev/v1alpha1", "kind": "PostgresMigration",
    "metadata": {"namespace": "shop", "name": "app", "uid": "u-1", "generation": 3, "resourceVersion": "42",
                 "labels": {"team": "core"}, "annotations": {"pgrevise.dev/retry": "1"},
                 "creationTimestamp": "2026-11-30T08:00:00Z"},
    "spec": {"database": {"urlSecretRef": {"name": "app-db", "key": "url"}},
             "targetRevision": "heads",
             "migrations": {"configMapRef": {"name": "app-migrations"}}}
  })");
}

TEST(ApiJson, MinimalResourceGetsEveryDefault) {
  const PostgresMigration pgm = parse_postgres_migration(minimal_resource());
  EXPECT_EQ(pgm.metadata.ns, "shop");
  EXPECT_EQ(pgm.metadata.name, "app");
  EXPECT_EQ(pgm.metadata.generation, 3);
  EXPECT_EQ(pgm.metadata.resource_version, "42");
  EXPECT_EQ(pgm.metadata.annotations.at(std::string(kRetryAnnotation)), "1");
  EXPECT_EQ(pgm.spec.database.url_secret_ref, (SecretKeyRef{"app-db", "url"}));
  EXPECT_EQ(pgm.spec.target_revision, "heads");
  EXPECT_EQ(pgm.spec.migrations.config_map_ref->name, "app-migrations");
  Spec defaults;
  defaults.database = pgm.spec.database;
  defaults.target_revision = "heads";
  defaults.migrations = pgm.spec.migrations;
  EXPECT_EQ(pgm.spec, defaults);
}

TEST(ApiJson, FullSpecReadsEveryField) {
  Json r = minimal_resource();
  r["spec"] = Json::parse(R"json({
    "database": {"host": "db.svc", "port": 6432, "dbname": "app", "user": "migrator",
                 "passwordSecretRef": {"name": "pw", "key": "password"}, "sslMode": "verify-full"},
    "targetRevision": "billing@head",
    "migrations": {"image": {"image": "app:1.4.2", "path": "/app/migrations"}},
    "runner": {"command": {"image": "app:1.4.2", "command": ["alembic"], "args": ["upgrade", "$(PGREVISE_TARGET)"]}},
    "versionTable": {"schema": "meta", "name": "versions"},
    "backup": {"enabled": true, "persistentVolumeClaim": {"claimName": "db-backups"}, "retain": 9, "compressLevel": 6},
    "safety": {"allowDowngrade": true, "allowDrift": true, "lockTimeout": "1m30s", "statementTimeout": "250ms", "lockRetries": 0},
    "dryRun": true, "suspend": true,
    "job": {"image": "pgrevise:1", "serviceAccountName": "migrator", "resources": {"limits": {"memory": "1Gi"}},
            "nodeSelector": {"pool": "db"}, "tolerations": [{"key": "db", "operator": "Exists"}],
            "affinity": {"nodeAffinity": {}}, "imagePullSecrets": [{"name": "regcred"}],
            "activeDeadlineSeconds": 600, "backoffLimit": 2, "ttlSecondsAfterFinished": 0,
            "podLabels": {"app": "x"}, "podAnnotations": {"example.com/a": "b c"}}
  })json");
  const ParseOutcome outcome = read_postgres_migration(r);
  ASSERT_TRUE(outcome.ok()) << describe(outcome.errors);
  const Spec& s = outcome.resource.spec;
  EXPECT_EQ(s.database.host, "db.svc");
  EXPECT_EQ(s.database.port, 6432);
  EXPECT_EQ(s.database.password_secret_ref, (SecretKeyRef{"pw", "password"}));
  EXPECT_EQ(s.database.ssl_mode, "verify-full");
  EXPECT_EQ(s.migrations.image, (ImageMigrations{"app:1.4.2", "/app/migrations"}));
  ASSERT_TRUE(s.runner.command);
  EXPECT_EQ(s.runner.command->args, (std::vector<std::string>{"upgrade", "$(PGREVISE_TARGET)"}));
  EXPECT_EQ(s.version_table.schema, "meta");
  EXPECT_EQ(s.backup.persistent_volume_claim->claim_name, "db-backups");
  EXPECT_EQ(s.backup.retain, 9);
  EXPECT_EQ(s.backup.compress_level, 6);
  EXPECT_TRUE(s.safety.allow_downgrade);
  EXPECT_TRUE(s.safety.allow_drift);
  EXPECT_EQ(s.safety.lock_timeout, std::chrono::seconds(90));
  EXPECT_EQ(s.safety.statement_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(s.safety.lock_retries, 0);
  EXPECT_TRUE(s.dry_run);
  EXPECT_TRUE(s.suspend);
  EXPECT_EQ(s.job.resources["limits"]["memory"], "1Gi");
  EXPECT_EQ(s.job.tolerations.size(), 1u);
  EXPECT_EQ(s.job.image_pull_secrets, std::vector<std::string>{"regcred"});
  EXPECT_EQ(s.job.active_deadline_seconds, 600);
  EXPECT_EQ(s.job.backoff_limit, 2);
  EXPECT_EQ(s.job.ttl_seconds_after_finished, 0);
  EXPECT_EQ(s.job.pod_annotations.at("example.com/a"), "b c");
  // The spec written back reads the same.
  Json again = r;
  again["spec"] = to_json(s);
  EXPECT_EQ(parse_postgres_migration(again).spec, s);
}

TEST(ApiJson, IntegerZeroIsADuration) {
  Json r = minimal_resource();
  r["spec"]["safety"] = {{"statementTimeout", 0}, {"lockTimeout", "0"}};
  const PostgresMigration pgm = parse_postgres_migration(r);
  EXPECT_EQ(pgm.spec.safety.statement_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(pgm.spec.safety.lock_timeout, std::chrono::milliseconds(0));
}

Status full_status() {
  Status s;
  s.observed_generation = 7;
  s.phase = Phase::kFailed;
  s.current_heads = {"0011"};
  s.target_heads = {"0016"};
  s.pending_revisions = {"0012", "0013"};
  s.progress = Progress{.revision = "0012",
                        .done = 1,
                        .total = 5,
                        .running = {.statement = "CREATE INDEX CONCURRENTLY a_idx ON a (id)",
                                    .running_seconds = 65,
                                    .phase = "building index: scanning table",
                                    .blocks_done = 10,
                                    .blocks_total = 40,
                                    .tuples_done = 0,
                                    .tuples_total = 0}};
  s.last_run = LastRun{.started_at = "2026-11-30T08:00:00Z",
                       .finished_at = "2026-11-30T08:01:00Z",
                       .result = std::string(kRunFailed),
                       .steps = {{"0011", "upgrade", 120}},
                       .message = "relation \"x\" already exists",
                       .revision = "0012",
                       .sqlstate = "42P07"};
  s.last_backup =
      LastBackup{"app-20261130.dump", 12345, "ab12", "2026-11-30T07:59:00Z", "2026-11-30T07:59:30Z", "0010"};
  s.active_job = "app-migrate-1a2b3c";
  s.dry_run_config_map = "app-dry-run";
  s.failed_plan_hash = "deadbeef";
  s.last_retry_token = "2";
  s.conditions = {{"Ready", "False", "MigrationFailed", "0012 failed", "2026-11-30T08:01:00Z", 7},
                  {"Stalled", "True", "MigrationFailed", "0012 failed", "2026-11-30T08:01:00Z", 7}};
  return s;
}

TEST(ApiJson, StatusRoundTrips) {
  const Status s = full_status();
  const Json j = to_json(s);
  EXPECT_EQ(j["phase"], "Failed");
  EXPECT_EQ(j["lastRun"]["sqlstate"], "42P07");
  EXPECT_EQ(j["lastRun"]["steps"][0]["durationMs"], 120);
  EXPECT_EQ(j["lastBackup"]["sizeBytes"], 12345);
  EXPECT_EQ(j["progress"]["runningSeconds"], 65);
  EXPECT_EQ(j["progress"]["blocksTotal"], 40);
  EXPECT_EQ(j["conditions"][1]["observedGeneration"], 7);
  EXPECT_EQ(j["dryRunConfigMap"], "app-dry-run");
  EXPECT_EQ(parse_status(j), s);
  EXPECT_EQ(parse_status(Json::parse(j.dump())), s);
}

TEST(ApiJson, EmptyStatusIsAnEmptyObject) {
  EXPECT_EQ(to_json(Status{}), Json::object());
  EXPECT_EQ(parse_status(Json::object()), Status{});
}

TEST(ApiJson, StatusOmitsEmptyFields) {
  Status s;
  s.phase = Phase::kSucceeded;
  s.current_heads = {"0016"};
  const Json j = to_json(s);
  EXPECT_EQ(j, (Json{{"phase", "Succeeded"}, {"currentHeads", {"0016"}}}));
}

TEST(ApiJson, StatusReadingIsLenient) {
  const Json j = Json::parse(R"({"observedGeneration": "x", "phase": "Exploded", "currentHeads": ["a", 3],
                                 "conditions": [{"type": "Ready", "status": "True"}, 5, {"status": "False"}],
                                 "somethingNew": {"a": 1}})");
  const Status s = parse_status(j);
  EXPECT_EQ(s.observed_generation, 0);
  EXPECT_EQ(s.phase, std::nullopt);
  EXPECT_EQ(s.current_heads, std::vector<std::string>{"a"});
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(s.conditions[0].type, "Ready");
}

TEST(ApiJson, StatusMergePatchClearsWhatIsGone) {
  Status s;
  s.phase = Phase::kSucceeded;
  s.last_run = LastRun{.result = std::string(kRunSucceeded)};
  const Json patch = status_merge_patch(s);
  EXPECT_EQ(patch["status"]["phase"], "Succeeded");
  EXPECT_TRUE(patch["status"]["activeJob"].is_null());
  EXPECT_TRUE(patch["status"]["progress"].is_null());
  EXPECT_TRUE(patch["status"]["lastRun"]["sqlstate"].is_null());
  EXPECT_EQ(patch["status"]["lastRun"]["result"], "Succeeded");
}

TEST(ApiJson, WithStatusKeepsTheObjectAsRead) {
  Json object = minimal_resource();
  object["metadata"]["finalizers"] = {"example.com/keep"};
  object["status"] = {{"phase", "Pending"}, {"activeJob", "old"}};
  Status s;
  s.phase = Phase::kSucceeded;
  const Json body = with_status(object, s);
  EXPECT_EQ(body["metadata"], object["metadata"]);
  EXPECT_EQ(body["spec"], object["spec"]);
  EXPECT_EQ(body["status"], (Json{{"phase", "Succeeded"}}));
}

TEST(ApiJson, WrongTypedOptionalIntegerStaysUnset) {
  Json r = minimal_resource();
  r["spec"]["job"] = {{"ttlSecondsAfterFinished", "1h"}};
  const ParseOutcome outcome = read_postgres_migration(r);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].path, "spec.job.ttlSecondsAfterFinished");
  EXPECT_EQ(outcome.resource.spec.job.ttl_seconds_after_finished, std::nullopt);
}

TEST(ApiJson, UnknownFieldsSuggestTheFieldMeant) {
  Json r = minimal_resource();
  r["spec"]["targetRevison"] = "heads";
  r["spec"]["safety"] = {{"locktimeout", "5s"}, {"somethingElse", 1}};
  const ParseOutcome outcome = read_postgres_migration(r);
  ASSERT_EQ(outcome.errors.size(), 3u) << describe(outcome.errors);
  EXPECT_EQ(outcome.errors[0].to_string(),
            "spec.targetRevison: unknown field (did you mean targetRevision?)");
  EXPECT_EQ(outcome.errors[1].to_string(),
            "spec.safety.locktimeout: unknown field (did you mean lockTimeout?)");
  EXPECT_EQ(outcome.errors[2].to_string(), "spec.safety.somethingElse: unknown field");
}

TEST(ApiJson, AnUnquotedRevisionGetsAQuotingHint) {
  Json r = minimal_resource();
  r["spec"]["targetRevision"] = 12;
  const ParseOutcome outcome = read_postgres_migration(r);
  ASSERT_EQ(outcome.errors.size(), 1u) << describe(outcome.errors);
  EXPECT_EQ(outcome.errors[0].to_string(),
            "spec.targetRevision: expected a string, got integer 12 (quote it in YAML)");
}

TEST(ApiJson, WholeResourceRoundTrips) {
  PostgresMigration pgm = parse_postgres_migration(minimal_resource());
  pgm.status = full_status();
  const Json j = to_json(pgm);
  EXPECT_EQ(j["apiVersion"], "pgrevise.dev/v1alpha1");
  EXPECT_EQ(j["metadata"]["namespace"], "shop");
  EXPECT_EQ(parse_postgres_migration(j), pgm);
}

TEST(ApiYaml, PlainScalarsAreTypedAndQuotedOnesStayStrings) {
  const auto docs = parse_yaml_documents(R"(
a: 0012
b: "0012"
c: true
d: 'false'
e: ~
f: 1.5
g: 5s
h: |
  line one
  line two
i: [x, 2]
---
---
second: doc
)");
  ASSERT_EQ(docs.size(), 2u);
  const Json& d = docs[0];
  EXPECT_EQ(d["a"], 12);
  EXPECT_EQ(d["b"], "0012");
  EXPECT_EQ(d["c"], true);
  EXPECT_EQ(d["d"], "false");
  EXPECT_TRUE(d["e"].is_null());
  EXPECT_EQ(d["f"], 1.5);
  EXPECT_EQ(d["g"], "5s");
  EXPECT_EQ(d["h"], "line one\nline two\n");
  EXPECT_EQ(d["i"], (Json{"x", 2}));
  EXPECT_EQ(docs[1]["second"], "doc");
}

TEST(ApiYaml, BooleansAsKubectlReadsThem) {
  const auto docs = parse_yaml_documents("a: yes\nb: off\nc: 'yes'\nd: Y\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0], (Json{{"a", true}, {"b", false}, {"c", "yes"}, {"d", true}}));
}

TEST(ApiYaml, AMappingAsAKeyIsBadInput) {
  EXPECT_THROW(parse_yaml_documents("? {a: 1}\n: x\n"), Error);
}

TEST(ApiYaml, NumbersAndNotNumbers) {
  const auto docs =
      parse_yaml_documents("a: -5\nb: +7\nc: .5\nd: 1e3\ne: 1.\nf: 1e\ng: 0x10\nh: 1-2\ni: .\n");
  ASSERT_EQ(docs.size(), 1u);
  const Json& d = docs[0];
  EXPECT_EQ(d["a"], -5);
  EXPECT_EQ(d["b"], 7);
  EXPECT_EQ(d["c"], 0.5);
  EXPECT_EQ(d["d"], 1000.0);
  EXPECT_EQ(d["e"], 1.0);
  for (const char* key : {"f", "g", "h", "i"}) EXPECT_TRUE(d[key].is_string()) << key << " " << d[key];
}

TEST(ApiYaml, AVeryLongPlainScalarIsAString) {
  const std::string digits(200000, '7');
  const auto docs = parse_yaml_documents("a: " + digits + "x\n");
  EXPECT_EQ(docs.at(0)["a"], digits + "x");
}

TEST(ApiYaml, SyntaxErrorsNameTheLine) {
  try {
    parse_yaml_documents("a: 1\nb: [unclosed\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("line "), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pgrevise::api
