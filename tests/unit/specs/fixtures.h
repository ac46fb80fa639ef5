#pragma once

#include <string>

#include "api/types.h"
#include "specs/settings.h"

namespace pgrevise::specs::testing {

// A resource as a team would write it: URL from a Secret, migrations from a ConfigMap, backups to a claim.
inline api::PostgresMigration url_resource() {
  api::PostgresMigration r;
  r.metadata.ns = "apps";
  r.metadata.name = "shop";
  r.metadata.uid = "6f1c2a9e-0000-4000-8000-000000000001";
  r.metadata.generation = 3;
  r.spec.database.url_secret_ref = api::SecretKeyRef{.name = "shop-db", .key = "url"};
  r.spec.target_revision = "heads";
  r.spec.migrations.config_map_ref = api::ConfigMapRef{.name = "shop-migrations"};
  r.spec.backup.persistent_volume_claim = api::PersistentVolumeClaimRef{.claim_name = "shop-backups"};
  return r;
}

// The same with host/port/dbname/user and the password from its own Secret.
inline api::PostgresMigration host_resource() {
  api::PostgresMigration r = url_resource();
  r.spec.database =
      api::DatabaseSpec{.host = "db.apps.svc",
                        .port = 6543,
                        .dbname = "shop",
                        .user = "shop_owner",
                        .password_secret_ref = api::SecretKeyRef{.name = "shop-pw", .key = "password"},
                        .ssl_mode = "require"};
  return r;
}

inline RunInputs inputs() {
  RunInputs in;
  in.migrations_digest = "3b1d4f0c9a";
  in.migration_keys = {"0001_create_users.sql", "0002_create_clients.sql"};
  return in;
}

inline constexpr JobKind kAllKinds[] = {JobKind::kBackup, JobKind::kMigrate, JobKind::kPlan};

// The Pod spec of a built Job, and its main container.
inline const Json& pod_of(const Json& job) {
  return job["spec"]["template"]["spec"];
}
inline const Json& main_container(const Json& job) {
  return pod_of(job)["containers"][0];
}

inline OperatorSettings settings() {
  OperatorSettings s;
  s.runner_image = "registry.example/pgrevise:1.2.3";
  return s;
}

}  // namespace pgrevise::specs::testing
