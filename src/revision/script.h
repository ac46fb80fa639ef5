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
  std::string revision;                     // [A-Za-z0-9_]{1,32}
  std::vector<std::string> down_revisions;  // empty for a base; several for a merge
  std::string message;
  std::vector<std::string> branch_labels;  // labels declared by this file
  std::vector<std::string> depends_on;     // revision ids, unique prefixes or branch labels
  bool transactional = true;
  std::string file;  // the file as named in messages (relative to the migrations directory when loaded)
  Section upgrade;
  std::optional<Section> downgrade;
  // Lower-case hex SHA-256 of the file from the `-- +upgrade` marker to the end (the SQL of both sections):
  // editing the header does not change it, editing any SQL does. Used for drift detection.
  std::string checksum;
};

// Whether `id` can be a revision id: [A-Za-z0-9_]{1,32} (Alembic's version_num is varchar(32)).
bool is_valid_revision_id(std::string_view id);
// Whether `label` can be a branch label: [A-Za-z0-9_]{1,64} and not one of the words head, heads, base.
bool is_valid_branch_label(std::string_view label);

// Parses one file's text. `file` names it in messages. Every problem found is appended to `problems` (each
// naming the file and line); returns nullopt when there was at least one.
std::optional<Script> parse_script(std::string_view text, const std::string& file,
                                   std::vector<Problem>& problems);

// As above, throwing RevisionError listing every problem.
Script parse_script(std::string_view text, const std::string& file);

}  // namespace pgrevise::revision
