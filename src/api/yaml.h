#pragma once

#include <string_view>
#include <vector>

#include "api/types.h"

// YAML manifests as the JSON the API server would see. Plain scalars take YAML 1.2 core-schema types (null,
// true/false, integers, floats); quoted scalars stay strings, so `targetRevision: "0012"` keeps its zeros.
namespace pgrevise::api {

// Every non-empty document of a (multi-document) YAML stream. Throws Error(kBadInput) naming the line and
// column of a syntax error.
std::vector<Json> parse_yaml_documents(std::string_view text);

}  // namespace pgrevise::api
