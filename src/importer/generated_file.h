#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "importer/records.h"

namespace pgrevise::importer {

// The pgrevise migration file an Alembic revision becomes, and how a later import recognises a file it wrote
// and that nobody has edited since.
//
// The file carries a stamp line, a free comment the loader ignores:
//   -- Imported from Alembic (pgrevise import alembic): versions/x.py, source sha256 S, file sha256 F
// S is the Python file's SHA-256 when it was converted; F is the SHA-256 of the file's text without the stamp
// line. A file whose text no longer hashes to F was edited by hand, and is never written over.

struct GeneratedFile {
  std::string file_name;  // <stem of the Python file>.sql
  std::string text;
  bool upgrade_needs_sql = false;    // upgrade() failed offline: the section holds Alembic's error
  bool downgrade_needs_sql = false;  // the same for downgrade()
};

// Requires r.rendered. A section whose function failed gets a `-- needs_sql:` header entry and, as comments,
// Alembic's error and whatever was rendered before it. A revision that does not run in one transaction (an
// autocommit_block(), or a commit() through the connection) becomes `-- transactional: false`; its statements
// outside autocommit blocks are wrapped in BEGIN / COMMIT per transaction (when there are several), so each
// keeps the transaction state it had under Alembic.
GeneratedFile generate_file(const AlembicRevision& r);

// The SQL of one section as written into the file (without the marker line).
std::string section_sql(const RenderedSection& section, bool transactional);

// Whether a section of the revision ran statements inside autocommit_block(), or in more than one
// transaction.
bool runs_outside_one_transaction(const AlembicRevision& r);

struct ImportStamp {
  std::string source_path;
  std::string source_sha256;
  bool unedited = false;  // the file still hashes to the stamp's file sha256
};

// The stamp of a file's text; nullopt when it has none (a file written by hand).
std::optional<ImportStamp> read_import_stamp(std::string_view text);

}  // namespace pgrevise::importer
