#include "support/label_selector.h"

#include <algorithm>
#include <cctype>

namespace pgrevise::testing {
namespace {

std::string trim_copy(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Splits on commas that are not inside parentheses.
std::optional<std::vector<std::string>> split_top_level(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (const char c : text) {
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return std::nullopt;
    if (c == ',' && depth == 0) {
      parts.push_back(trim_copy(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (depth != 0) return std::nullopt;
  parts.push_back(trim_copy(current));
  return parts;
}

bool valid_token(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

}  // namespace

std::optional<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector selector;
  if (trim_copy(text).empty()) return selector;
  const auto parts = split_top_level(text);
  if (!parts) return std::nullopt;
  for (const auto& part : *parts) {
    Requirement req;
    if (part.empty()) return std::nullopt;
    const auto set_op = [&](const std::string& word, Op op) -> std::optional<bool> {
      const auto pos = part.find(" " + word + " ");
      if (pos == std::string::npos) return false;
      req.key = trim_copy(part.substr(0, pos));
      std::string rest = trim_copy(part.substr(pos + word.size() + 2));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') return std::nullopt;
      for (std::size_t start = 1; start < rest.size();) {
        auto end = rest.find(',', start);
        if (end == std::string::npos) end = rest.size() - 1;
        const std::string value = trim_copy(rest.substr(start, end - start));
        if (!value.empty()) req.values.push_back(value);
        start = end + 1;
      }
      req.op = op;
      return true;
    };
    auto in = set_op("notin", Op::kNotIn);
    if (in && !*in) in = set_op("in", Op::kIn);
    if (!in) return std::nullopt;
    if (!*in) {
      if (const auto ne = part.find("!="); ne != std::string::npos) {
        req = {trim_copy(part.substr(0, ne)), Op::kNotEquals, {trim_copy(part.substr(ne + 2))}};
      } else if (const auto eq = part.find('='); eq != std::string::npos) {
        const std::size_t skip = part.compare(eq, 2, "==") == 0 ? 2 : 1;
        req = {trim_copy(part.substr(0, eq)), Op::kEquals, {trim_copy(part.substr(eq + skip))}};
      } else if (part[0] == '!') {
        req = {trim_copy(part.substr(1)), Op::kNotExists, {}};
      } else {
        req = {part, Op::kExists, {}};
      }
    }
    if (!valid_token(req.key)) return std::nullopt;
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool LabelSelector::matches(const nlohmann::json& labels) const {
  for (const auto& req : requirements_) {
    const bool has = labels.is_object() && labels.contains(req.key) && labels[req.key].is_string();
    const std::string value = has ? labels[req.key].get<std::string>() : "";
    const bool listed = std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    switch (req.op) {
      case Op::kEquals:
        if (!has || value != req.values[0]) return false;
        break;
      case Op::kNotEquals:
        if (has && value == req.values[0]) return false;
        break;
      case Op::kIn:
        if (!has || !listed) return false;
        break;
      case Op::kNotIn:
        if (has && listed) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kNotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::optional<FieldSelector> FieldSelector::parse(const std::string& text) {
  FieldSelector selector;
  if (trim_copy(text).empty()) return selector;
  const auto parts = split_top_level(text);
  if (!parts) return std::nullopt;
  for (const auto& part : *parts) {
    Requirement req;
    if (const auto ne = part.find("!="); ne != std::string::npos) {
      req = {trim_copy(part.substr(0, ne)), false, trim_copy(part.substr(ne + 2))};
    } else if (const auto eq = part.find('='); eq != std::string::npos) {
      const std::size_t skip = part.compare(eq, 2, "==") == 0 ? 2 : 1;
      req = {trim_copy(part.substr(0, eq)), true, trim_copy(part.substr(eq + skip))};
    } else {
      return std::nullopt;
    }
    if (req.field != "metadata.name" && req.field != "metadata.namespace" &&
        req.field != "involvedObject.kind" && req.field != "involvedObject.name")
      return std::nullopt;
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::matches(const nlohmann::json& object) const {
  for (const auto& req : requirements_) {
    const std::size_t dot = req.field.find('.');
    const auto& parent = object.value(req.field.substr(0, dot), nlohmann::json::object());
    const std::string value = parent.is_object() ? parent.value(req.field.substr(dot + 1), "") : "";
    if ((value == req.value) != req.equals) return false;
  }
  return true;
}

}  // namespace pgrevise::testing
