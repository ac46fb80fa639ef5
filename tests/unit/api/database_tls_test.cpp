// spec.database.tls: read and written as the CRD spells it, and refused with errors naming the field.
#include <gtest/gtest.h>

#include "api/json.h"

namespace pgrevise::api {
namespace {

Json make(const Json& database) {
  Json r = Json::parse(R"({"apiVersion": "pgrevise.dev/v1alpha1", "kind": "PostgresMigration",
    "metadata": {"name": "app", "namespace": "shop"},
    "spec": {"targetRevision": "heads", "migrations": {"configMapRef": {"name": "m"}}}})");
  r["spec"]["database"] = database;
  return r;
}

Json host_database(const Json& tls, const std::string& ssl_mode = "verify-full") {
  return {{"host", "db.example.com"},
          {"dbname", "app"},
          {"user", "app"},
          {"sslMode", ssl_mode},
          {"passwordSecretRef", {{"name", "db"}, {"key", "password"}}},
          {"tls", tls}};
}

std::vector<std::string> errors_of(const Json& database) {
  std::vector<std::string> out;
  for (const auto& e : read_postgres_migration(make(database)).errors) out.push_back(e.to_string());
  return out;
}

TEST(DatabaseTlsSpec, ReadAndWrittenBack) {
  const Json tls = Json::parse(R"({"caSecretRef": {"name": "db-ca", "key": "ca.crt"},
    "clientCertSecretRef": {"name": "db-client", "certKey": "cert.pem", "keyKey": "key.pem"}})");
  const ParseOutcome outcome = read_postgres_migration(make(host_database(tls)));
  ASSERT_TRUE(outcome.ok()) << outcome.errors.front().to_string();
  const auto& read = outcome.resource.spec.database.tls;
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ca_secret_ref, (SecretKeyRef{"db-ca", "ca.crt"}));
  EXPECT_FALSE(read->ca_config_map_ref.has_value());
  EXPECT_EQ(read->client_cert_secret_ref, (ClientCertSecretRef{"db-client", "cert.pem", "key.pem"}));
  EXPECT_EQ(to_json(outcome.resource.spec)["database"]["tls"], tls);
}

TEST(DatabaseTlsSpec, ClientCertificateKeysDefaultToATlsSecrets) {
  const Json tls = Json::parse(R"({"caConfigMapRef": {"name": "db-ca", "key": "ca.crt"},
    "clientCertSecretRef": {"name": "db-client"}})");
  const ParseOutcome outcome = read_postgres_migration(make(host_database(tls, "verify-ca")));
  ASSERT_TRUE(outcome.ok()) << outcome.errors.front().to_string();
  EXPECT_EQ(outcome.resource.spec.database.tls->client_cert_secret_ref,
            (ClientCertSecretRef{"db-client", "tls.crt", "tls.key"}));
  EXPECT_EQ(outcome.resource.spec.database.tls->ca_config_map_ref, (SecretKeyRef{"db-ca", "ca.crt"}));
}

TEST(DatabaseTlsSpec, RefusedWithTheFieldNamed) {
  const std::pair<Json, std::string> cases[] = {
      {Json::parse(R"({"caSecretRef": {"name": "a", "key": "ca.crt"},
                       "caConfigMapRef": {"name": "b", "key": "ca.crt"}})"),
       "spec.database.tls: set one of caSecretRef or caConfigMapRef, not both"},
      {Json::object(), "spec.database.tls: set caSecretRef or caConfigMapRef"},
      {Json::parse(R"({"caSecretRef": {"name": "Bad_Name", "key": "ca.crt"}})"),
       "spec.database.tls.caSecretRef.name: invalid name"},
      {Json::parse(R"({"caConfigMapRef": {"name": "ca", "key": "a/b"}})"),
       "spec.database.tls.caConfigMapRef.key: invalid key"},
      {Json::parse(R"({"clientCertSecretRef": {"name": "c", "certKey": "x", "keyKey": "x"}})"),
       "spec.database.tls.clientCertSecretRef.keyKey: must differ from certKey"},
      {Json::parse(R"({"caSecretRef": {"name": "a", "key": "ca.crt"}, "sslmode": "x"})"),
       "spec.database.tls.sslmode"},
  };
  for (const auto& [tls, expected] : cases) {
    const auto errors = errors_of(host_database(tls));
    bool found = false;
    for (const auto& e : errors) found = found || e.rfind(expected, 0) == 0;
    EXPECT_TRUE(found) << tls.dump() << " gave " << ::testing::PrintToString(errors);
  }
}

TEST(DatabaseTlsSpec, ACaNeedsAVerifyingSslMode) {
  const Json tls = Json::parse(R"({"caSecretRef": {"name": "db-ca", "key": "ca.crt"}})");
  const auto errors = errors_of(host_database(tls, "prefer"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "spec.database.sslMode: a CA in spec.database.tls needs sslMode verify-full or verify-ca "
            "(it is \"prefer\")");
  EXPECT_TRUE(errors_of(host_database(tls, "verify-ca")).empty());
}

}  // namespace
}  // namespace pgrevise::api
