#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgrevise {

// Parses Go / Kubernetes style durations: "0", "250ms", "5s", "1m30s", "2h", "1.5s". Returns nullopt on
// anything else (negative values, unknown units, empty input, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest form parse_duration reads back: "0", "250ms", "5s", "1m30s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace pgrevise
