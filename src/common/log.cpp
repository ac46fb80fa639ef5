#include "common/log.h"

#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/enum_names.h"
#include "common/redact.h"

namespace pgrevise::log {

namespace {

struct State {
  std::mutex mu;
  Level level = Level::kInfo;
  Format format = Format::kText;
  Sink sink;
};

State& state() {
  static State s;
  return s;
}

constexpr auto kLevelNames = enum_names<Level>({
    {Level::kDebug, "debug"},
    {Level::kInfo, "info"},
    {Level::kWarn, "warn"},
    {Level::kError, "error"},
});

constexpr auto kFormatNames = enum_names<Format>({{Format::kText, "text"}, {Format::kJson, "json"}});

const char* level_name(Level level) {
  return kLevelNames.name(level, "info");
}

// `out` is left as it is for a name the table lacks.
template <typename Names, typename Enum>
bool parse_into(const Names& names, std::string_view text, Enum& out) {
  const auto value = names.parse(text);
  if (value) out = *value;
  return value.has_value();
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

}  // namespace

void configure(Level min_level, Format format) {
  std::lock_guard lock(state().mu);
  state().level = min_level;
  state().format = format;
}

Level min_level() {
  std::lock_guard lock(state().mu);
  return state().level;
}

bool parse_level(std::string_view text, Level& out) {
  return parse_into(kLevelNames, text, out);
}

bool parse_format(std::string_view text, Format& out) {
  return parse_into(kFormatNames, text, out);
}

void set_sink(Sink sink) {
  std::lock_guard lock(state().mu);
  state().sink = std::move(sink);
}

void reset_sink() {
  set_sink(nullptr);
}

std::string format_line(Level level, std::string_view message, const Fields& fields,
                        std::string_view timestamp) {
  Format format;
  {
    std::lock_guard lock(state().mu);
    format = state().format;
  }
  if (format == Format::kJson) {
    nlohmann::json j;
    j["ts"] = timestamp;
    j["level"] = level_name(level);
    j["msg"] = redact(message);
    for (const auto& f : fields) j[f.key] = redact(f.value);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string line = std::string(timestamp) + " " + level_name(level) + " " + redact(message);
  for (const auto& f : fields) {
    std::string v = redact(f.value);
    line +=
        " " + f.key + "=" +
        (needs_quotes(v) ? nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                         : v);
  }
  return line;
}

void write(Level level, std::string_view message, const Fields& fields) {
  if (level < min_level()) return;
  std::string line = format_line(level, message, fields, format_rfc3339_ms(SystemClock::instance().now()));
  std::lock_guard lock(state().mu);
  if (state().sink) {
    state().sink(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace pgrevise::log
