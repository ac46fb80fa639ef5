#include "api/types.h"

#include <array>
#include <utility>

namespace pgrevise::api {
namespace {

constexpr std::array<std::pair<Phase, std::string_view>, 6> kPhaseNames{{
    {Phase::kPending, "Pending"},
    {Phase::kBackingUp, "BackingUp"},
    {Phase::kMigrating, "Migrating"},
    {Phase::kSucceeded, "Succeeded"},
    {Phase::kFailed, "Failed"},
    {Phase::kBlocked, "Blocked"},
}};

}  // namespace

std::string_view to_string(Phase phase) {
  for (const auto& [value, name] : kPhaseNames) {
    if (value == phase) return name;
  }
  return "Unknown";
}

std::optional<Phase> parse_phase(std::string_view text) {
  for (const auto& [value, name] : kPhaseNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace pgrevise::api
