// The cluster-level bad-input corpus: each case breaks one thing the reconciler reads — the resource, its
// Secret, its ConfigMap, the migration files in it, or the target against them — starting from a resource
// that was Ready. Every case must end Stalled with the expected Reason and a message naming the culprit
// (Secret name and key, ConfigMap name and file, revision id, field), create no Job, keep what the status
// knew (the current heads), and leave the case's password out of the status and the events.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "api/reasons.h"
#include "common/base64.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

namespace reason = api::reason;
namespace condition = api::condition;
using namespace std::string_literals;

constexpr const char* kNs = "apps";
constexpr const char* kSecret = "app-db-url";
constexpr const char* kConfigMap = "app-migrations";
// The maximum condition message the operator writes (status.cpp); longer ones are shortened.
constexpr std::size_t kMaxMessage = 4096;

struct Arrange {
  FakeCluster& cluster;
  FakeProbe& probe;
  std::string password;  // this case's canary, to be put into any value the case writes
};

struct BadInput {
  std::string name;
  std::function<void(Arrange&)> arrange;  // breaks the referenced objects (may be empty)
  Json spec_patch;                        // merged over the valid spec (null removes a field)
  std::string_view reason;
  std::vector<std::string> culprits;  // each must appear in the Stalled message
};

void PrintTo(const BadInput& c, std::ostream* os) {
  *os << c.name;
}

// ---- building broken objects ----

void secret_data(Arrange& a, const std::string& name, Json data) {
  Json secret = Json::object();
  secret["apiVersion"] = "v1";
  secret["kind"] = "Secret";
  secret["metadata"]["name"] = name;
  if (!data.is_null()) secret["data"] = std::move(data);
  a.cluster.put_raw_secret(kNs, std::move(secret));
}

void url_secret(Arrange& a, const std::string& url) {
  secret_data(a, kSecret, {{"url", base64_encode(url)}});
}

void config_map(Arrange& a, Json data, Json binary_data = nullptr) {
  Json cm = Json::object();
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"]["name"] = kConfigMap;
  if (!data.is_null()) cm["data"] = std::move(data);
  if (!binary_data.is_null()) cm["binaryData"] = std::move(binary_data);
  a.cluster.put_raw_config_map(kNs, std::move(cm));
}

// The linear set 001 <- 002 <- 003 with `extra` files added (or replaced).
void files(Arrange& a, const std::map<std::string, std::string>& extra) {
  auto all = linear_migrations();
  for (const auto& [k, v] : extra) all[k] = v;
  a.cluster.put_config_map(kNs, kConfigMap, all);
}

Json host_database() {
  return {{"database",
           {{"urlSecretRef", nullptr},
            {"host", "db.internal"},
            {"dbname", "app"},
            {"user", "app"},
            {"passwordSecretRef", {{"name", "app-db-password"}, {"key", "password"}}}}}};
}

std::string enormous_garbage(std::size_t bytes) {
  std::string text;
  text.reserve(bytes);
  while (text.size() < bytes) text += "this is not a migration file, just a very long line of words ";
  return text;
}

// ---- the corpus ----

std::vector<BadInput> secret_cases() {
  const std::string key_path = "\"url\"";
  return {
      {"SecretMissing",
       [](Arrange&) {},
       Json{{"database", {{"urlSecretRef", {{"name", "no-such-secret"}, {"key", "url"}}}}}},
       reason::kSecretNotFound,
       {"apps/no-such-secret", "spec.database.urlSecretRef", key_path}},
      {"SecretKeyMissing",
       [](Arrange& a) {
         secret_data(a, kSecret, {{"uri", base64_encode("x")}});
       },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path}},
      {"SecretWithoutData",
       [](Arrange& a) { secret_data(a, kSecret, nullptr); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path}},
      {"SecretValueEmpty",
       [](Arrange& a) { url_secret(a, ""); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "empty"}},
      {"SecretValueBlank",
       [](Arrange& a) { url_secret(a, " \n\t\n"); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "empty"}},
      {"SecretValueNotBase64",
       [](Arrange& a) {
         secret_data(a, kSecret, {{"url", "%%% not base64 %%%"}});
       },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "base64"}},
      {"SecretValueNotAString",
       [](Arrange& a) {
         secret_data(a, kSecret, {{"url", 42}});
       },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path}},
      {"UrlMalformedPort",
       [](Arrange& a) { url_secret(a, "postgresql://app:" + a.password + "@db:notaport/app"); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "connection"}},
      {"UrlNotAUrl",
       [](Arrange& a) { url_secret(a, "db.internal app " + a.password); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "connection"}},
      {"UrlUnknownScheme",
       [](Arrange& a) { url_secret(a, "mysql://app:" + a.password + "@db/app"); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "connection"}},
      {"UrlUnknownParameter",
       [](Arrange& a) { url_secret(a, "postgresql://app:" + a.password + "@db/app?colour=blue"); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path, "colour"}},
      {"UrlBadPercentEncoding",
       [](Arrange& a) { url_secret(a, "postgresql://app:" + a.password + "%zz@db/app"); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path}},
      {"UrlBinaryGarbage",
       [](Arrange& a) { url_secret(a, "postgresql://app:" + a.password + "@db/app" + "\0\x01\xff\xfe"s); },
       {},
       reason::kSecretKeyNotFound,
       {"apps/app-db-url", key_path}},
      {"UrlAndHostBothSet",
       [](Arrange&) {},
       Json{{"database", {{"host", "db.internal"}, {"dbname", "app"}, {"user", "app"}}}},
       reason::kInvalidSpec,
       {"spec.database", "urlSecretRef", "host"}},
      {"HostWithoutPasswordSecret",
       [](Arrange&) {},
       Json{{"database", {{"urlSecretRef", nullptr}, {"host", "db.internal"}, {"dbname", "app"}}}},
       reason::kInvalidSpec,
       {"spec.database.passwordSecretRef"}},
      {"PasswordSecretMissing",
       [](Arrange&) {},
       host_database(),
       reason::kSecretNotFound,
       {"apps/app-db-password", "spec.database.passwordSecretRef", "\"password\""}},
      {"PasswordKeyMissing",
       [](Arrange& a) {
         secret_data(a, "app-db-password", {{"pass", base64_encode(a.password)}});
       },
       host_database(),
       reason::kSecretKeyNotFound,
       {"apps/app-db-password", "\"password\""}},
      {"PasswordEmpty",
       [](Arrange& a) {
         secret_data(a, "app-db-password", {{"password", ""}});
       },
       host_database(),
       reason::kSecretKeyNotFound,
       {"apps/app-db-password", "\"password\"", "empty"}},
  };
}

std::vector<BadInput> config_map_cases() {
  const std::string cm = "apps/app-migrations";
  return {
      {"ConfigMapMissing",
       [](Arrange&) {},
       Json{{"migrations", {{"configMapRef", {{"name", "gone"}}}}}},
       reason::kConfigMapNotFound,
       {"apps/gone", "spec.migrations.configMapRef"}},
      {"ConfigMapEmpty",
       [](Arrange& a) { config_map(a, nullptr); },
       {},
       reason::kInvalidMigrations,
       {cm, "no *.sql"}},
      {"ConfigMapWithoutSqlKeys",
       [](Arrange& a) {
         config_map(a, {{"README.md", "hello"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "no *.sql"}},
      {"ConfigMapDataNotAnObject",
       [](Arrange& a) { config_map(a, Json::array({"001.sql"})); },
       {},
       reason::kInvalidMigrations,
       {cm, "data"}},
      {"ConfigMapValueNotAString",
       [](Arrange& a) {
         config_map(a, {{"001_users.sql", 7}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "001_users.sql"}},
      {"Cycle",
       [](Arrange& a) {
         files(a, {{"001_users.sql", migration("001", "003", "users")},
                   {"000_base.sql", migration("000", "", "base")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "cycle", "001", "002", "003"}},
      {"MissingDownRevision",
       [](Arrange& a) {
         files(a, {{"004_orphan.sql", migration("004", "0099", "orphans")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_orphan.sql", "0099"}},
      {"DuplicateRevisionId",
       [](Arrange& a) {
         files(a, {{"003_other.sql", migration("003", "002", "other")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "003_tasks.sql", "003_other.sql", "003"}},
      {"SameFileTwice",
       [](Arrange& a) {
         files(a, {{"copy/003_tasks.sql", migration("003", "002", "tasks")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "copy/003_tasks.sql", "003"}},
      {"UnknownDependsOn",
       [](Arrange& a) {
         files(a, {{"004_x.sql",
                    "-- revision: 004\n-- down_revision: 003\n-- depends_on: 7777\n\n"
                    "-- +upgrade\nSELECT 1;\n"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_x.sql", "7777"}},
      {"DuplicateBranchLabel",
       [](Arrange& a) {
         files(a, {{"004_a.sql",
                    "-- revision: 004a\n-- down_revision: 003\n-- branch_labels: costs\n\n"
                    "-- +upgrade\nSELECT 1;\n"},
                   {"004_b.sql",
                    "-- revision: 004b\n-- down_revision: 003\n-- branch_labels: costs\n\n"
                    "-- +upgrade\nSELECT 1;\n"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "costs"}},
      {"FileWithoutRevisionHeader",
       [](Arrange& a) {
         files(a, {{"004_x.sql", "-- +upgrade\nCREATE TABLE x (id int);\n"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_x.sql", "revision"}},
      {"FileWithoutUpgradeSection",
       [](Arrange& a) {
         files(a, {{"004_x.sql", "-- revision: 004\n-- down_revision: 003\nSELECT 1;\n"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_x.sql", "upgrade"}},
      {"RevisionIdAlembicRefuses",
       [](Arrange& a) {
         files(a, {{"004_x.sql", migration("004-x", "003", "x")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_x.sql"}},
      {"BinaryGarbage",
       [](Arrange& a) {
         std::string garbage;
         for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 131 + 7) % 256);
         config_map(a, Json::object(), {{"004_blob.sql", base64_encode(garbage)}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_blob.sql", "UTF-8"}},
      {"NonUtf8Text",
       [](Arrange& a) {
         config_map(a, Json::object(),
                    {{"001_users.sql", base64_encode("-- revision: 001\n-- message: caf\xe9\n\n-- +upgrade\n"
                                                     "CREATE TABLE users (id int);\n")}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "001_users.sql", "UTF-8"}},
      {"NulByte",
       [](Arrange& a) {
         const std::string text =
             "-- revision: 001\n\n-- +upgrade\nCREATE TABLE u (id int);\0DROP TABLE u;\n"s;
         config_map(a, Json::object(), {{"001_users.sql", base64_encode(text)}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "001_users.sql", "NUL"}},
      {"BinaryDataNotBase64",
       [](Arrange& a) {
         config_map(a, Json::object(), {{"001_users.sql", "*** not base64 ***"}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "001_users.sql", "base64"}},
      {"EnormousFile",
       [](Arrange& a) {
         files(a, {{"004_huge.sql", enormous_garbage(900 * 1024)}});
       },
       {},
       reason::kInvalidMigrations,
       {cm, "004_huge.sql"}},
      {"ManyBrokenFiles",
       [](Arrange& a) {
         std::map<std::string, std::string> broken;
         for (int i = 0; i < 500; ++i) broken["broken_" + std::to_string(1000 + i) + ".sql"] = "SELECT 1;\n";
         files(a, broken);
       },
       {},
       reason::kInvalidMigrations,
       {cm, "broken_1000.sql"}},
  };
}

std::vector<BadInput> target_and_spec_cases() {
  return {
      {"UnknownTarget",
       [](Arrange&) {},
       Json{{"targetRevision", "9999"}},
       reason::kInvalidTarget,
       {"spec.targetRevision", "9999"}},
      {"UnknownLabel",
       [](Arrange&) {},
       Json{{"targetRevision", "costs@head"}},
       reason::kInvalidTarget,
       {"spec.targetRevision", "costs"}},
      {"HeadWithSeveralHeads",
       [](Arrange& a) {
         files(a, {{"004a.sql", migration("004a", "003", "a")}, {"004b.sql", migration("004b", "003", "b")}});
       },
       Json{{"targetRevision", "head"}},
       reason::kInvalidTarget,
       {"spec.targetRevision", "004a", "004b"}},
      {"RelativeTargetBeyondTheGraph",
       [](Arrange&) {},
       Json{{"targetRevision", "002+5"}},
       reason::kInvalidTarget,
       {"spec.targetRevision", "002+5"}},
      {"DatabaseAtARevisionNotInTheFiles",
       [](Arrange& a) { a.probe.set_heads({"0ff1ce"}); },
       {},
       reason::kOutOfBandChange,
       {"0ff1ce"}},
      {"EnormousTarget",
       [](Arrange&) {},
       Json{{"targetRevision", std::string(100000, 'a')}},
       reason::kInvalidSpec,
       {"spec.targetRevision"}},
      {"TargetWrongType",
       [](Arrange&) {},
       Json{{"targetRevision", 3}},
       reason::kInvalidSpec,
       {"spec.targetRevision"}},
      {"TargetMissing",
       [](Arrange&) {},
       Json{{"targetRevision", nullptr}},
       reason::kInvalidSpec,
       {"spec.targetRevision"}},
      {"BadDuration",
       [](Arrange&) {},
       Json{{"safety", {{"lockTimeout", "5 parsecs"}}}},
       reason::kInvalidSpec,
       {"spec.safety.lockTimeout"}},
      {"DatabaseMissing",
       [](Arrange&) {},
       Json{{"database", nullptr}},
       reason::kInvalidSpec,
       {"spec.database"}},
      {"MigrationsBothForms",
       [](Arrange&) {},
       Json{{"migrations", {{"image", {{"image", "app:1"}, {"path", "/m"}}}}}},
       reason::kInvalidSpec,
       {"spec.migrations"}},
  };
}

std::vector<BadInput> corpus() {
  std::vector<BadInput> all;
  for (auto part : {secret_cases(), config_map_cases(), target_and_spec_cases()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

class BadInputCorpusTest : public ControllerTest, public ::testing::WithParamInterface<BadInput> {
 protected:
  // Everything the operator wrote that people and tools read: the status and the events.
  std::string published() const {
    std::string text = cluster.get_resource(kNs, kName)->at("status").dump();
    for (const auto& e : cluster.events()) text += "\n" + e.reason + ": " + e.message;
    return text;
  }
};

TEST_P(BadInputCorpusTest, StallsNamingTheCulpritWithoutAJob) {
  const BadInput& c = GetParam();
  probe.set_heads({"003"});
  apply();
  reconcile();
  ASSERT_EQ(condition(condition::kReady).status, "True");

  Arrange arrange{cluster, probe, "canary-" + c.name + "-pw"};
  if (c.arrange) c.arrange(arrange);
  apply(c.spec_patch.is_null() ? Json::object() : c.spec_patch);
  auto result = reconcile();
  reconcile();  // a second pass changes nothing and still creates nothing

  EXPECT_FALSE(result.error) << result.message;
  EXPECT_EQ(cluster.job_creations(), 0);
  EXPECT_TRUE(cluster.jobs(kNs).empty());
  const auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, c.reason) << stalled.message;
  EXPECT_EQ(condition(condition::kReady).status, "False");
  EXPECT_EQ(condition(condition::kReady).reason, c.reason);
  for (const auto& culprit : c.culprits) {
    EXPECT_NE(stalled.message.find(culprit), std::string::npos)
        << "the message does not name " << culprit << ": " << stalled.message;
  }
  EXPECT_LE(stalled.message.size(), kMaxMessage);
  const auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kBlocked);
  if (c.reason != reason::kOutOfBandChange) {
    EXPECT_EQ(s.current_heads, std::vector<std::string>{"003"});  // what the status knew is kept
  }
  EXPECT_EQ(published().find(arrange.password), std::string::npos) << published();
  const auto events = cluster.event_reasons();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "Blocked");
  EXPECT_EQ(events.size(), 1u) << "the second pass repeated the event";
  for (const auto& e : cluster.events()) EXPECT_LE(e.message.size(), kMaxMessage + 64);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputCorpusTest, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST(BadInputCorpusSize, HasEnoughCases) {
  EXPECT_GE(corpus().size(), 40u);
}

}  // namespace
}  // namespace pgrevise::testing
