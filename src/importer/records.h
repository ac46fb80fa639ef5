#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::importer {

// What the Alembic driver (alembic_driver.py) renders for one revision, as plain values: the C++ side of its
// JSON stream.

// Statements Alembic rendered in one transaction state: inside the migration's transaction, or inside an
// autocommit_block().
struct Segment {
  bool autocommit = false;
  std::vector<std::string> statements;  // each as Alembic rendered it, with its terminating ';'
};

// One of a revision's functions, upgrade() or downgrade(), run offline.
struct RenderedSection {
  std::vector<Segment> segments;     // in order; what was rendered before the error when there is one
  std::optional<std::string> error;  // Alembic's (or the script's) error: "Type: message (file.py, line N)"
};

struct AlembicRevision {
  std::string revision;
  std::vector<std::string> down_revisions;  // empty for a base; several for a merge
  std::vector<std::string> branch_labels;   // declared by this revision
  std::vector<std::string> depends_on;      // as the script names them (ids, prefixes or labels)
  std::string message;                      // the docstring's first paragraph, on one line
  std::string path;                         // the Python file, relative to the script location
  std::string source_sha256;                // of the Python file
  bool rendered = false;                    // false: skipped on request, upgrade and downgrade are empty
  RenderedSection upgrade;
  RenderedSection downgrade;
};

struct AlembicProject {
  std::vector<AlembicRevision> revisions;  // in Alembic's walk order (heads first)
  std::string alembic_version;
  std::string sqlalchemy_version;
};

// Parses the driver's standard output. A `fatal` record (the project could not be read: Alembic's error)
// throws Error(kBadInput) with Alembic's message after `context`; output that is not the driver's stream (no
// `done` record, a line that is not JSON) throws Error(kIo) quoting the offending line.
AlembicProject parse_driver_output(std::string_view output, const std::string& context);

}  // namespace pgrevise::importer
