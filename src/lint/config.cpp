#include "lint/config.h"

#include <charconv>
#include <optional>

#include "common/error.h"
#include "common/strings.h"
#include "lint/rules.h"

namespace pgrevise::lint {

namespace {

[[noreturn]] void fail(const std::string& file, int line, const std::string& message) {
  throw_bad_input(file + ":" + std::to_string(line) + ": " + message);
}

// A positive number with an optional unit of 10^3 steps (kB, MB, GB, TB); nullopt for anything else.
std::optional<double> number_of(std::string_view value, bool units) {
  double number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || number <= 0) return std::nullopt;
  const std::string_view unit = trim(std::string_view(end, size_t(value.data() + value.size() - end)));
  if (unit.empty()) return number;
  if (!units) return std::nullopt;
  double scale = 1;
  for (std::string_view u : {"kB", "MB", "GB", "TB"}) {
    scale *= 1000;
    if (unit == u) return number * scale;
  }
  return std::nullopt;
}

bool apply_evidence_key(Config& config, std::string_view key, std::string_view value, const std::string& file,
                        int line) {
  const bool bytes = key == "large-table-bytes";
  if (key != "throughput-mb-per-s" && key != "large-table-rows" && !bytes) return false;
  const auto number = number_of(value, bytes);
  if (!number)
    fail(file, line,
         std::string(key) + " must be a positive number" + (bytes ? " (with kB, MB, GB or TB)" : "") +
             ", not '" + std::string(value) + "'");
  if (key == "throughput-mb-per-s") config.evidence.throughput_mb_per_s = *number;
  if (key == "large-table-rows") config.evidence.large_rows = *number;
  if (bytes) config.evidence.large_bytes = static_cast<std::int64_t>(*number);
  return true;
}

void apply(Config& config, std::string_view key, std::string_view value, const std::string& file, int line) {
  if (key == "server-version") {
    int version = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
    if (ec != std::errc() || end != value.data() + value.size() || version < 9 || version > kLatestVersion)
      fail(file, line,
           "server-version must be a PostgreSQL major version such as 15, not '" + std::string(value) + "'");
    config.server_version = version;
  } else if (key == "lock-timeout") {
    if (value != "true" && value != "false") fail(file, line, "lock-timeout must be true or false");
    config.runner_lock_timeout = value == "true";
  } else if (apply_evidence_key(config, key, value, file, line)) {
  } else if (find_rule(key) != nullptr) {
    auto severity = parse_severity(value);
    if (!severity)
      fail(file, line,
           "rule " + std::string(key) + ": severity must be error, warning, info or off, not '" +
               std::string(value) + "'");
    config.severities[std::string(key)] = *severity;
  } else {
    fail(file, line,
         "unknown rule or key '" + std::string(key) +
             "' (pgrevise lint --list-rules lists the rules; the keys are server-version, "
             "lock-timeout, throughput-mb-per-s, large-table-rows and large-table-bytes)");
  }
}

}  // namespace

Config parse_config(std::string_view text, const std::string& file) {
  Config config;
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      fail(file, number, "expected 'key: value', got '" + std::string(line) + "'");
    std::string_view value = trim(line.substr(colon + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    apply(config, trim(line.substr(0, colon)), value, file, number);
  }
  return config;
}

}  // namespace pgrevise::lint
