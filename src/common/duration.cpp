#include "common/duration.h"

#include <cctype>
#include <cstdint>

namespace pgrevise {

namespace {

std::optional<double> unit_millis(std::string_view unit) {
  if (unit == "ms") return 1.0;
  if (unit == "s") return 1000.0;
  if (unit == "m") return 60'000.0;
  if (unit == "h") return 3'600'000.0;
  if (unit == "us" || unit == "µs") return 0.001;
  if (unit == "ns") return 0.000001;
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty() || text.size() > 64) return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    bool seen_dot = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !seen_dot))) {
      seen_dot |= text[i] == '.';
      ++i;
    }
    if (i == start) return std::nullopt;
    std::string number(text.substr(start, i - start));
    if (number == ".") return std::nullopt;
    size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') ++i;
    auto factor = unit_millis(text.substr(unit_start, i - unit_start));
    if (!factor) return std::nullopt;
    total += std::stod(number) * *factor;
    if (total > 9.0e15) return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total + 0.5));
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms == 0) return "0";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  auto secs = ms / 1000;
  std::string out;
  if (secs >= 3600) {
    out += std::to_string(secs / 3600) + "h";
    secs %= 3600;
  }
  if (secs >= 60) {
    out += std::to_string(secs / 60) + "m";
    secs %= 60;
  }
  if (secs > 0) out += std::to_string(secs) + "s";
  return out;
}

}  // namespace pgrevise
