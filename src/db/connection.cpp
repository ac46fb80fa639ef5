#include "db/connection.h"

#include <cstdlib>
#include <map>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "common/database_url.h"
#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace pgrevise::db {

namespace {

using Options = std::map<std::string, std::string>;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Parses a URL or keyword/value conninfo with libpq itself, so that we accept exactly what libpq accepts.
Options parse_conninfo(const std::string& text, const std::string& source) {
  const std::string conninfo = libpq_connection_text(text, source);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? std::string(trim(err)) : "out of memory";
    if (err != nullptr) PQfreemem(err);
    throw Error(ErrorKind::kBadInput,
                redact("invalid database URL in " + source + " (" + conninfo + "): " + why));
  }
  Options out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  return out;
}

std::string quote_conninfo_value(const std::string& v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

std::string to_keyword_conninfo(const Options& opts) {
  std::string out;
  for (const auto& [k, v] : opts) {
    if (!out.empty()) out += ' ';
    out += k + "=" + quote_conninfo_value(v);
  }
  return out;
}

std::string field(const Options& opts, const std::string& key, const char* env) {
  auto it = opts.find(key);
  if (it != opts.end() && !it->second.empty()) return it->second;
  return env_or_empty(env);
}

std::string describe_environment(const ConnectionConfig& c) {
  std::string out = "PG* environment (";
  std::string parts;
  auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) return;
    if (!parts.empty()) parts += ' ';
    parts += std::string(k) + "=" + v;
  };
  add("host", c.host);
  add("port", c.port);
  add("dbname", c.dbname);
  add("user", c.user);
  return out + (parts.empty() ? "libpq defaults" : parts) + ")";
}

// libpq's messages span lines ("...refused\n\tIs the server running..."); logs want one line.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char ch : text) {
    if (ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

bool looks_like_auth_failure(const std::string& msg) {
  const std::string lower = to_lower(msg);
  return lower.find("authentication failed") != std::string::npos ||
         lower.find("no password supplied") != std::string::npos ||
         lower.find("password is required") != std::string::npos ||
         lower.find("pg_hba.conf") != std::string::npos || lower.find("role \"") != std::string::npos;
}

}  // namespace

std::string ConnectionConfig::conninfo_without_password() const {
  if (conninfo.empty()) return "";
  Options opts = parse_conninfo(conninfo, "the connection settings");
  opts.erase("password");
  return to_keyword_conninfo(opts);
}

std::string ConnectionConfig::endpoint() const {
  std::string h = host.empty() ? "localhost" : host;
  return h + ":" + (port.empty() ? "5432" : port);
}

std::optional<std::string> conninfo_problem(const std::string& text) {
  if (auto problem = url_scheme_problem(text)) return problem;
  const std::string conninfo = libpq_connection_text(text, "the URL");
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts != nullptr) {
    // libpq checks port numbers only when it connects; a port that is not one is as wrong as a bad URL.
    std::optional<std::string> problem;
    for (PQconninfoOption* o = opts; o->keyword != nullptr && !problem; ++o) {
      if (o->val == nullptr || std::string_view(o->keyword) != "port") continue;
      for (const auto& port : split_trimmed(o->val, ',')) {
        if (port.empty()) continue;  // the default port, in a list of hosts
        const bool digits = port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoi(port) == 0 || std::stoi(port) > 65535) {
          problem = redact("invalid port number: \"" + port + "\"");
          break;
        }
      }
    }
    PQconninfoFree(opts);
    return problem;
  }
  std::string why = err != nullptr ? std::string(trim(err)) : "out of memory";
  if (err != nullptr) PQfreemem(err);
  return redact(why);
}

ConnectionConfig resolve_connection(const std::optional<std::string>& flag_url) {
  ConnectionConfig cfg;
  std::string source;
  if (flag_url.has_value()) {
    cfg.conninfo = *flag_url;
    source = "--database-url";
  } else if (const char* env = std::getenv("DATABASE_URL"); env != nullptr && *env != '\0') {
    cfg.conninfo = env;
    source = "DATABASE_URL";
  }
  // PGPASSWORD applies whatever the source; mask it before anything can print it.
  if (std::string pgpass = env_or_empty("PGPASSWORD"); !pgpass.empty()) register_secret(pgpass);
  if (!source.empty() && trim(cfg.conninfo).empty()) {
    throw Error(ErrorKind::kBadInput, source + " is empty");
  }
  Options opts;
  if (!source.empty()) {
    opts = parse_conninfo(cfg.conninfo, source);
    cfg.display = redact(cfg.conninfo);
    cfg.conninfo = libpq_connection_text(cfg.conninfo, source);
  }
  cfg.host = field(opts, "host", "PGHOST");
  if (cfg.host.empty()) cfg.host = field(opts, "hostaddr", "PGHOSTADDR");
  cfg.port = field(opts, "port", "PGPORT");
  cfg.dbname = field(opts, "dbname", "PGDATABASE");
  cfg.user = field(opts, "user", "PGUSER");
  cfg.sslmode = field(opts, "sslmode", "PGSSLMODE");
  if (std::string pw = field(opts, "password", "PGPASSWORD"); !pw.empty()) {
    register_secret(pw);
    cfg.password = pw;
  }
  if (source.empty()) cfg.display = describe_environment(cfg);
  return cfg;
}

std::unique_ptr<pqxx::connection> connect(const ConnectionConfig& cfg, std::chrono::seconds connect_timeout,
                                          const std::string& application_name) {
  Options opts;
  if (!cfg.conninfo.empty()) opts = parse_conninfo(cfg.conninfo, cfg.display);
  if (opts.find("connect_timeout") == opts.end()) {
    opts["connect_timeout"] = std::to_string(std::max<long long>(1, connect_timeout.count()));
  }
  opts["application_name"] = application_name;
  try {
    auto conn = std::make_unique<pqxx::connection>(to_keyword_conninfo(opts));
    // libpqxx 6 silently reconnects a broken connection by default. A new session would not hold the
    // migration lock nor be inside the transaction it thinks it is in, so a lost connection must stay an
    // error.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    return conn;
  } catch (const std::exception& e) {
    const std::string detail = one_line(redact(trim(e.what())));
    if (looks_like_auth_failure(detail)) {
      throw Error(ErrorKind::kConnection, "authentication failed for user " +
                                              (cfg.user.empty() ? std::string("(default)") : cfg.user) +
                                              " at " + cfg.endpoint() + ": " + detail);
    }
    if (detail.find("database \"") != std::string::npos &&
        detail.find("does not exist") != std::string::npos) {
      throw Error(ErrorKind::kConnection, "database " +
                                              (cfg.dbname.empty() ? std::string("(default)") : cfg.dbname) +
                                              " does not exist at " + cfg.endpoint() + ": " + detail);
    }
    throw Error(ErrorKind::kConnection, "could not connect to " + cfg.endpoint() + ": " + detail);
  }
}

int server_version_num(pqxx::connection_base& c) {
  return c.server_version();
}

SessionInfo session_info(pqxx::connection_base& c) {
  pqxx::nontransaction tx(c);
  auto row = tx.exec1(
      "SELECT pg_backend_pid(), current_setting('server_version_num')::int, "
      "current_setting('server_version'), "
      "current_user, current_setting('application_name'), current_database()");
  SessionInfo info;
  info.backend_pid = row[0].as<int>();
  info.server_version_num = row[1].as<int>();
  info.server_version = row[2].as<std::string>();
  info.current_user = row[3].as<std::string>();
  info.application_name = row[4].as<std::string>();
  info.database = row[5].as<std::string>();
  return info;
}

}  // namespace pgrevise::db
