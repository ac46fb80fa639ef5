#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "lint/evidence.h"
#include "lint/finding.h"

namespace pgrevise::lint {

// A lint config file: one `key: value` per line (valid YAML), `#` comments.
//   require-concurrent-index-creation: warning   # a rule's severity: error, warning, info or off
//   server-version: 15                           # the PostgreSQL major version the revisions run on
//   lock-timeout: true                           # pgrevise runs them with a lock_timeout of its own
//   throughput-mb-per-s: 150                     # online: the rate a rewrite or scan is estimated at
//   large-table-rows: 10000000                   # online: a finding on a table this big is an error
//   large-table-bytes: 10GB                      # ... or this big (bytes, or kB, MB, GB, TB)
struct Config {
  std::map<std::string, Severity, std::less<>> severities;
  std::optional<int> server_version;
  std::optional<bool> runner_lock_timeout;
  EvidenceOptions evidence;
};

// Parses a config's text; `file` names it in errors. Throws Error (kBadInput) naming file:line for an
// unknown rule or key, a bad severity or a bad value.
Config parse_config(std::string_view text, const std::string& file);

}  // namespace pgrevise::lint
