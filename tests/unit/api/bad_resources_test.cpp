// The bad-resource corpus: each case breaks one thing in a valid resource and expects the problem reported
// with the culprit's field path — by the operator's own validation always, and by the CRD where the API
// server would refuse the resource (schema types and bounds, strict field validation, or a CEL rule).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "api/json.h"
#include "crd_schema_check.h"
#include "support/fake_api_schema.h"
#include "test_files.h"

namespace pgrevise::api {
namespace {

// Which part of the CRD refuses the case.
enum class Crd { kSchema, kUnknownField, kCelRule, kNotInSchema };

struct BadCase {
  std::string name;
  Json patch;           // JSON merge patch applied to the valid resource (null removes a field)
  std::string path;     // the field the operator's error names
  std::string message;  // a part of that error's message
  Crd crd;
  std::string crd_path;  // the field the CRD check names ("" = same as path)
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

Json valid_resource() {
  return Json::parse(R"json({
    "apiVersion": "pgrevise.dev/v1alpha1", "kind": "PostgresMigration",
    "metadata": {"namespace": "shop", "name": "app"},
    "spec": {
      "database": {"urlSecretRef": {"name": "app-db", "key": "url"}},
      "targetRevision": "heads",
      "migrations": {"configMapRef": {"name": "app-migrations"}},
      "backup": {"enabled": true, "persistentVolumeClaim": {"claimName": "db-backups"}, "retain": 5},
      "safety": {"lockTimeout": "5s", "statementTimeout": "0", "lockRetries": 5},
      "job": {"activeDeadlineSeconds": 3600, "backoffLimit": 0, "podLabels": {"team": "core"}}
    }})json");
}

Json spec(Json fields) {
  return Json{{"spec", std::move(fields)}};
}
Json host_database(Json extra = Json::object()) {
  Json db = {{"urlSecretRef", nullptr},
             {"host", "db.svc"},
             {"dbname", "app"},
             {"user", "app"},
             {"passwordSecretRef", {{"name", "pw"}, {"key", "password"}}}};
  db.merge_patch(extra);
  return spec({{"database", db}});
}

std::vector<BadCase> corpus() {
  const std::string huge(10000, 'a');
  return {
      {"missing spec", {{"spec", nullptr}}, "spec", "required", Crd::kSchema},
      {"missing targetRevision", spec({{"targetRevision", nullptr}}), "spec.targetRevision", "required",
       Crd::kSchema},
      {"missing database", spec({{"database", nullptr}}), "spec.database",
       "exactly one of urlSecretRef or host", Crd::kSchema},
      {"missing migrations", spec({{"migrations", nullptr}}), "spec.migrations",
       "exactly one of configMapRef or image", Crd::kSchema},
      {"database is a string", spec({{"database", "postgres://x"}}), "spec.database", "expected an object",
       Crd::kSchema},
      {"targetRevision is a number", spec({{"targetRevision", 12}}), "spec.targetRevision",
       "expected a string", Crd::kSchema},
      {"bad lockTimeout unit", spec({{"safety", {{"lockTimeout", "5x"}}}}), "spec.safety.lockTimeout",
       "invalid duration \"5x\" (expected e.g. 5s, 1m30s)", Crd::kSchema},
      {"statementTimeout in words", spec({{"safety", {{"statementTimeout", "10 minutes"}}}}),
       "spec.safety.statementTimeout", "invalid duration", Crd::kSchema},
      {"negative lockTimeout", spec({{"safety", {{"lockTimeout", "-5s"}}}}), "spec.safety.lockTimeout",
       "invalid duration", Crd::kSchema},
      {"lockTimeout number without unit", spec({{"safety", {{"lockTimeout", 30}}}}),
       "spec.safety.lockTimeout", "invalid duration 30", Crd::kCelRule},
      {"enormous lockTimeout", spec({{"safety", {{"lockTimeout", "999h"}}}}), "spec.safety.lockTimeout",
       "must be between 0 and 24h", Crd::kCelRule},
      {"both urlSecretRef and host", spec({{"database", {{"host", "db.svc"}}}}), "spec.database", "not both",
       Crd::kCelRule},
      {"neither urlSecretRef nor host", spec({{"database", {{"urlSecretRef", nullptr}}}}), "spec.database",
       "exactly one of urlSecretRef or host", Crd::kCelRule},
      {"host without passwordSecretRef", host_database({{"passwordSecretRef", nullptr}}),
       "spec.database.passwordSecretRef", "required with host", Crd::kCelRule, "spec.database"},
      {"host without dbname", host_database({{"dbname", nullptr}}), "spec.database.dbname",
       "must not be empty", Crd::kCelRule, "spec.database"},
      {"port out of range", host_database({{"port", 70000}}), "spec.database.port", "between 1 and 65535",
       Crd::kSchema},
      {"port as a string", host_database({{"port", "5432"}}), "spec.database.port", "expected an integer",
       Crd::kSchema},
      {"unknown sslMode", host_database({{"sslMode", "sometimes"}}), "spec.database.sslMode", "unknown mode",
       Crd::kSchema},
      {"Secret name with capitals", spec({{"database", {{"urlSecretRef", {{"name", "App_DB"}}}}}}),
       "spec.database.urlSecretRef.name", "invalid name \"App_DB\"", Crd::kSchema},
      {"Secret key missing", spec({{"database", {{"urlSecretRef", {{"key", nullptr}}}}}}),
       "spec.database.urlSecretRef.key", "must not be empty", Crd::kSchema},
      {"both configMapRef and image", spec({{"migrations", {{"image", {{"image", "app:1"}}}}}}),
       "spec.migrations", "not both", Crd::kCelRule},
      {"empty ConfigMap name", spec({{"migrations", {{"configMapRef", {{"name", ""}}}}}}),
       "spec.migrations.configMapRef.name", "must not be empty", Crd::kSchema},
      {"relative image path",
       spec({{"migrations",
              {{"configMapRef", nullptr}, {"image", {{"image", "app:1"}, {"path", "migrations"}}}}}}),
       "spec.migrations.image.path", "absolute path", Crd::kSchema},
      {"image path the image's root folder",
       spec({{"migrations",
              {{"configMapRef", nullptr}, {"image", {{"image", "app:1"}, {"path", "/app/.."}}}}}}),
       "spec.migrations.image.path", "not the image's root folder", Crd::kNotInSchema},
      {"relative target +1", spec({{"targetRevision", "+1"}}), "spec.targetRevision", "relative target",
       Crd::kCelRule},
      {"relative target on a branch", spec({{"targetRevision", "billing@-2"}}), "spec.targetRevision",
       "relative target", Crd::kCelRule},
      {"target on two lines", spec({{"targetRevision", "heads\nDROP TABLE users"}}), "spec.targetRevision",
       "invalid target", Crd::kSchema},
      {"target with two @", spec({{"targetRevision", "a@b@head"}}), "spec.targetRevision", "at most one '@'",
       Crd::kCelRule},
      {"enormous target", spec({{"targetRevision", huge}}), "spec.targetRevision", "at most 1024 characters",
       Crd::kSchema},
      {"empty target", spec({{"targetRevision", ""}}), "spec.targetRevision", "required", Crd::kSchema},
      {"retain zero", spec({{"backup", {{"retain", 0}}}}), "spec.backup.retain", "between 1 and 1000",
       Crd::kSchema},
      {"enormous retain", spec({{"backup", {{"retain", 2000000000}}}}), "spec.backup.retain",
       "between 1 and 1000", Crd::kSchema},
      {"retain beyond 64 bits", spec({{"backup", {{"retain", Json::parse("18446744073709551615")}}}}),
       "spec.backup.retain", "out of range", Crd::kSchema},
      {"compressLevel 10", spec({{"backup", {{"compressLevel", 10}}}}), "spec.backup.compressLevel",
       "between 0 and 9", Crd::kSchema},
      {"backup.enabled as yes", spec({{"backup", {{"enabled", "yes"}}}}), "spec.backup.enabled",
       "expected true or false", Crd::kSchema},
      {"empty claimName", spec({{"backup", {{"persistentVolumeClaim", {{"claimName", ""}}}}}}),
       "spec.backup.persistentVolumeClaim.claimName", "must not be empty", Crd::kSchema},
      {"negative lockRetries", spec({{"safety", {{"lockRetries", -1}}}}), "spec.safety.lockRetries",
       "between 0 and 100", Crd::kSchema},
      {"enormous activeDeadlineSeconds", spec({{"job", {{"activeDeadlineSeconds", 99999999999LL}}}}),
       "spec.job.activeDeadlineSeconds", "between 1 and 604800", Crd::kSchema},
      {"negative ttlSecondsAfterFinished", spec({{"job", {{"ttlSecondsAfterFinished", -1}}}}),
       "spec.job.ttlSecondsAfterFinished", "between 0 and", Crd::kSchema},
      {"typo in targetRevision's name", spec({{"targetRevison", "heads"}}), "spec.targetRevison",
       "unknown field", Crd::kUnknownField},
      {"typo inside safety", spec({{"safety", {{"lockTimeot", "5s"}}}}), "spec.safety.lockTimeot",
       "unknown field", Crd::kUnknownField},
      {"runner.command without command", spec({{"runner", {{"command", {{"image", "app:1"}}}}}}),
       "spec.runner.command.command", "must name the program", Crd::kSchema},
      {"runner args as one string",
       spec({{"runner",
              {{"command", {{"image", "app:1"}, {"command", {"alembic"}}, {"args", "upgrade heads"}}}}}}),
       "spec.runner.command.args", "expected a list of strings", Crd::kSchema},
      {"tolerations as an object", spec({{"job", {{"tolerations", {{"key", "db"}}}}}}),
       "spec.job.tolerations", "expected a list", Crd::kSchema},
      {"pod label value a number", spec({{"job", {{"podLabels", {{"team", 5}}}}}}), "spec.job.podLabels.team",
       "expected a string", Crd::kSchema},
      {"pod label key with a space", spec({{"job", {{"podLabels", {{"bad key", "x"}}}}}}),
       "spec.job.podLabels.bad key", "invalid label key", Crd::kNotInSchema},
      {"imagePullSecrets name with capitals",
       spec({{"job", {{"imagePullSecrets", {{{"name", "Reg_Cred"}}}}}}}), "spec.job.imagePullSecrets[0].name",
       "invalid name", Crd::kSchema},
      {"serviceAccountName with capitals", spec({{"job", {{"serviceAccountName", "Default"}}}}),
       "spec.job.serviceAccountName", "invalid name", Crd::kSchema},
      {"empty version table name", spec({{"versionTable", {{"name", ""}}}}), "spec.versionTable.name",
       "must not be empty", Crd::kSchema},
      {"enormous version table schema", spec({{"versionTable", {{"schema", huge}}}}),
       "spec.versionTable.schema", "at most 63 characters", Crd::kSchema},
      {"dryRun as a string", spec({{"dryRun", "true"}}), "spec.dryRun", "expected true or false",
       Crd::kSchema},
  };
}

const FieldError* find_error(const std::vector<FieldError>& errors, const std::string& path) {
  auto it = std::find_if(errors.begin(), errors.end(), [&](const FieldError& e) { return e.path == path; });
  return it == errors.end() ? nullptr : &*it;
}

// The schema node a dotted field path names (list indexes and map keys step into items /
// additionalProperties).
const Json* schema_node(const Json& root, const std::string& path) {
  const Json* node = &root;
  std::size_t start = 0;
  while (start <= path.size() && !path.empty()) {
    const auto end = std::min(path.find('.', start), path.size());
    std::string part = path.substr(start, end - start);
    const auto bracket = part.find('[');
    if (bracket != std::string::npos) part = part.substr(0, bracket);
    if (!node->contains("properties") || !node->at("properties").contains(part)) return nullptr;
    node = &node->at("properties").at(part);
    if (bracket != std::string::npos) node = &node->at("items");
    start = end + 1;
  }
  return node;
}

class BadResource : public ::testing::TestWithParam<BadCase> {
 protected:
  static const Json& schema() {
    static const Json s = testing::crd_schema(testing::load_crd());
    return s;
  }
  static Json broken() {
    Json r = valid_resource();
    r.merge_patch(GetParam().patch);
    return r;
  }
};

TEST(BadResourceBase, TheUnbrokenResourceIsValidEverywhere) {
  const Json r = valid_resource();
  EXPECT_TRUE(read_postgres_migration(r).ok()) << describe(read_postgres_migration(r).errors);
  const Json schema = testing::crd_schema(testing::load_crd());
  EXPECT_TRUE(testing::check_against_schema(r, schema).empty());
  Json copy = r;
  EXPECT_TRUE(pgrevise::testing::prune_unknown_fields(copy, schema).empty());
}

TEST_P(BadResource, TheOperatorNamesTheCulprit) {
  const ParseOutcome outcome = read_postgres_migration(broken());
  ASSERT_FALSE(outcome.ok());
  const FieldError* error = find_error(outcome.errors, GetParam().path);
  ASSERT_NE(error, nullptr) << "no error for " << GetParam().path << "; got:\n" << describe(outcome.errors);
  EXPECT_NE(error->message.find(GetParam().message), std::string::npos) << error->to_string();
  EXPECT_THROW(parse_postgres_migration(broken()), ValidationError);
}

TEST_P(BadResource, TheCrdRefusesIt) {
  const BadCase& c = GetParam();
  const std::string path = c.crd_path.empty() ? c.path : c.crd_path;
  Json object = broken();
  switch (c.crd) {
    case Crd::kSchema: {
      const auto violations = testing::check_against_schema(object, schema());
      const bool named =
          std::any_of(violations.begin(), violations.end(), [&](const auto& v) { return v.path == path; });
      EXPECT_TRUE(named) << "the schema lets " << path << " through";
      break;
    }
    case Crd::kUnknownField: {
      const auto pruned = pgrevise::testing::prune_unknown_fields(object, schema());
      EXPECT_NE(std::find(pruned.begin(), pruned.end(), path), pruned.end()) << path << " was not pruned";
      break;
    }
    case Crd::kCelRule: {
      const Json* node = schema_node(schema(), path);
      ASSERT_NE(node, nullptr) << path;
      EXPECT_TRUE(node->contains("x-kubernetes-validations")) << "no CEL rule at " << path;
      break;
    }
    case Crd::kNotInSchema:
      GTEST_SKIP() << "only the operator checks this";
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadResource, ::testing::ValuesIn(corpus()), [](const auto& info) {
  std::string name;
  for (char ch : info.param.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
});

TEST(BadResourceBase, EveryProblemIsReportedAtOnce) {
  Json r = valid_resource();
  r.merge_patch(spec({{"targetRevision", "+1"},
                      {"safety", {{"lockTimeout", "5x"}, {"lockRetries", "many"}}},
                      {"backup", {{"retain", 0}}},
                      {"database", {{"host", "db.svc"}}}}));
  const ParseOutcome outcome = read_postgres_migration(r);
  std::vector<std::string> paths;
  for (const auto& e : outcome.errors) paths.push_back(e.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"spec.backup.retain", "spec.database", "spec.safety.lockRetries",
                                             "spec.safety.lockTimeout", "spec.targetRevision"}))
      << describe(outcome.errors);
  try {
    parse_postgres_migration(r);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.errors().size(), 5u);
    EXPECT_NE(std::string(e.what()).find(
                  "spec.safety.lockTimeout: invalid duration \"5x\" (expected e.g. 5s, 1m30s)"),
              std::string::npos)
        << e.what();
  }
}

TEST(BadResourceBase, AWrongTypeIsNotReportedTwice) {
  Json r = valid_resource();
  r.merge_patch(spec({{"database", {{"urlSecretRef", "app-db"}}}}));
  const ParseOutcome outcome = read_postgres_migration(r);
  ASSERT_EQ(outcome.errors.size(), 1u) << describe(outcome.errors);
  EXPECT_EQ(outcome.errors[0].path, "spec.database.urlSecretRef");
}

TEST(BadResourceBase, NotAnObjectOrNotOurKind) {
  EXPECT_FALSE(read_postgres_migration(Json::array()).ok());
  Json r = valid_resource();
  r["kind"] = "Job";
  EXPECT_NE(find_error(read_postgres_migration(r).errors, "kind"), nullptr);
  r = valid_resource();
  r["apiVersion"] = "pgrevise.dev/v2";
  EXPECT_NE(find_error(read_postgres_migration(r).errors, "apiVersion"), nullptr);
}

// Every field of a resource with every field set, replaced by each hostile value: reading never throws, and
// every problem it reports names a field.
void collect_pointers(const Json& value, const Json::json_pointer& here,
                      std::vector<Json::json_pointer>& out) {
  out.push_back(here);
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) collect_pointers(v, here / k, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect_pointers(value[i], here / i, out);
  }
}

TEST(BadResourceBase, AnyFieldReplacedByAnythingIsReportedNeverThrown) {
  Json full = valid_resource();
  full["spec"]["runner"] = {
      {"command", {{"image", "app:1"}, {"command", {"alembic"}}, {"args", {"upgrade"}}}}};
  full["spec"]["job"]["tolerations"] = Json::array({{{"key", "db"}}});
  full["spec"]["job"]["imagePullSecrets"] = Json::array({{{"name", "regcred"}}});
  full["status"] = {{"phase", "Failed"},
                    {"conditions", {{{"type", "Ready"}, {"status", "False"}}}},
                    {"lastRun", {{"steps", {{{"revision", "1"}}}}}}};
  std::vector<Json::json_pointer> pointers;
  collect_pointers(full, Json::json_pointer(), pointers);
  const Json hostile[] = {nullptr,
                          "",
                          0,
                          -1,
                          1e300,
                          Json::parse("18446744073709551615"),
                          true,
                          Json::array(),
                          Json::object(),
                          std::string(100000, 'x'),
                          "\xff\xfe",
                          Json::array({nullptr, "\xff"}),
                          Json{{"\xc3", "\x01"}}};
  std::size_t tried = 0;
  for (const auto& pointer : pointers) {
    for (const auto& value : hostile) {
      Json r = full;
      if (pointer.empty()) {
        r = value;
      } else {
        r[pointer] = value;
      }
      ParseOutcome outcome;
      ASSERT_NO_THROW(outcome = read_postgres_migration(r))
          << pointer.to_string() << " = " << value.dump().substr(0, 40);
      for (const auto& e : outcome.errors) {
        EXPECT_FALSE(e.path.empty() && r.is_object()) << pointer.to_string() << ": " << e.message;
        // Messages end up in status: they must be valid UTF-8 on one line.
        EXPECT_NO_THROW((void)Json(e.to_string()).dump()) << pointer.to_string();
        EXPECT_EQ(e.to_string().find('\n'), std::string::npos) << pointer.to_string();
      }
      ++tried;
    }
  }
  EXPECT_GT(tried, 500u);
}

TEST(BadResourceBase, TheCorpusIsLargeEnough) {
  EXPECT_GE(corpus().size(), 40u);
}

}  // namespace
}  // namespace pgrevise::api
