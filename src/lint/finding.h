#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgrevise::lint {

// How much a finding matters, in increasing order. kOff turns a rule off (in a config).
enum class Severity { kInfo, kWarning, kError, kOff };

std::string_view severity_name(Severity severity);  // "info", "warning", "error", "off"
// The severity of a name as above; nullopt for another word.
std::optional<Severity> parse_severity(std::string_view name);

// One statement's problem, as every output and the operator's gate show it.
struct Finding {
  std::string rule;  // e.g. "require-concurrent-index-creation"
  Severity severity = Severity::kWarning;
  std::string file;       // as named in messages ("-" for standard input)
  std::string revision;   // empty for a plain SQL file
  int line = 0;           // 1-based, of the statement's first character in the file
  int column = 0;         // 1-based, in bytes
  std::string message;    // what is wrong, one sentence
  std::string help;       // the safe way to do it
  std::string lock;       // the lock the statement takes ("ACCESS EXCLUSIVE"), empty when none
  std::string relation;   // the relation it takes it on, as written (schema-qualified when it was)
  std::string statement;  // the statement's text
};

}  // namespace pgrevise::lint
