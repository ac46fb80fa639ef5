#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision {

// One finding of `migrate check` that the migration files and version-table rows can show. (The runner adds
// what only the database knows, such as unfinished non-transactional revisions.)
struct Finding {
  enum class Kind {
    kProblem,              // a file or graph problem: parse error, duplicate id, missing parent, cycle, ...
    kUnknownVersionRow,    // the version table names a revision no file declares
    kRedundantVersionRow,  // a version-table row that is an ancestor of another row
    kChecksumDrift,        // an applied revision's SQL changed since it was applied
    kNeedsSql,             // a file marked `-- needs_sql:` (an import left a section for a person to write)
  };
  Kind kind;
  std::string revision;  // when one is concerned
  std::string file;      // when one is concerned
  std::string message;   // one line, naming the file / revision
};

struct DirectoryCheck {
  std::optional<RevisionGraph> graph;  // absent when the files do not form a graph
  std::vector<Finding> findings;       // kProblem findings (all of them), then kNeedsSql ones
};

// What a `-- needs_sql:` line means for this script, naming its file and revision; empty when it has none.
std::string needs_sql_problem(const Script& script);

// Loads and builds without throwing for bad input (I/O errors still throw): every problem becomes a finding.
DirectoryCheck check_directory(const std::filesystem::path& dir);

// Compares the version table's rows and the checksums recorded when revisions were applied (revision →
// SHA-256 hex, e.g. from the history table) with the files. Only revisions that the rows imply are checked
// for drift.
std::vector<Finding> check_against_database(const RevisionGraph& graph,
                                            const std::vector<std::string>& version_rows,
                                            const std::map<std::string, std::string>& applied_checksums = {});

}  // namespace pgrevise::revision
