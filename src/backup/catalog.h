#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.h"

namespace pgrevise::backup {

// What a backup directory holds. Only entries with a readable manifest whose file exists are complete;
// everything else is reported so that nobody mistakes it for a good backup.
struct CompleteBackup {
  Manifest manifest;
  std::filesystem::path manifest_path;
  std::filesystem::path archive_path;
};

struct IncompleteEntry {
  std::filesystem::path path;
  std::string why;  // "partial output of an interrupted backup", "no manifest", "manifest unreadable: ..."
  bool partial = false;  // a .partial left by an interrupted backup (prune may remove it)
  std::chrono::system_clock::time_point modified;
};

struct Catalog {
  std::vector<CompleteBackup> complete;  // newest first
  std::vector<IncompleteEntry> incomplete;
};

// Reads DIR. A missing or unreadable directory → Error(kBadInput) naming it.
Catalog scan_directory(const std::filesystem::path& dir);

// Pure retention: of the complete backups of `database` (optionally also matching `host` when non-empty),
// the ones beyond the `retain` newest (by finished_at, then name), in the order given. Backups of other
// databases are never selected. `protect` (the backup just taken) is never selected.
std::vector<const CompleteBackup*> select_for_deletion(const std::vector<CompleteBackup>& complete,
                                                       const std::string& database, int retain,
                                                       const std::string& protect_name = "");

// Pure: partial files older than max_age at `now`, which no running backup can still be writing.
std::vector<const IncompleteEntry*> select_stale_partials(const std::vector<IncompleteEntry>& incomplete,
                                                          std::chrono::system_clock::time_point now,
                                                          std::chrono::milliseconds max_age);

// Deletes a backup: its archive first, then its manifest (so a half-deleted backup shows up as incomplete,
// never as good).
void delete_backup(const CompleteBackup& b);
void remove_path(const std::filesystem::path& p);

// Total size of a file, or of every regular file under a directory.
std::uint64_t path_size(const std::filesystem::path& p);

}  // namespace pgrevise::backup
