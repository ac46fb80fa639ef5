#include "controller/database_target.h"

#include "api/reasons.h"
#include "common/base64.h"
#include "common/redact.h"
#include "common/strings.h"
#include "controller/tls_files.h"
#include "db/connection.h"

namespace pgrevise::controller {
std::string quote_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

namespace {

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
    return {
        std::nullopt, api::reason::kSecretNotFound,
        "Secret " + ns + "/" + ref.name + " (" + std::string(field) + ", key \"" + ref.key + "\") not found"};
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

// The password of a URL's user info (scheme://user:PASSWORD@host), registered before libpq sees the URL: its
// complaint about a malformed URL may quote the password alone (an invalid percent-encoded token).
void register_url_password(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return;
  std::string_view rest = url.substr(scheme_end + 3);
  for (size_t at : {rest.find('@'), rest.rfind('@')}) {
    if (at == std::string_view::npos) continue;
    std::string_view user_info = rest.substr(0, at);
    if (size_t colon = user_info.find(':'); colon != std::string_view::npos) {
      register_secret(user_info.substr(colon + 1));
    }
  }
}

bool has_control_characters(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Why the URL cannot be used, or nullopt. Checked here rather than left to the connection attempt: a URL that
// libpq refuses is a mistake in the Secret (Stalled), not an unreachable database (retried for ever).
std::optional<std::string> url_problem(const std::string& conninfo) {
  if (has_control_characters(conninfo)) return "it contains control characters or binary data";
  return db::conninfo_problem(conninfo);
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
  register_url_password(conninfo);
  if (auto problem = url_problem(conninfo)) {
    const auto& ref = *spec.database.url_secret_ref;
    return {std::nullopt, api::reason::kSecretKeyNotFound,
            "Secret " + ns + "/" + ref.name + " key \"" + ref.key +
                "\" is neither a postgresql:// URL nor key=value connection settings that libpq "
                "accepts: " +
                redact(*problem) + " (spec.database.urlSecretRef)"};
  }
  DatabaseTarget target{conninfo, redact_connection_string(conninfo), {}};
  return {std::move(target), {}, {}};
}

DatabaseResolution from_host(Cluster& cluster, const std::string& ns, const api::Spec& spec) {
  std::optional<std::string> password;
  if (spec.database.password_secret_ref) {
    auto value =
        read_secret_value(cluster, ns, *spec.database.password_secret_ref, "spec.database.passwordSecretRef");
    if (!value.value) return {std::nullopt, value.reason, value.message};
    if (value.value->empty()) {
      const auto& ref = *spec.database.password_secret_ref;
      return {std::nullopt, api::reason::kSecretKeyNotFound,
              "Secret " + ns + "/" + ref.name + " key \"" + ref.key +
                  "\" is empty (spec.database.passwordSecretRef)"};
    }
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
  if (resolution.target && spec.database.tls) {
    const TlsFiles files = write_tls_files(cluster, ns, *spec.database.tls, tls_files_folder());
    if (!files.reason.empty()) return {std::nullopt, files.reason, files.message};
    resolution.target->conninfo = with_tls_files(resolution.target->conninfo, files);
  }
  if (resolution.target) {
    resolution.target->version_table.schema = spec.version_table.schema;
    resolution.target->version_table.name = spec.version_table.name;
  }
  return resolution;
}

}  // namespace pgrevise::controller
