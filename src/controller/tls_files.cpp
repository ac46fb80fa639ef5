#include "controller/tls_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "api/reasons.h"
#include "common/base64.h"
#include "common/hash.h"
#include "common/redact.h"
#include "controller/database_target.h"

namespace pgrevise::controller {
namespace {

struct Value {
  std::string text;
  std::string_view reason;
  std::string message;
};

Value read_key(Cluster& cluster, const std::string& ns, bool secret, const std::string& name,
               const std::string& key, const std::string& field) {
  const std::string kind = secret ? "Secret" : "ConfigMap";
  const auto object = secret ? cluster.get_secret(ns, name) : cluster.get_config_map(ns, name);
  const std::string_view missing_key =
      secret ? api::reason::kSecretKeyNotFound : api::reason::kConfigMapNotFound;
  if (!object) {
    return {"", secret ? api::reason::kSecretNotFound : api::reason::kConfigMapNotFound,
            kind + " " + ns + "/" + name + " (" + field + ") not found"};
  }
  const auto data = object->find("data");
  if (data == object->end() || !data->is_object() || !data->contains(key) || !(*data)[key].is_string()) {
    return {"", missing_key, kind + " " + ns + "/" + name + " has no key \"" + key + "\" (" + field + ")"};
  }
  std::string text = (*data)[key].get<std::string>();
  if (secret) {
    try {
      text = base64_decode(text, "Secret " + name);
    } catch (const Error&) {
      return {"", missing_key,
              kind + " " + ns + "/" + name + " key \"" + key + "\" is not valid base64 (" + field + ")"};
    }
  }
  if (text.empty()) {
    return {"", missing_key, kind + " " + ns + "/" + name + " key \"" + key + "\" is empty (" + field + ")"};
  }
  return {std::move(text), {}, {}};
}

// Writes `content` to folder/<hash>.pem with mode 0600 unless it is there already; returns the path.
std::string write_private(const std::filesystem::path& folder, const std::string& content) {
  std::filesystem::create_directories(folder);
  ::chmod(folder.c_str(), 0700);
  const std::filesystem::path path = folder / (sha256_hex(content).substr(0, 32) + ".pem");
  if (std::filesystem::exists(path)) return path.string();
  const std::filesystem::path temp = path.string() + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorKind::kIo, "cannot write " + temp.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw Error(ErrorKind::kIo, "cannot write " + temp.string());
  std::filesystem::rename(temp, path);
  return path.string();
}

}  // namespace

TlsFiles write_tls_files(Cluster& cluster, const std::string& ns, const api::DatabaseTlsSpec& tls,
                         const std::filesystem::path& folder) {
  TlsFiles files;
  const auto fail = [&](Value& v) {
    files.reason = v.reason;
    files.message = std::move(v.message);
    return files;
  };
  if (tls.ca_secret_ref || tls.ca_config_map_ref) {
    const bool secret = tls.ca_secret_ref.has_value();
    const api::SecretKeyRef& ref = secret ? *tls.ca_secret_ref : *tls.ca_config_map_ref;
    Value ca = read_key(cluster, ns, secret, ref.name, ref.key,
                        secret ? "spec.database.tls.caSecretRef" : "spec.database.tls.caConfigMapRef");
    if (!ca.reason.empty()) return fail(ca);
    files.root_cert = write_private(folder, ca.text);
  }
  if (const auto& client = tls.client_cert_secret_ref) {
    const std::string field = "spec.database.tls.clientCertSecretRef";
    Value cert = read_key(cluster, ns, true, client->name, client->cert_key, field);
    if (!cert.reason.empty()) return fail(cert);
    Value key = read_key(cluster, ns, true, client->name, client->key_key, field);
    if (!key.reason.empty()) return fail(key);
    register_secret(key.text);
    files.cert = write_private(folder, cert.text);
    files.key = write_private(folder, key.text);
  }
  return files;
}

std::filesystem::path tls_files_folder() {
  return std::filesystem::temp_directory_path() / ("pgrevise-database-tls-" + std::to_string(::getpid()));
}

std::string with_tls_files(const std::string& conninfo, const TlsFiles& files) {
  const bool url = conninfo.rfind("postgres", 0) == 0 && conninfo.find("://") != std::string::npos;
  std::string out = conninfo;
  for (const auto& [name, path] : {std::pair{"sslrootcert", files.root_cert},
                                   std::pair{"sslcert", files.cert}, std::pair{"sslkey", files.key}}) {
    if (path.empty()) continue;
    // The paths hold only letters, digits, '-', '_', '.' and '/', which a URL takes as they are.
    if (url) {
      out += (out.find('?') == std::string::npos ? "?" : "&") + std::string(name) + "=" + path;
    } else {
      out += " " + std::string(name) + "=" + quote_value(path);
    }
  }
  return out;
}

bool is_certificate_rejection(std::string_view message) {
  for (std::string_view sign :
       {"certificate verify failed", "does not match host name", "root certificate file", "unknown ca",
        "bad certificate", "certificate unknown", "certificate required", "private key file",
        "certificate present, but not private key", "could not load private key",
        "could not load SSL certificate", "could not read certificate", "could not read root certificate"}) {
    if (message.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace pgrevise::controller
