#include "crd_schema_check.h"

#include <regex>

namespace pgrevise::api::testing {
namespace {

using Json = nlohmann::json;

class SchemaChecker {
 public:
  void check(const Json& value, const Json& schema, const std::string& path) {
    if (!schema.is_object() || value.is_null()) return;
    if (!type_matches(value, schema, path)) return;
    if (schema.contains("enum") &&
        std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
      fail(path, "unsupported value " + value.dump());
    }
    if (value.is_string()) check_string(value.get<std::string>(), schema, path);
    if (value.is_number()) check_number(value.get<double>(), schema, path);
    if (value.is_array()) check_array(value, schema, path);
    if (value.is_object()) check_object(value, schema, path);
  }

  std::vector<SchemaViolation> violations;

 private:
  void fail(const std::string& path, const std::string& message) { violations.push_back({path, message}); }

  bool type_matches(const Json& value, const Json& schema, const std::string& path) {
    if (schema.value("x-kubernetes-int-or-string", false)) {
      if (value.is_number_integer() || value.is_string()) return true;
      fail(path, "must be an integer or a string");
      return false;
    }
    const std::string type = schema.value("type", "");
    const bool ok =
        type.empty() || (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
        (type == "string" && value.is_string()) || (type == "boolean" && value.is_boolean()) ||
        (type == "integer" && value.is_number_integer()) || (type == "number" && value.is_number());
    if (!ok) fail(path, "must be of type " + type + ", got " + std::string(value.type_name()));
    return ok;
  }

  void check_string(const std::string& s, const Json& schema, const std::string& path) {
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<std::size_t>())
      fail(path, "too short");
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<std::size_t>()) {
      return fail(path, "too long");  // the pattern is not tried: std::regex recurses per character
    }
    if (schema.contains("pattern") &&
        !std::regex_search(s, std::regex(schema["pattern"].get<std::string>()))) {
      fail(path, "does not match " + schema["pattern"].get<std::string>());
    }
  }

  void check_number(double n, const Json& schema, const std::string& path) {
    if (schema.contains("minimum") && n < schema["minimum"].get<double>()) fail(path, "below the minimum");
    if (schema.contains("maximum") && n > schema["maximum"].get<double>()) fail(path, "above the maximum");
  }

  void check_array(const Json& list, const Json& schema, const std::string& path) {
    if (schema.contains("minItems") && list.size() < schema["minItems"].get<std::size_t>())
      fail(path, "too few items");
    if (schema.contains("maxItems") && list.size() > schema["maxItems"].get<std::size_t>())
      fail(path, "too many items");
    if (!schema.contains("items")) return;
    for (std::size_t i = 0; i < list.size(); ++i)
      check(list[i], schema["items"], path + "[" + std::to_string(i) + "]");
  }

  void check_object(const Json& obj, const Json& schema, const std::string& path) {
    const auto prefix = path.empty() ? std::string() : path + ".";
    for (const auto& name : schema.value("required", Json::array())) {
      if (!obj.contains(name.get<std::string>())) fail(prefix + name.get<std::string>(), "required");
    }
    const Json properties = schema.value("properties", Json::object());
    const Json additional = schema.value("additionalProperties", Json());
    for (const auto& [key, child] : obj.items()) {
      if (properties.contains(key)) {
        check(child, properties[key], prefix + key);
      } else if (additional.is_object()) {
        check(child, additional, prefix + key);
      }
    }
  }
};

}  // namespace

std::vector<SchemaViolation> check_against_schema(const Json& value, const Json& schema) {
  SchemaChecker checker;
  checker.check(value, schema, "");
  return checker.violations;
}

void apply_defaults(Json& value, const Json& schema) {
  if (!schema.is_object()) return;
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& [key, child] : schema["properties"].items()) {
      if (!value.contains(key) && child.contains("default")) value[key] = child["default"];
      if (value.contains(key)) apply_defaults(value[key], child);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) apply_defaults(item, schema["items"]);
  }
}

Json crd_schema(const Json& crd) {
  for (const auto& version : crd.at("spec").at("versions")) {
    if (version.value("storage", false)) return version.at("schema").at("openAPIV3Schema");
  }
  return Json();
}

}  // namespace pgrevise::api::testing
