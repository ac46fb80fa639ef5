#include "specs/database_tls.h"

#include <string>

namespace pgrevise::specs {
namespace {

std::string path_in(std::string_view folder, std::string_view file) {
  return std::string(folder) + "/" + std::string(file);
}

Json item(const std::string& key, std::string_view path, int mode) {
  return {{"key", key}, {"path", path}, {"mode", mode}};
}

}  // namespace

Json database_tls_env(const api::DatabaseSpec& database) {
  Json env = Json::array();
  if (!database.tls) return env;
  const auto env_value = [](std::string_view name, const std::string& value) {
    return Json{{"name", name}, {"value", value}};
  };
  if (database.tls->ca_secret_ref || database.tls->ca_config_map_ref) {
    env.push_back(env_value("PGSSLROOTCERT", path_in(kDatabaseCaMountPath, kDatabaseCaFile)));
  }
  if (database.tls->client_cert_secret_ref) {
    env.push_back(env_value("PGSSLCERT", path_in(kDatabaseClientCertMountPath, kDatabaseClientCertFile)));
    env.push_back(env_value("PGSSLKEY", path_in(kDatabaseClientCertMountPath, kDatabaseClientKeyFile)));
  }
  return env;
}

Json database_tls_volumes(const api::DatabaseSpec& database) {
  Json volumes = Json::array();
  if (!database.tls) return volumes;
  const api::DatabaseTlsSpec& tls = *database.tls;
  if (tls.ca_secret_ref) {
    volumes.push_back({{"name", kDatabaseCaVolume},
                       {"secret",
                        {{"secretName", tls.ca_secret_ref->name},
                         {"items", {item(tls.ca_secret_ref->key, kDatabaseCaFile, 0444)}}}}});
  } else if (tls.ca_config_map_ref) {
    volumes.push_back({{"name", kDatabaseCaVolume},
                       {"configMap",
                        {{"name", tls.ca_config_map_ref->name},
                         {"items", {item(tls.ca_config_map_ref->key, kDatabaseCaFile, 0444)}}}}});
  }
  if (const auto& client = tls.client_cert_secret_ref) {
    // libpq refuses a key file that others may read; owned by root, group-readable is allowed, and the
    // Pod's fsGroup is the container's group.
    volumes.push_back({{"name", kDatabaseClientCertVolume},
                       {"secret",
                        {{"secretName", client->name},
                         {"items",
                          {item(client->cert_key, kDatabaseClientCertFile, 0444),
                           item(client->key_key, kDatabaseClientKeyFile, 0440)}}}}});
  }
  return volumes;
}

Json database_tls_mounts(const api::DatabaseSpec& database) {
  Json mounts = Json::array();
  if (!database.tls) return mounts;
  const auto mount = [](std::string_view volume, std::string_view path) {
    return Json{{"name", volume}, {"mountPath", path}, {"readOnly", true}};
  };
  if (database.tls->ca_secret_ref || database.tls->ca_config_map_ref) {
    mounts.push_back(mount(kDatabaseCaVolume, kDatabaseCaMountPath));
  }
  if (database.tls->client_cert_secret_ref) {
    mounts.push_back(mount(kDatabaseClientCertVolume, kDatabaseClientCertMountPath));
  }
  return mounts;
}

}  // namespace pgrevise::specs
