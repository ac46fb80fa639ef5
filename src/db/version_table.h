#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "common/version_change.h"
#include "db/version_table_name.h"

namespace pgrevise::db {

// The rows of the version table (the applied heads), sorted; empty when the table does not exist.
std::vector<std::string> read_heads(pqxx::connection& c, const VersionTableName& t);
std::vector<std::string> read_heads(pqxx::transaction_base& tx, const VersionTableName& t);
bool version_table_exists(pqxx::transaction_base& tx, const VersionTableName& t);

// The statements that create the schema (if missing) and the table with Alembic's shape
// (version_num VARCHAR(width) NOT NULL, CONSTRAINT <name>_pkc PRIMARY KEY): for online use and for --sql
// output. Alembic's width is 32; the runner passes a wider one when the migration set holds longer ids
// (revision::created_version_width).
std::vector<std::string> version_table_ddl(const VersionTableName& t, size_t width = 32);
// Runs version_table_ddl in tx when the table is missing; an existing table is left as it is.
void ensure_version_table(pqxx::transaction_base& tx, const VersionTableName& t, size_t width = 32);

// The version_num column as the database declares it.
struct VersionColumn {
  bool exists = false;               // false: no table (or no version_num column in it)
  std::optional<size_t> max_length;  // character_maximum_length; nullopt for text or a varchar without one
  bool length_in_bytes = false;      // the server counts lengths in bytes (SQL_ASCII), not characters
};
VersionColumn read_version_column(pqxx::transaction_base& tx, const VersionTableName& t);

// Plain statements, exactly what Alembic prints for --sql (no row-count verification).
std::vector<std::string> version_change_sql(const VersionTableName& t,
                                            const std::vector<VersionChange>& changes);

// One statement (a DO block) applying the changes and verifying each affected exactly one row, raising
// SQLSTATE PR001 with a clear message otherwise. For runners that batch a revision into one round trip.
std::string verified_version_change_sql(const VersionTableName& t, const std::vector<VersionChange>& changes);

// Applies the changes inside the caller's transaction, verifying the affected row counts. A row that is not
// there when expected (or already there on insert) → Error(kMigrationFailed) saying the version table changed
// concurrently. An empty revision id → Error(kBadInput). Whether ids fit the column is checked when the run
// is planned (revision/version_width.h), not here.
void apply_version_changes(pqxx::transaction_base& tx, const VersionTableName& t,
                           const std::vector<VersionChange>& changes);

// stamp: replaces all rows with heads (creating the table if missing). purge: deletes all rows.
void stamp(pqxx::transaction_base& tx, const VersionTableName& t, const std::vector<std::string>& heads);
void purge(pqxx::transaction_base& tx, const VersionTableName& t);

}  // namespace pgrevise::db
