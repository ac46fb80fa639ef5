#pragma once

#include <filesystem>
#include <string>

#include "backup/manifest.h"
#include "backup/pg_tools.h"
#include "common/process.h"

namespace pgrevise::backup {

// A backup located from --from: its manifest (MANIFEST given, or NAME.manifest.json beside FILE, or any
// manifest in FILE's directory naming it) and its archive. No manifest → Error(kBadInput).
struct LocatedBackup {
  Manifest manifest;
  std::filesystem::path manifest_path;
  std::filesystem::path archive_path;
};
LocatedBackup locate_backup(const std::filesystem::path& from);

// Size and SHA-256 of the archive against the manifest. A mismatch → Error(kBadInput) naming the file and
// both checksums (or sizes).
void verify_against_manifest(const LocatedBackup& b);

// The client tools to read and restore a backup with: those choose_client_tools picks for the version of the
// pg_dump that wrote it (from its manifest), among the tools on PATH and in DIRS (installed_client_dirs); the
// tools on PATH when none is as new (pg_restore then names the archive version it cannot read).
ClientTools tools_for_backup(const Manifest& m, const std::vector<std::string>& dirs, ProcessRunner& runner);

// pg_dump 17 and later begin every script with SET transaction_timeout = 0, a setting servers before 17 lack:
// restored into one, that statement fails and the whole restore with it. Such a restore goes through a script
// (pg_restore --file, or the plain archive) copied without that setting, and psql.
bool needs_settings_filter(const RestorePlan& plan);
// Copies the SQL script at FROM to TO without the SET transaction_timeout lines of its preamble (before its
// first COPY, so table data is never touched). Errors are kIo.
void copy_without_newer_settings(const std::filesystem::path& from, const std::filesystem::path& to);

// pg_restore (or psql for plain) into the database. A failure → Error(kMigrationFailed) with the tool's
// message.
void run_restore(const RestorePlan& plan, const ChildConnection& conn, ProcessRunner& runner);

// pg_restore --list of the archive (or the manifest's summary for plain format).
std::string list_contents(const LocatedBackup& b, const std::string& pg_restore, ProcessRunner& runner);

}  // namespace pgrevise::backup
