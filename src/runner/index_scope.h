#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/indexes.h"

namespace pgrevise::runner {

// A relation as a statement names it: unquoted names folded to lower case as PostgreSQL folds them; schema
// empty when the name is not qualified (then a relation of that name in any schema matches).
struct RelationRef {
  std::string schema;
  std::string name;
  bool operator==(const RelationRef&) const = default;
};

// The indexes a revision's statements build or rebuild (CREATE INDEX, REINDEX), as far as the statements say:
// the indexes that a failed or interrupted run of them can leave invalid.
struct IndexScope {
  std::vector<RelationRef> indexes;  // CREATE INDEX name, REINDEX INDEX name
  std::vector<RelationRef> tables;   // CREATE INDEX without a name (PostgreSQL chooses it), REINDEX TABLE
  std::vector<std::string> schemas;  // REINDEX SCHEMA
  bool whole_database = false;       // REINDEX DATABASE, REINDEX SYSTEM
  bool operator==(const IndexScope&) const = default;
};

IndexScope index_scope(const std::vector<std::string>& statements);

// REINDEX CONCURRENTLY builds a copy of index X named X_ccnew, which becomes X_ccold once swapped with X
// (with a number when the name is taken, X cut short to fit): for such a name, the part before the suffix.
std::optional<std::string_view> concurrent_copy_base(std::string_view name);

// True when a failed or interrupted run of the statements may have left this invalid index: an index they
// name or REINDEX CONCURRENTLY's copy of one (<name>_ccnew, <name>_ccold), an index on a table or in a schema
// they index as a whole, or one created while the run's attempt ran.
bool left_by(const db::InvalidIndex& index, const IndexScope& scope);

}  // namespace pgrevise::runner
