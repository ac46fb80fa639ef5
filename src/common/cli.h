#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::cli {

// One flag a command accepts. Flags are `--name VALUE`, `--name=VALUE`, or bare `--name` for switches.
struct FlagSpec {
  std::string name;        // without the leading dashes
  std::string value_name;  // empty for a switch
  std::string help;
  bool repeatable = false;
  std::string default_text;  // shown in help only
  char short_name = 0;       // a one-letter alias, `-X VALUE` (0: none)
};

struct CommandSpec {
  std::string usage;  // "pgrevise migrate upgrade [TARGET] [flags]"
  std::string summary;
  std::vector<FlagSpec> flags;
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::string details;  // extra help text after the flag list
  // Whether the project's settings file (common/project_config.h) gives defaults for this command's flags.
  bool project_defaults = true;
};

class ParsedArgs {
 public:
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  std::vector<std::string> get_all(const std::string& flag) const;
  // Parses an integer flag, throwing a bad-input Error naming the flag when the value is not one in [min,
  // max].
  std::optional<long long> get_int(const std::string& flag, long long min, long long max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend ParsedArgs parse(const CommandSpec& spec, const std::vector<std::string>& args);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses args against spec. `--help`/`-h` is not handled here (see wants_help). Throws Error(kBadInput)
// naming the offending flag or argument.
ParsedArgs parse(const CommandSpec& spec, const std::vector<std::string>& args);
bool wants_help(const std::vector<std::string>& args);

// The --output flag of a command that writes its result on stdout as text or as JSON, and whether the
// command line asks for JSON (a word other than text or json is bad input).
FlagSpec output_flag(std::string help = "result format on stdout");
bool json_output(const ParsedArgs& args);

// Values that parse() gives a flag of a command that takes it (and has project_defaults) when the command
// line does not: the project's settings file, read once by the executable before a command runs.
void set_project_defaults(std::map<std::string, std::string> defaults);
std::string help_text(const CommandSpec& spec);

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours, each 1.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `typed` when it is near enough to be a typo of it (a distance of at most a third
// of its length, at least 1 and at most 3); the first of equals in candidates' order.
std::optional<std::string> closest_match(std::string_view typed, const std::vector<std::string>& candidates);
// " (did you mean 'X'?)" with `prefix` before X (e.g. "--"), or "" when nothing is near.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates,
                         const std::string& prefix = "");

}  // namespace pgrevise::cli
