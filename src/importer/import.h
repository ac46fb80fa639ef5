#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "importer/alembic_driver.h"

namespace pgrevise::importer {

// `pgrevise import alembic SOURCE OUTPUT`: every revision of an Alembic or Flask-Migrate project as a
// pgrevise migration file in OUTPUT, its SQL rendered by the project's own Alembic in one offline run.
//
// A revision that already has a file in OUTPUT (found by its `-- revision:` header, whatever the file's name)
// is rendered again only when that file is as the import wrote it (its stamp still matches) and either still
// needs SQL or its Python source changed. A file edited by hand, or written by hand, is never written over.

struct ImportRequest {
  std::filesystem::path source;      // alembic.ini, or a Flask-Migrate migrations/ folder holding env.py
  std::filesystem::path output_dir;  // created when missing
};

struct RevisionOutcome {
  enum class Kind {
    kConverted,   // written (new, or rewritten because its source changed or it needed SQL before)
    kNeedsSql,    // written with `-- needs_sql:`: Alembic failed on upgrade(), downgrade() or both
    kUnchanged,   // its file is as imported and its source has not changed: not rendered again
    kKeptEdited,  // its file was edited or written by hand: left as it is
  };
  Kind kind = Kind::kConverted;
  std::string revision;
  std::string source;               // the Python file, relative to the script location
  std::filesystem::path file;       // the pgrevise file
  bool rewritten = false;           // kConverted / kNeedsSql over an earlier import of the same revision
  bool source_changed = false;      // kKeptEdited: the Python file changed since the file was imported
  bool file_needs_sql = false;      // kUnchanged / kKeptEdited: the file still carries `-- needs_sql:`
  std::vector<std::string> errors;  // kNeedsSql: "upgrade: <Alembic's error>", "downgrade: ..."
};

struct ImportReport {
  std::vector<RevisionOutcome> outcomes;  // bases first
  std::string alembic_version;
  std::string sqlalchemy_version;
  size_t count(RevisionOutcome::Kind kind) const;
  // Whether some revision's SQL must still be written by a person (this run or an earlier one left it).
  bool needs_work() const;
};

// Throws Error(kBadInput) for a source that is not an Alembic project or that Alembic cannot read (with
// Alembic's message), or an OUTPUT file that does not parse (nothing is written then); Error(kIo) for files
// that cannot be read or written and a driver that did not run.
ImportReport import_alembic(const ImportRequest& request, AlembicDriver& driver);

}  // namespace pgrevise::importer
