#include "api/yaml.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "common/error.h"

namespace pgrevise::api {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Digits from `i`; returns how many.
std::size_t digits_at(const std::string& s, std::size_t i) {
  std::size_t n = 0;
  while (i + n < s.size() && is_digit(s[i + n])) ++n;
  return n;
}

// [-+]?[0-9]+  (written out: std::regex recurses per character and overflows the stack on long scalars)
bool is_integer(const std::string& s) {
  const std::size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  const std::size_t n = digits_at(s, sign);
  return n > 0 && sign + n == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(const std::string& s) {
  std::size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  const std::size_t whole = digits_at(s, i);
  i += whole;
  std::size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    fraction = digits_at(s, i + 1);
    i += 1 + fraction;
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const std::size_t exponent = digits_at(s, i);
    if (exponent == 0) return false;
    i += exponent;
  }
  return i == s.size();
}

Json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  // kubectl reads manifests as YAML 1.1, where yes/no/on/off/y/n are booleans too.
  static const std::set<std::string> kTrue = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                              "on",   "On",   "ON",   "y",   "Y"};
  static const std::set<std::string> kFalse = {"false", "False", "FALSE", "no", "No", "NO",
                                               "off",   "Off",   "OFF",   "n",  "N"};
  if (kTrue.contains(s)) return true;
  if (kFalse.contains(s)) return false;
  if (is_integer(s)) {
    try {
      if (s[0] == '-') return std::stoll(s);
      return std::stoull(s[0] == '+' ? s.substr(1) : s);
    } catch (const std::out_of_range&) {
      return std::stod(s);  // like the API server, an integer too large for 64 bits becomes a float
    }
  }
  if (is_float(s)) return std::stod(s);
  return s;
}

Json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return node.Tag() == "?" ? plain_scalar(node.Scalar()) : Json(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& entry : node) out[entry.first.as<std::string>()] = to_json(entry.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<Json> parse_yaml_documents(std::string_view text) {
  std::vector<Json> documents;
  try {
    for (const auto& node : YAML::LoadAll(std::string(text))) {
      Json doc = to_json(node);
      if (!doc.is_null()) documents.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::kBadInput, "invalid YAML at line " + std::to_string(e.mark.line + 1) +
                                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return documents;
}

}  // namespace pgrevise::api
