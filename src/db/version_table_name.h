#pragma once

// The version table's name apart from the functions that read and write the table, so that code which only
// names the table (a resolved spec, the controller's probe interface) does not depend on libpqxx. The members
// are defined in version_table.cpp.

#include <string>
#include <string_view>

namespace pgrevise::db {

// Where the applied heads live: Alembic's alembic_version table, optionally in another schema.
struct VersionTableName {
  std::string schema = "public";
  std::string name = "alembic_version";

  // "[SCHEMA.]NAME"; either part may be double-quoted ("my.schema"."t""x"). Bad → Error(kBadInput) naming
  // --version-table.
  static VersionTableName parse(std::string_view text);
  std::string qualified_sql() const;  // "schema"."name", safely quoted (hostile names cannot inject)
  std::string display() const;        // schema.name as given, for messages

  // The history table beside it: <name>_history in the same schema.
  VersionTableName history_table() const;
  // Alembic's primary key constraint name: <name>_pkc.
  std::string primary_key_name() const;

  bool operator==(const VersionTableName&) const = default;
};

}  // namespace pgrevise::db
