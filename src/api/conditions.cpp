#include "api/conditions.h"

#include <algorithm>

#include "api/reasons.h"

namespace pgrevise::api {

bool set_condition(std::vector<Condition>& conditions, std::string_view type, std::string_view status,
                   std::string_view reason, std::string_view message, std::int64_t observed_generation,
                   std::string_view now) {
  Condition* existing = find_condition(conditions, type);
  if (existing == nullptr) {
    conditions.push_back(Condition{.type = std::string(type),
                                   .status = std::string(status),
                                   .reason = std::string(reason),
                                   .message = std::string(message),
                                   .last_transition_time = std::string(now),
                                   .observed_generation = observed_generation});
    return true;
  }
  Condition updated = *existing;
  if (updated.status != status) {
    updated.status = std::string(status);
    updated.last_transition_time = std::string(now);
  }
  updated.reason = std::string(reason);
  updated.message = std::string(message);
  updated.observed_generation = observed_generation;
  if (updated == *existing) return false;
  *existing = std::move(updated);
  return true;
}

bool set_condition(std::vector<Condition>& conditions, std::string_view type, bool status,
                   std::string_view reason, std::string_view message, std::int64_t observed_generation,
                   std::string_view now) {
  return set_condition(conditions, type, status ? kConditionTrue : kConditionFalse, reason, message,
                       observed_generation, now);
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it =
      std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

Condition* find_condition(std::vector<Condition>& conditions, std::string_view type) {
  auto it =
      std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool is_true(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = find_condition(conditions, type);
  return c != nullptr && c->status == kConditionTrue;
}

bool is_false(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = find_condition(conditions, type);
  return c != nullptr && c->status == kConditionFalse;
}

bool remove_condition(std::vector<Condition>& conditions, std::string_view type) {
  const auto before = conditions.size();
  std::erase_if(conditions, [&](const Condition& c) { return c.type == type; });
  return conditions.size() != before;
}

bool conditions_current(const std::vector<Condition>& conditions, std::int64_t generation) {
  return std::all_of(conditions.begin(), conditions.end(),
                     [&](const Condition& c) { return c.observed_generation == generation; });
}

}  // namespace pgrevise::api
