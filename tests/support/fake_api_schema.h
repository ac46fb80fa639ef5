#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fake_api_state.h"

namespace pgrevise::testing {

// Prunes what a structural OpenAPI v3 schema does not declare, as the API server does for custom resources
// (apiVersion, kind and metadata are always kept; x-kubernetes-preserve-unknown-fields keeps a subtree as is;
// additionalProperties describes map values). Returns the paths of the pruned fields ("spec.foo").
std::vector<std::string> prune_unknown_fields(Json& object, const Json& schema);

// The resource a CustomResourceDefinition (as JSON) declares: its storage version, scope, status subresource
// and schema. Throws std::invalid_argument when the document is not a usable CRD.
FakeResource resource_from_crd(const Json& crd);

}  // namespace pgrevise::testing
