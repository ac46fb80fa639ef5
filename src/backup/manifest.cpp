#include "backup/manifest.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/enum_names.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/strings.h"

namespace pgrevise::backup {

using nlohmann::json;

namespace {

constexpr auto kFormatNames = enum_names<Format>({
    {Format::kCustom, "custom"},
    {Format::kDirectory, "directory"},
    {Format::kPlain, "plain"},
});

// pg_dump's one-letter forms (-Fc, -Fd, -Fp).
constexpr auto kFormatLetters = enum_names<Format>({
    {Format::kCustom, "c"},
    {Format::kDirectory, "d"},
    {Format::kPlain, "p"},
});

}  // namespace

Format parse_format(std::string_view text) {
  if (const auto format = kFormatNames.parse(text)) return *format;
  if (const auto format = kFormatLetters.parse(text)) return *format;
  throw_bad_input("--format: expected custom, directory or plain, got '" + std::string(text) + "'");
}

const char* to_string(Format f) {
  return kFormatNames.name(f, "custom");
}

std::string archive_file_name(const std::string& name, Format f) {
  switch (f) {
    case Format::kCustom:
      return name + ".dump";
    case Format::kDirectory:
      return name + ".dir";
    case Format::kPlain:
      return name + ".sql";
  }
  return name;
}

std::string partial_file_name(const std::string& name, Format f) {
  return "." + archive_file_name(name, f) + std::string(kPartialSuffix);
}

std::string manifest_file_name(const std::string& name) {
  return name + std::string(kManifestSuffix);
}

namespace {
bool allowed_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
}
}  // namespace

void validate_name(const std::string& name) {
  if (name.empty()) throw_bad_input("--name: must not be empty");
  if (name.size() > 200) throw_bad_input("--name: longer than 200 characters");
  if (name[0] == '.') throw_bad_input("--name '" + name + "': must not start with '.'");
  for (char c : name) {
    if (!allowed_name_char(c)) {
      throw_bad_input("--name '" + name +
                      "': only letters, digits, '.', '_', '-' and '+' are allowed (it becomes a file name)");
    }
  }
}

std::string default_name(const std::string& database, const std::vector<std::string>& heads,
                         std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const std::string db = database.empty() ? std::string("db") : database;
  std::string revision = heads.empty() ? "base" : join(heads, "+");
  // Long revision ids must not push the time stamp out of the name (two backups of the same heads would then
  // share it): the heads part is cut to fit and ends in 8 hex digits of the whole list's hash.
  const size_t room = kMaxDefaultNameLength - std::min(db.size(), size_t{64}) - std::strlen(stamp) - 2;
  if (revision.size() > room)
    revision = revision.substr(0, room - 9) + "_" + sha256_hex(revision).substr(0, 8);
  std::string name = db.substr(0, 64) + "-" + revision + "-" + stamp;
  for (char& c : name) {
    if (!allowed_name_char(c)) c = '_';
  }
  if (name[0] == '.') name[0] = '_';
  return name;
}

std::string to_json(const Manifest& m) {
  json j = {
      {"manifestVersion", m.manifest_version},
      {"name", m.name},
      {"file", m.file},
      {"format", to_string(m.format)},
      {"compress", m.compress},
      {"database", m.database},
      {"host", m.host},
      {"serverVersion", m.server_version},
      {"pgDumpVersion", m.pg_dump_version},
      {"versionTable", m.version_table},
      {"heads", m.heads},
      {"sizeBytes", m.size_bytes},
      {"sha256", m.sha256},
      {"tocEntries", m.toc_entries},
      {"tableCount", m.table_count},
      {"startedAt", m.started_at},
      {"finishedAt", m.finished_at},
      {"durationMs", m.duration_ms},
  };
  return j.dump(2) + "\n";
}

namespace {

// Manifests name their fields in camelCase, as every JSON pgrevise writes does; manifests written before
// that used snake_case, which is still read: a field is looked up under its name, then its old name.
const std::map<std::string, std::string, std::less<>>& old_names() {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"manifestVersion", "manifest_version"},
      {"serverVersion", "server_version"},
      {"pgDumpVersion", "pg_dump_version"},
      {"versionTable", "version_table"},
      {"sizeBytes", "size_bytes"},
      {"tocEntries", "toc_entries"},
      {"tableCount", "table_count"},
      {"startedAt", "started_at"},
      {"finishedAt", "finished_at"},
      {"durationMs", "duration_ms"}};
  return names;
}

const json* field(const json& j, const std::string& key) {
  if (auto it = j.find(key); it != j.end()) return &*it;
  if (auto old = old_names().find(key); old != old_names().end())
    if (auto it = j.find(old->second); it != j.end()) return &*it;
  return nullptr;
}

template <typename T>
T required(const json& j, const char* key, const std::string& source) {
  const json* value = field(j, key);
  if (value == nullptr) throw_bad_input(source + ": manifest field '" + key + "' is missing");
  try {
    return value->get<T>();
  } catch (const json::exception&) {
    throw_bad_input(source + ": manifest field '" + key + "' has the wrong type");
  }
}

template <typename T>
T optional_field(const json& j, const char* key, T fallback) {
  const json* value = field(j, key);
  if (value == nullptr || value->is_null()) return fallback;
  try {
    return value->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

}  // namespace

Manifest manifest_from_json(std::string_view text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw_bad_input(source + ": not a valid manifest (JSON: " + e.what() + ")");
  }
  if (!j.is_object()) throw_bad_input(source + ": not a valid manifest (not a JSON object)");
  Manifest m;
  m.manifest_version = required<int>(j, "manifestVersion", source);
  if (m.manifest_version != 1) {
    throw_bad_input(source + ": manifestVersion " + std::to_string(m.manifest_version) + " is not supported");
  }
  m.name = required<std::string>(j, "name", source);
  m.file = required<std::string>(j, "file", source);
  if (m.file.empty() || m.file.find('/') != std::string::npos || m.file[0] == '.') {
    throw_bad_input(source + ": manifest field 'file' must be a plain file name, got '" + m.file + "'");
  }
  m.format = parse_format(required<std::string>(j, "format", source));
  m.compress = required<int>(j, "compress", source);
  m.database = required<std::string>(j, "database", source);
  m.host = j.value("host", "");
  m.server_version = required<std::string>(j, "serverVersion", source);
  m.pg_dump_version = required<std::string>(j, "pgDumpVersion", source);
  m.version_table = optional_field<std::string>(j, "versionTable", "public.alembic_version");
  m.heads = required<std::vector<std::string>>(j, "heads", source);
  m.size_bytes = required<std::uint64_t>(j, "sizeBytes", source);
  m.sha256 = required<std::string>(j, "sha256", source);
  if (m.sha256.size() != 64) throw_bad_input(source + ": manifest field 'sha256' is not a SHA-256");
  m.toc_entries = optional_field<int>(j, "tocEntries", 0);
  m.table_count = optional_field<int>(j, "tableCount", 0);
  m.started_at = required<std::string>(j, "startedAt", source);
  m.finished_at = required<std::string>(j, "finishedAt", source);
  m.duration_ms = optional_field<std::int64_t>(j, "durationMs", 0);
  return m;
}

Manifest read_manifest(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::kBadInput, "cannot read manifest " + file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return manifest_from_json(ss.str(), file.string());
}

void write_file_atomically(const std::filesystem::path& file, std::string_view content) {
  const std::filesystem::path tmp = file.parent_path() / ("." + file.filename().string() + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorKind::kIo, "cannot write " + tmp.string() + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(ErrorKind::kIo, "cannot write " + tmp.string() + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kIo, "cannot write " + tmp.string() + ": " + std::strerror(e));
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kIo,
                "cannot rename " + tmp.string() + " to " + file.string() + ": " + std::strerror(e));
  }
}

void write_manifest_atomically(const std::filesystem::path& file, const Manifest& m) {
  write_file_atomically(file, to_json(m));
}

}  // namespace pgrevise::backup
