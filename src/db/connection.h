#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/connection>

namespace pgrevise::db {

// Resolved connection settings. Holds the secret: never print conninfo or password; print display.
struct ConnectionConfig {
  std::string
      conninfo;         // full libpq conninfo or URL, including the password (for libpq only); empty: PG* env
  std::string display;  // redacted form for messages and logs
  std::string host, port, dbname, user, sslmode;  // as resolved (empty when libpq defaults apply)
  std::optional<std::string> password;
  // For child processes such as pg_dump: keyword/value conninfo without the password, which goes to the child
  // through PGPASSWORD or a passfile instead. Empty when settings come from the PG* environment.
  std::string conninfo_without_password() const;
  // "host:port" as libpq will use it, for messages ("localhost:5432" style, defaults filled in).
  std::string endpoint() const;
};

// --database-url flag, else DATABASE_URL, else libpq's PG* variables (empty conninfo). Registers the password
// with common/redact.h so it is masked everywhere. A bad URL → Error(kBadInput) naming the flag or variable
// (redacted).
ConnectionConfig resolve_connection(const std::optional<std::string>& flag_url);

// Why libpq would refuse `conninfo` (a URL or keyword/value settings) before connecting, or nullopt when it
// parses. URLs take every form common/database_url.h accepts; another scheme is a problem naming it. The
// answer is libpq's own words passed through redact(); callers register the secret parts first.
std::optional<std::string> conninfo_problem(const std::string& conninfo);

// Connects with a connect_timeout (unless the conninfo sets one) and application_name (always this one: lock
// holders and history rows are identified by it). The connection never reconnects silently. Failures →
// Error(kConnection) whose one-line message starts "could not connect to <host:port>", "authentication failed
// for user <user>" or "database <name> does not exist", and never contains the password.
std::unique_ptr<pqxx::connection> connect(const ConnectionConfig& cfg,
                                          std::chrono::seconds connect_timeout = std::chrono::seconds(10),
                                          const std::string& application_name = "pgrevise");

// Facts about the session the runner reports and checks.
struct SessionInfo {
  int backend_pid = 0;
  int server_version_num = 0;  // e.g. 150004
  std::string server_version;  // e.g. "15.4"
  std::string current_user;
  std::string application_name;
  std::string database;
};
SessionInfo session_info(pqxx::connection_base& c);
int server_version_num(pqxx::connection_base& c);

}  // namespace pgrevise::db
