#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/types.h"
#include "controller/cluster.h"
#include "controller/database_probe.h"

namespace pgrevise::controller {

// spec.database resolved against its Secret: the connection the probe uses, or why there is none.
struct DatabaseResolution {
  std::optional<DatabaseTarget> target;
  std::string_view reason;  // api::reason::kSecretNotFound / kSecretKeyNotFound when target is empty
  std::string message;      // names the Secret and key, never a value
};

// Reads the one Secret spec.database refers to (urlSecretRef, or passwordSecretRef with
// host/port/dbname/user) with Cluster::get_secret, and registers the secret value for redaction. A URL value
// is trimmed (Secrets made from files often end in a newline).
DatabaseResolution resolve_database(Cluster& cluster, const std::string& ns, const api::Spec& spec);

// A value quoted for a keyword/value conninfo ('it\'s').
std::string quote_value(const std::string& value);

// The keyword/value conninfo for the host form (values quoted for libpq), with and without the password.
std::string keyword_conninfo(const api::DatabaseSpec& database, const std::optional<std::string>& password);

}  // namespace pgrevise::controller
