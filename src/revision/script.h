#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "revision/errors.h"

namespace pgrevise::revision {

// One section (`-- +upgrade` or `-- +downgrade`) of a migration file: its SQL and where it sits in the file,
// so that a failing statement can be reported as file:line.
struct Section {
  std::string sql;     // the text between the marker line and the next marker (or the end of the file)
  size_t offset = 0;   // byte offset of sql's first character in the file
  int first_line = 0;  // 1-based line number of sql's first line in the file
};

// A migration file as written (DESIGN.md "Migration file"). Identity comes from the header, not the file
// name.
struct Script {
  std::string revision;                     // is_valid_revision_id
  std::vector<std::string> down_revisions;  // empty for a base; several for a merge
  std::string message;
  std::vector<std::string> branch_labels;  // labels declared by this file
  std::vector<std::string> depends_on;     // revision ids, unique prefixes or branch labels
  bool transactional = true;
  // `-- needs_sql: upgrade, downgrade`: sections an importer could not render (an Alembic revision that fails
  // offline). Planning refuses to run such a section, and `migrate check` reports it, until a person has
  // written its SQL and removed the line.
  bool upgrade_needs_sql = false;
  bool downgrade_needs_sql = false;
  std::string file;  // the file as named in messages (relative to the migrations directory when loaded)
  Section upgrade;
  std::optional<Section> downgrade;
  // Lower-case hex SHA-256 of the file from the `-- +upgrade` marker to the end (the SQL of both sections):
  // editing the header does not change it, editing any SQL does. Used for drift detection.
  std::string checksum;
};

// Whether `id` can be a revision id: what Alembic 1.8 takes and can run. Alembic refuses an id holding '@',
// '-' or '+' (Revision.verify_rev_id) and takes any other string, but fails on two kinds it takes: the target
// words head, heads and base (once another revision builds on one it mistakes the revision for the word), and
// an id holding a single quote (it writes ids into its version-table SQL unescaped). Those are refused too,
// with empty ids and line breaks (a header is one line). No length limit here: the version table's column
// decides what fits, when a run is planned (revision/version_width.h).
bool is_valid_revision_id(std::string_view id);
// Why `id` cannot be a revision id, completing "revision id 'X' ..." ("holds '@', '-' or '+', ..."); empty
// when it can be one.
std::string revision_id_problem(std::string_view id);
// An id as a header line writes it: as it is, or double-quoted ("" for a quote) when it holds a comma, begins
// or ends with white space, or begins with a double quote; parse_script reads both forms back.
std::string header_id(std::string_view id);
// Ids for a list header (down_revision, depends_on): header_id of each, comma-separated.
std::string header_id_list(const std::vector<std::string>& ids);
// Whether `label` can be a branch label: [A-Za-z0-9_]{1,64} and not one of the words head, heads, base.
bool is_valid_branch_label(std::string_view label);

// The header key that marks sections whose SQL a person must still write, and its line for a script.
inline constexpr std::string_view kNeedsSqlKey = "needs_sql";
// "-- needs_sql: upgrade, downgrade" (only the sections that need it); empty when none does.
std::string needs_sql_line(bool upgrade, bool downgrade);

// Parses one file's text. `file` names it in messages. Every problem found is appended to `problems` (each
// naming the file and line); returns nullopt when there was at least one.
std::optional<Script> parse_script(std::string_view text, const std::string& file,
                                   std::vector<Problem>& problems);

// As above, throwing RevisionError listing every problem.
Script parse_script(std::string_view text, const std::string& file);

}  // namespace pgrevise::revision
