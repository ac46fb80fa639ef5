#pragma once

#include <optional>
#include <string_view>

#include "common/enum_names.h"

namespace pgrevise {

// Which section of a revision runs: its upgrade or its downgrade. The same words name it everywhere it is
// written down (the Job's annotation and environment, the Job report, status.lastRun.steps, metric labels).
enum class Direction { kUpgrade, kDowngrade };

inline constexpr auto kDirectionNames =
    enum_names<Direction>({{Direction::kUpgrade, "upgrade"}, {Direction::kDowngrade, "downgrade"}});

inline const char* to_string(Direction direction) {
  return kDirectionNames.name(direction, "upgrade");
}

// "upgrade" / "downgrade"; nullopt for anything else.
inline std::optional<Direction> parse_direction(std::string_view text) {
  return kDirectionNames.parse(text);
}

}  // namespace pgrevise
