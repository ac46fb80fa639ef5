#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "lint/finding.h"

namespace pgrevise::lint {

// A lint config file: one `key: value` per line (valid YAML), `#` comments.
//   require-concurrent-index-creation: warning   # a rule's severity: error, warning, info or off
//   server-version: 15                           # the PostgreSQL major version the revisions run on
//   lock-timeout: true                           # pgrevise runs them with a lock_timeout of its own
struct Config {
  std::map<std::string, Severity, std::less<>> severities;
  std::optional<int> server_version;
  std::optional<bool> runner_lock_timeout;
};

// Parses a config's text; `file` names it in errors. Throws Error (kBadInput) naming file:line for an
// unknown rule or key, a bad severity or a bad value.
Config parse_config(std::string_view text, const std::string& file);

}  // namespace pgrevise::lint
