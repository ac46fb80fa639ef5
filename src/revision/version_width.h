#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "revision/graph.h"
#include "revision/plan.h"

namespace pgrevise::revision {

// Whether revision ids fit the version table's version_num column. Alembic creates it as varchar(32); real
// projects widen it (often in a migration of their own) and then use longer, readable ids. What fits is
// decided by the column the database really has, before anything runs: a run never fails at a version-row
// write halfway through.

// Alembic's own width of version_num.
inline constexpr size_t kAlembicVersionWidth = 32;

// The declared width of version_num in characters; nullopt when it has none (text, varchar without a length).
using VersionWidth = std::optional<size_t>;

// How PostgreSQL measures a value against varchar(N): in characters (code points of the UTF-8 text), or in
// bytes when the server encoding is SQL_ASCII.
enum class LengthUnit { kCharacters, kBytes };
size_t id_length(std::string_view id, LengthUnit unit = LengthUnit::kCharacters);

// The width pgrevise gives version_num when it creates the table for a migration set: Alembic's 32 when every
// id of the set fits, otherwise the smallest power of two that holds the longest id (64, 128, 256, ...), so
// the next revisions in the same style fit as well.
size_t created_version_width(const RevisionGraph& graph, LengthUnit unit = LengthUnit::kCharacters);
// The same rule for one id length (the width suggested when an id does not fit).
size_t width_for_length(size_t length);

// The version table as the migrations' SQL may name it.
struct VersionColumnRef {
  std::string schema;    // as stored (case-sensitive)
  std::string name;      // as stored (case-sensitive)
  std::string sql_name;  // schema.name quoted for SQL, for the statement a message suggests
  std::string display;   // schema.name, for messages
};

// The width one section of SQL leaves version_num with, when a statement of it changes the column's type:
//   ALTER TABLE [IF EXISTS] [ONLY] [schema.]name ALTER [COLUMN] version_num [SET DATA] TYPE type ...
// with type varchar(N) / character varying(N) (N), char(N) / character(N) (N), text or varchar without a
// length (no width). Another action of the same ALTER TABLE may come before or after it. An unqualified table
// name matches in any schema (the search path decides which table it is). nullopt when no statement changes
// the type, or to a type not listed (a domain, citext): the width is then taken as unchanged. Statements that
// build SQL at run time (EXECUTE in a DO block) are not seen.
std::optional<VersionWidth> version_width_set_by(std::string_view sql, const VersionColumnRef& table);

// The first version-table row of a plan that would not fit.
struct IdTooLong {
  size_t step = 0;  // index into plan.steps of the step that writes it
  std::string id;
  size_t length = 0;
  size_t width = 0;                    // of the column when the row is written
  std::optional<size_t> width_set_by;  // the step whose SQL set that width, when one did
};

// Walks the plan as it will run: a step's SQL first (a type change it makes holds from there on, for its own
// rows too, since they are written after it), then the rows it inserts or updates, measured in `unit`.
std::optional<IdTooLong> find_id_too_long(const RevisionGraph& graph, const Plan& plan,
                                          VersionWidth width_before, const VersionColumnRef& table,
                                          LengthUnit unit);

// find_id_too_long, throwing RevisionError(kIdTooLong) when a row would not fit. The message names the
// revision and its file, the id and its length, the column and its width, and the fix (the ALTER TABLE that
// widens it).
void check_ids_fit(const RevisionGraph& graph, const Plan& plan, VersionWidth width_before,
                   const VersionColumnRef& table, LengthUnit unit);

// The same for `stamp`, which runs no SQL and writes `heads` as the table's rows.
void check_stamp_fits(const std::vector<std::string>& heads, VersionWidth width,
                      const VersionColumnRef& table, LengthUnit unit);

}  // namespace pgrevise::revision
