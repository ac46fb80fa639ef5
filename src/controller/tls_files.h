#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "api/types.h"
#include "controller/cluster.h"

namespace pgrevise::controller {

// spec.database.tls for the operator's own connection (the probe). libpq takes certificates and keys only as
// files, so the CA (from its Secret or ConfigMap) and the client certificate and key (from their Secret) are
// written to private files, mode 0600 in a folder of mode 0700, named by a hash of their content so that a
// reconcile reuses them. Their contents are registered for redaction and never shown; only the paths are.
struct TlsFiles {
  std::string root_cert;  // "" when no CA is set
  std::string cert;       // "" when no client certificate is set
  std::string key;
  std::string_view reason;  // set when the files could not be made: api::reason::kSecretNotFound, ...
  std::string message;      // names the object, key and field, never a value
};

TlsFiles write_tls_files(Cluster& cluster, const std::string& ns, const api::DatabaseTlsSpec& tls,
                         const std::filesystem::path& folder);

// The folder write_tls_files() uses in the operator: private to this process, under the temporary folder.
std::filesystem::path tls_files_folder();

// `conninfo` (a postgresql:// URL or keyword/value settings) with sslrootcert, sslcert and sslkey added for
// the files that are set.
std::string with_tls_files(const std::string& conninfo, const TlsFiles& files);

// Whether a connection error is the server's certificate (or ours) being refused: retrying cannot help until
// the CA, the certificate or sslMode is changed.
bool is_certificate_rejection(std::string_view message);

}  // namespace pgrevise::controller
