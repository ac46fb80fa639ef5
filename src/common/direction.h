#pragma once

#include <optional>
#include <string_view>

namespace pgrevise {

// Which section of a revision runs: its upgrade or its downgrade. The same words name it everywhere it is
// written down (the Job's annotation and environment, the Job report, status.lastRun.steps, metric labels).
enum class Direction { kUpgrade, kDowngrade };

inline const char* to_string(Direction direction) {
  return direction == Direction::kDowngrade ? "downgrade" : "upgrade";
}

// "upgrade" / "downgrade"; nullopt for anything else.
inline std::optional<Direction> parse_direction(std::string_view text) {
  if (text == "upgrade") return Direction::kUpgrade;
  if (text == "downgrade") return Direction::kDowngrade;
  return std::nullopt;
}

}  // namespace pgrevise
