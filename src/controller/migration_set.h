#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::controller {

// The migration files of a ConfigMap, parsed and built into a revision graph in memory (no temporary files).
// Keys ending in .sql are migration files (from `data`, or base64 `binaryData`); other keys (a README) are
// ignored. Keys are sorted, so the result does not depend on the order the API returns them in.
struct MigrationSet {
  revision::RevisionGraph graph;
  std::vector<std::string> keys;  // the .sql keys, sorted
};

// Throws revision::RevisionError (kBadInput) listing every problem, each naming its key (and line): files
// that break the format, duplicate revisions, missing parents, cycles. A ConfigMap without any .sql key is an
// error too: an empty migration set cannot reach any target.
MigrationSet load_migration_set(const nlohmann::json& config_map);

}  // namespace pgrevise::controller
