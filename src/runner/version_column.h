#pragma once

#include <pqxx/connection>

#include "db/version_table.h"
#include "revision/graph.h"
#include "revision/version_width.h"

namespace pgrevise::runner {

// What a run's version-table rows are measured against before anything runs.
struct VersionColumnState {
  // The column as the database declares it, or, when the table does not exist yet, the width it will be
  // created with.
  revision::VersionWidth width;
  revision::LengthUnit unit = revision::LengthUnit::kCharacters;
  size_t create_width = revision::kAlembicVersionWidth;  // for a table this run creates
};

revision::VersionColumnRef version_column_ref(const db::VersionTableName& table);

VersionColumnState read_version_column_state(pqxx::connection& conn, const db::VersionTableName& table,
                                             const revision::RevisionGraph& graph);

}  // namespace pgrevise::runner
