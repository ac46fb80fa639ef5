#pragma once

#include <optional>
#include <string_view>

#include "common/enum_names.h"

namespace pgrevise {

// Where a PostgresMigration stands: its status.phase, and the state set the phase metric exports, named
// alike.
enum class Phase { kPending, kBackingUp, kMigrating, kSucceeded, kFailed, kBlocked };

// "Pending", "BackingUp", ... exactly as status.phase writes them.
inline constexpr auto kPhaseNames = enum_names<Phase>({
    {Phase::kPending, "Pending"},
    {Phase::kBackingUp, "BackingUp"},
    {Phase::kMigrating, "Migrating"},
    {Phase::kSucceeded, "Succeeded"},
    {Phase::kFailed, "Failed"},
    {Phase::kBlocked, "Blocked"},
});

inline std::string_view to_string(Phase phase) {
  return kPhaseNames.name(phase, "Unknown");
}

// nullopt for a word that names no phase.
inline std::optional<Phase> parse_phase(std::string_view text) {
  return kPhaseNames.parse(text);
}

}  // namespace pgrevise
