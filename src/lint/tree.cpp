#include "lint/tree.h"

#include <cctype>

namespace pgrevise::lint::tree {

namespace {

const json& null_json() {
  static const json value;
  return value;
}
const json& empty_object() {
  static const json value = json::object();
  return value;
}
const json& empty_list() {
  static const json value = json::array();
  return value;
}

}  // namespace

std::string_view kind(const json& node) {
  if (!node.is_object() || node.size() != 1) return {};
  return node.begin().key();
}

const json& body(const json& node) {
  if (kind(node).empty()) return empty_object();
  return node.begin().value();
}

const json& field(const json& object, std::string_view key) {
  if (!object.is_object()) return null_json();
  auto it = object.find(key);
  return it == object.end() ? null_json() : *it;
}

const json& list(const json& object, std::string_view key) {
  const json& value = field(object, key);
  return value.is_array() ? value : empty_list();
}

bool flag(const json& object, std::string_view key) {
  const json& value = field(object, key);
  return value.is_boolean() && value.get<bool>();
}

std::string text(const json& object, std::string_view key) {
  const json& value = field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string quote_identifier(std::string_view name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string relation_name(const json& range_var) {
  const std::string schema = text(range_var, "schemaname");
  const std::string name = quote_identifier(text(range_var, "relname"));
  return schema.empty() ? name : quote_identifier(schema) + "." + name;
}

bool only(const json& range_var) {
  return !flag(range_var, "inh");
}

std::vector<std::string> strings(const json& items) {
  std::vector<std::string> out;
  if (!items.is_array()) return out;
  for (const auto& item : items) {
    const json& s = field(item, "String");
    out.push_back(text(s, "sval"));
  }
  return out;
}

std::string dotted_name(const json& items) {
  std::string out;
  for (const auto& part : strings(items)) out += (out.empty() ? "" : ".") + quote_identifier(part);
  return out;
}

std::string type_name(const json& type_name_node) {
  const auto names = strings(field(type_name_node, "names"));
  if (names.empty()) return "";
  std::string out = names.back();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_array_type(const json& type_name_node) {
  return !list(type_name_node, "arrayBounds").empty();
}

std::vector<const json*> column_constraints(const json& column_def) {
  std::vector<const json*> out;
  for (const auto& c : list(column_def, "constraints"))
    if (kind(c) == "Constraint") out.push_back(&body(c));
  return out;
}

bool is_constraint(const json& constraint, std::string_view contype) {
  return text(constraint, "contype") == contype;
}

}  // namespace pgrevise::lint::tree
