#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"

// kstatus condition helpers. Conditions are kept in the order they were first set, so status writes that
// change nothing compare equal and are skipped.
namespace pgrevise::api {

// Sets (adds or updates) the condition `type`. last_transition_time changes only when the status changes (a
// new reason or message alone keeps it); observed_generation is always set. `now` is an RFC 3339 timestamp
// (common/clock.h format_rfc3339). Returns true when anything changed.
bool set_condition(std::vector<Condition>& conditions, std::string_view type, std::string_view status,
                   std::string_view reason, std::string_view message, std::int64_t observed_generation,
                   std::string_view now);
bool set_condition(std::vector<Condition>& conditions, std::string_view type, bool status,
                   std::string_view reason, std::string_view message, std::int64_t observed_generation,
                   std::string_view now);

// nullptr when absent.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);
Condition* find_condition(std::vector<Condition>& conditions, std::string_view type);

bool is_true(const std::vector<Condition>& conditions, std::string_view type);
bool is_false(const std::vector<Condition>& conditions, std::string_view type);

// Removes the condition; returns true when it was present. kstatus's abnormal-true conditions (Reconciling,
// Stalled) may be removed rather than set False when they no longer apply.
bool remove_condition(std::vector<Condition>& conditions, std::string_view type);

// True when every condition's observed_generation equals `generation` (kstatus "current").
bool conditions_current(const std::vector<Condition>& conditions, std::int64_t generation);

}  // namespace pgrevise::api
