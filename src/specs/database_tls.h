#pragma once

#include "api/types.h"
#include "specs/settings.h"

namespace pgrevise::specs {

// spec.database.tls in a Job: the CA (from its Secret or ConfigMap) and the client certificate and key (from
// their Secret) are volumes mounted read-only into the container, and libpq is given their paths through
// PGSSLROOTCERT, PGSSLCERT and PGSSLKEY. Only paths appear in the Job; the contents stay in the volumes.
// Pure: values in, JSON out; all three are empty (arrays) without spec.database.tls.

inline constexpr std::string_view kDatabaseCaVolume = "database-ca";
inline constexpr std::string_view kDatabaseClientCertVolume = "database-client-cert";
inline constexpr std::string_view kDatabaseCaMountPath = "/etc/pgrevise/database-ca";
inline constexpr std::string_view kDatabaseClientCertMountPath = "/etc/pgrevise/database-client-cert";
inline constexpr std::string_view kDatabaseCaFile = "ca.crt";
inline constexpr std::string_view kDatabaseClientCertFile = "tls.crt";
inline constexpr std::string_view kDatabaseClientKeyFile = "tls.key";

Json database_tls_env(const api::DatabaseSpec& database);
Json database_tls_volumes(const api::DatabaseSpec& database);
Json database_tls_mounts(const api::DatabaseSpec& database);

}  // namespace pgrevise::specs
