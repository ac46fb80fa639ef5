#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::backup {

enum class Format { kCustom, kDirectory, kPlain };

Format parse_format(std::string_view text);  // custom|directory|plain; bad → Error(kBadInput) naming --format
const char* to_string(Format f);
// The backup's file (or directory) name for a backup NAME: NAME.dump, NAME.dir, NAME.sql.
std::string archive_file_name(const std::string& name, Format f);
// Where pg_dump writes before the backup is complete: a hidden name that never looks like a good backup.
std::string partial_file_name(const std::string& name, Format f);
std::string manifest_file_name(const std::string& name);  // NAME.manifest.json
inline constexpr std::string_view kManifestSuffix = ".manifest.json";
inline constexpr std::string_view kPartialSuffix = ".partial";

// A backup name must be a plain file name: letters, digits, '.', '_', '-', '+', not starting with '.'.
// Bad → Error(kBadInput) naming --name.
void validate_name(const std::string& name);
// Default name: DATABASE-HEADS-YYYYMMDDTHHMMSSZ, heads joined with '+', "base" when there are none;
// characters outside the allowed set become '_'. At most kMaxDefaultNameLength characters: heads too long for
// it are cut and end in '_' and 8 hex digits of their hash, so the time stamp always stays.
inline constexpr size_t kMaxDefaultNameLength = 200;
std::string default_name(const std::string& database, const std::vector<std::string>& heads,
                         std::chrono::system_clock::time_point now);

// Written beside every complete backup. Never holds a password or a connection string.
struct Manifest {
  int manifest_version = 1;
  std::string name;
  std::string file;  // archive_file_name, relative to the manifest's directory
  Format format = Format::kCustom;
  int compress = 1;
  std::string database;
  std::string host;  // host:port, for telling apart databases of the same name
  std::string server_version;
  std::string pg_dump_version;
  std::string version_table;  // schema.name
  std::vector<std::string> heads;
  std::uint64_t size_bytes = 0;
  std::string sha256;
  int toc_entries = 0;
  int table_count = 0;  // user tables in the database when the backup was taken
  std::string started_at;
  std::string finished_at;
  std::int64_t duration_ms = 0;

  bool operator==(const Manifest&) const = default;
};

std::string to_json(const Manifest& m);
// Bad JSON or missing fields → Error(kBadInput) naming `source` and the field.
Manifest manifest_from_json(std::string_view json, const std::string& source);

Manifest read_manifest(const std::filesystem::path& file);
// Writes to a temporary file in the same directory, fsyncs and renames, so a reader never sees half a
// manifest.
void write_manifest_atomically(const std::filesystem::path& file, const Manifest& m);
// Writes any text file the same way.
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace pgrevise::backup
