// spec.database.tls in the Jobs: the CA and the client certificate mounted read-only from their Secret or
// ConfigMap, libpq pointed at them by path, and no content anywhere in the Job.
#include <gtest/gtest.h>

#include "specs/database_tls.h"
#include "specs/jobs.h"
#include "specs/names.h"
#include "unit/specs/fixtures.h"

namespace pgrevise::specs {
namespace {

using testing::host_resource;
using testing::inputs;
using testing::kAllKinds;
using testing::main_container;
using testing::pod_of;
using testing::settings;
using testing::url_resource;

Json named(const Json& array, const std::string& name) {
  for (const auto& e : array)
    if (e.value("name", "") == name) return e;
  return Json();
}

std::string env_of(const Json& container, const std::string& name) {
  const Json e = named(container.value("env", Json::array()), name);
  return e.is_null() ? "" : e.value("value", "");
}

api::PostgresMigration with_tls(api::PostgresMigration r, api::DatabaseTlsSpec tls) {
  r.spec.database.ssl_mode = "verify-full";
  r.spec.database.tls = std::move(tls);
  return r;
}

TEST(DatabaseTls, CaFromASecretAndAClientCertificateInEveryJob) {
  const auto r = with_tls(host_resource(), {.ca_secret_ref = api::SecretKeyRef{"db-ca", "root.pem"},
                                            .client_cert_secret_ref = api::ClientCertSecretRef{"db-client"}});
  for (JobKind kind : kAllKinds) {
    const Json job = build_job(kind, r, settings(), inputs());
    const Json& c = main_container(job);
    EXPECT_EQ(env_of(c, "PGSSLMODE"), "verify-full");
    EXPECT_EQ(env_of(c, "PGSSLROOTCERT"), "/etc/pgrevise/database-ca/ca.crt");
    EXPECT_EQ(env_of(c, "PGSSLCERT"), "/etc/pgrevise/database-client-cert/tls.crt");
    EXPECT_EQ(env_of(c, "PGSSLKEY"), "/etc/pgrevise/database-client-cert/tls.key");
    const Json ca = named(pod_of(job)["volumes"], "database-ca");
    EXPECT_EQ(ca["secret"]["secretName"], "db-ca");
    EXPECT_EQ(ca["secret"]["items"], Json::parse(R"([{"key":"root.pem","path":"ca.crt","mode":292}])"));
    const Json client = named(pod_of(job)["volumes"], "database-client-cert");
    EXPECT_EQ(client["secret"]["secretName"], "db-client");
    EXPECT_EQ(client["secret"]["items"], Json::parse(R"([{"key":"tls.crt","path":"tls.crt","mode":292},
                              {"key":"tls.key","path":"tls.key","mode":288}])"));
    const Json ca_mount = named(c["volumeMounts"], "database-ca");
    EXPECT_EQ(ca_mount["mountPath"], "/etc/pgrevise/database-ca");
    EXPECT_EQ(ca_mount["readOnly"], true);
    EXPECT_EQ(named(c["volumeMounts"], "database-client-cert")["readOnly"], true);
  }
}

TEST(DatabaseTls, CaFromAConfigMapWithAUrl) {
  const auto r = with_tls(url_resource(), {.ca_config_map_ref = api::SecretKeyRef{"db-ca", "ca.crt"}});
  const Json job = build_migrate_job(r, settings(), inputs());
  EXPECT_EQ(env_of(main_container(job), "PGSSLROOTCERT"), "/etc/pgrevise/database-ca/ca.crt");
  EXPECT_EQ(env_of(main_container(job), "PGSSLKEY"), "");
  const Json ca = named(pod_of(job)["volumes"], "database-ca");
  EXPECT_EQ(ca["configMap"]["name"], "db-ca");
  EXPECT_TRUE(named(pod_of(job)["volumes"], "database-client-cert").is_null());
}

TEST(DatabaseTls, NothingWithoutTlsAndJobNamesUnchanged) {
  const auto plain = host_resource();
  const Json job = build_migrate_job(plain, settings(), inputs());
  EXPECT_EQ(env_of(main_container(job), "PGSSLROOTCERT"), "");
  EXPECT_TRUE(named(pod_of(job)["volumes"], "database-ca").is_null());
  EXPECT_TRUE(database_tls_env(plain.spec.database).empty());
  // Setting tls changes what a Job does, so it is part of the Job's name; a resource without it keeps its
  // name.
  const auto tls = with_tls(plain, {.ca_secret_ref = api::SecretKeyRef{"db-ca", "ca.crt"}});
  auto verify_full = plain;
  verify_full.spec.database.ssl_mode = "verify-full";
  EXPECT_NE(build_migrate_job(tls, settings(), inputs())["metadata"]["name"],
            build_migrate_job(verify_full, settings(), inputs())["metadata"]["name"]);
}

}  // namespace
}  // namespace pgrevise::specs
