#include "runner/version_column.h"

#include <pqxx/nontransaction>

namespace pgrevise::runner {

revision::VersionColumnRef version_column_ref(const db::VersionTableName& table) {
  return {.schema = table.schema,
          .name = table.name,
          .sql_name = table.qualified_sql(),
          .display = table.display()};
}

VersionColumnState read_version_column_state(pqxx::connection& conn, const db::VersionTableName& table,
                                             const revision::RevisionGraph& graph) {
  pqxx::nontransaction tx(conn);
  const auto column = db::read_version_column(tx, table);
  VersionColumnState state;
  if (column.length_in_bytes) state.unit = revision::LengthUnit::kBytes;
  state.create_width = revision::created_version_width(graph, state.unit);
  state.width = column.exists ? column.max_length : revision::VersionWidth{state.create_width};
  return state;
}

}  // namespace pgrevise::runner
