#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgrevise::testing {

// A Kubernetes label selector ("a=b,c!=d,e in (f,g),h notin (i),j,!k"), as the API server parses it.
class LabelSelector {
 public:
  // Returns nullopt for a malformed selector (the server answers 400).
  static std::optional<LabelSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& labels) const;

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// The subset of field selectors the API supports on every resource: metadata.name and metadata.namespace with
// =, == and !=; and involvedObject.kind and involvedObject.name, which it supports on core/v1 Events.
class FieldSelector {
 public:
  static std::optional<FieldSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& object) const;

 private:
  struct Requirement {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace pgrevise::testing
