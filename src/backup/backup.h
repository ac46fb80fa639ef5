#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "backup/pg_tools.h"
#include "common/clock.h"
#include "common/process.h"

namespace pgrevise::backup {

// What the database says about itself when the backup starts (read by facts.h from a live connection).
struct DatabaseFacts {
  std::string database;
  std::string host;  // host:port
  int server_version_num = 0;
  std::string server_version;
  std::string version_table;  // schema.name
  std::vector<std::string> heads;
  int table_count = 0;
};

enum class Verification {
  kToc,   // pg_restore --list (header and table of contents) plus the checksum
  kFull,  // also pg_restore reads and decompresses every data block
};

struct BackupOptions {
  std::filesystem::path out_dir;
  std::optional<std::string> name;
  Format format = Format::kCustom;
  int compress = 1;
  int jobs = 1;
  std::optional<int> retain;
  std::optional<std::chrono::milliseconds> timeout;
  Verification verification = Verification::kFull;
  std::string pg_dump = "pg_dump";
  std::string pg_restore = "pg_restore";
  // Folders of client tools of other versions (installed_client_dirs): the backup takes, among them and the
  // tools on PATH, those choose_client_tools picks for the server.
  std::vector<std::string> client_dirs;
};

struct BackupResult {
  Manifest manifest;
  std::filesystem::path archive_path;
  std::filesystem::path manifest_path;
  std::vector<std::string> deleted;   // names of older backups removed by --retain
  std::vector<std::string> warnings;  // e.g. an older backup that could not be deleted
};

// Called about every 250 ms while pg_dump runs, with the bytes written so far.
using ProgressFn = std::function<void(std::uint64_t bytes, std::chrono::milliseconds elapsed)>;

// The client tools at hand: those on PATH (pg_dump named PATH_PG_DUMP) when they run, then those in each of
// DIRS that run, each with its pg_dump's version. None at all → Error(kIo) saying pg_dump cannot be run.
std::vector<ClientTools> available_client_tools(const std::string& path_pg_dump,
                                                const std::vector<std::string>& dirs, ProcessRunner& runner);

// Checks the out directory, chooses the client tools for the server's version (a server newer than every
// pg_dump → PgDumpTooOld), dumps to a hidden .partial name,
// verifies, writes the manifest, renames into place, then applies retention. On any failure the partial
// output is removed, nothing else is touched, and Error says what failed and that the partial was removed.
BackupResult run_backup(const BackupOptions& opts, const ChildConnection& conn, const DatabaseFacts& facts,
                        ProcessRunner& runner, Clock& clock, const ProgressFn& progress = nullptr);

// Verifies an archive at `archive` (any name): the archive is readable to its end by pg_restore (kFull) or
// its table of contents is (kToc), the TOC is not empty, and it lists table data when `expected_tables` > 0.
// Returns the TOC summary; a failure → Error(kIo) saying what was wrong.
TocSummary verify_archive(const std::filesystem::path& archive, Format format, int expected_tables,
                          Verification level, const std::string& pg_restore, ProcessRunner& runner);

// Throws the verification error for an empty TOC or one without table data when `expected_tables` > 0; an
// empty TOC of a database without tables is a valid (empty) backup.
TocSummary check_toc(const TocSummary& toc, int expected_tables);

// The last lines of a child's stderr, redacted, for error messages.
std::string stderr_tail(const std::string& err, size_t max_chars = 600);

}  // namespace pgrevise::backup
