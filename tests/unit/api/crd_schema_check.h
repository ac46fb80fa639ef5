#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// Value checks of an object against a structural OpenAPI v3 schema, for the keywords our CRD uses: type,
// x-kubernetes-int-or-string, required, enum, pattern, minLength/maxLength, minimum/maximum,
// minItems/maxItems, properties, additionalProperties, items. Unknown fields are the fake API server's
// business (support/fake_api_schema.h prune_unknown_fields); CEL rules (x-kubernetes-validations) are not
// evaluated here.
namespace pgrevise::api::testing {

struct SchemaViolation {
  std::string path;  // "spec.safety.lockTimeout"
  std::string message;
};

std::vector<SchemaViolation> check_against_schema(const nlohmann::json& value, const nlohmann::json& schema);

// What the API server does on create: fills every absent field that has a default, in objects that exist
// (so an object default of {} lets its children's defaults apply).
void apply_defaults(nlohmann::json& value, const nlohmann::json& schema);

// The storage version's openAPIV3Schema of a CRD (as JSON).
nlohmann::json crd_schema(const nlohmann::json& crd);

}  // namespace pgrevise::api::testing
