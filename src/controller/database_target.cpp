#include "controller/database_target.h"

#include "api/reasons.h"
#include "common/base64.h"
#include "common/redact.h"
#include "common/strings.h"

namespace pgrevise::controller {
namespace {

std::string quote_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void add(std::string& conninfo, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  if (!conninfo.empty()) conninfo += ' ';
  conninfo += key + "=" + quote_value(value);
}

struct SecretValue {
  std::optional<std::string> value;
  std::string_view reason;
  std::string message;
};

SecretValue read_secret_value(Cluster& cluster, const std::string& ns, const api::SecretKeyRef& ref,
                              std::string_view field) {
  auto secret = cluster.get_secret(ns, ref.name);
  if (!secret) {
    return {std::nullopt, api::reason::kSecretNotFound,
            "Secret " + ns + "/" + ref.name + " (" + std::string(field) + ") not found"};
  }
  auto data = secret->find("data");
  if (data == secret->end() || !data->is_object() || !data->contains(ref.key) ||
      !(*data)[ref.key].is_string()) {
    return {std::nullopt, api::reason::kSecretKeyNotFound,
            "Secret " + ns + "/" + ref.name + " has no key \"" + ref.key + "\" (" + std::string(field) + ")"};
  }
  try {
    std::string value = base64_decode((*data)[ref.key].get<std::string>(), "Secret " + ref.name);
    if (!value.empty()) register_secret(value);
    return {std::move(value), {}, {}};
  } catch (const Error&) {
    return {std::nullopt, api::reason::kSecretKeyNotFound,
            "Secret " + ns + "/" + ref.name + " key \"" + ref.key + "\" is not valid base64 (" +
                std::string(field) + ")"};
  }
}

DatabaseResolution from_url(Cluster& cluster, const std::string& ns, const api::Spec& spec) {
  auto url = read_secret_value(cluster, ns, *spec.database.url_secret_ref, "spec.database.urlSecretRef");
  if (!url.value) return {std::nullopt, url.reason, url.message};
  std::string conninfo(trim(*url.value));
  if (conninfo.empty()) {
    return {std::nullopt, api::reason::kSecretKeyNotFound,
            "Secret " + ns + "/" + spec.database.url_secret_ref->name + " key \"" +
                spec.database.url_secret_ref->key + "\" is empty (spec.database.urlSecretRef)"};
  }
  register_secret(conninfo);  // the whole URL too: a libpq error may echo it
  DatabaseTarget target{conninfo, redact_connection_string(conninfo), {}};
  return {std::move(target), {}, {}};
}

DatabaseResolution from_host(Cluster& cluster, const std::string& ns, const api::Spec& spec) {
  std::optional<std::string> password;
  if (spec.database.password_secret_ref) {
    auto value =
        read_secret_value(cluster, ns, *spec.database.password_secret_ref, "spec.database.passwordSecretRef");
    if (!value.value) return {std::nullopt, value.reason, value.message};
    password = std::move(value.value);
  }
  DatabaseTarget target{
      keyword_conninfo(spec.database, password), keyword_conninfo(spec.database, std::nullopt), {}};
  if (password) target.display += " password=" + std::string(kRedacted);
  return {std::move(target), {}, {}};
}

}  // namespace

std::string keyword_conninfo(const api::DatabaseSpec& database, const std::optional<std::string>& password) {
  std::string conninfo;
  add(conninfo, "host", database.host);
  add(conninfo, "port", std::to_string(database.port));
  add(conninfo, "dbname", database.dbname);
  add(conninfo, "user", database.user);
  if (password) add(conninfo, "password", *password);
  add(conninfo, "sslmode", database.ssl_mode);
  return conninfo;
}

DatabaseResolution resolve_database(Cluster& cluster, const std::string& ns, const api::Spec& spec) {
  DatabaseResolution resolution =
      spec.database.url_secret_ref ? from_url(cluster, ns, spec) : from_host(cluster, ns, spec);
  if (resolution.target) {
    resolution.target->version_table.schema = spec.version_table.schema;
    resolution.target->version_table.name = spec.version_table.name;
  }
  return resolution;
}

}  // namespace pgrevise::controller
