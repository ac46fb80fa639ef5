#include "backup/catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include "common/error.h"

namespace pgrevise::backup {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::chrono::system_clock::time_point modified_time(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {};
  return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
}

bool newer_first(const CompleteBackup& a, const CompleteBackup& b) {
  if (a.manifest.finished_at != b.manifest.finished_at)
    return a.manifest.finished_at > b.manifest.finished_at;
  return a.manifest.name > b.manifest.name;
}

bool is_archive_name(const std::string& n) {
  return ends_with(n, ".dump") || ends_with(n, ".dir") || ends_with(n, ".sql");
}

}  // namespace

Catalog scan_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorKind::kBadInput,
                "backup directory " + dir.string() + " does not exist or is not a directory");
  }
  Catalog out;
  std::vector<std::string> archives_with_manifest;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    entries.push_back(it->path());
  if (ec)
    throw Error(ErrorKind::kBadInput, "cannot read backup directory " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    const std::string n = p.filename().string();
    if (ends_with(n, std::string(kPartialSuffix)) || ends_with(n, ".manifest.json.tmp")) {
      out.incomplete.push_back({p, "partial output of an interrupted backup", true, modified_time(p)});
      continue;
    }
    if (!ends_with(n, std::string(kManifestSuffix))) continue;
    try {
      Manifest m = read_manifest(p);
      fs::path archive = dir / m.file;
      if (!fs::exists(archive, ec)) {
        out.incomplete.push_back({p, "manifest without its backup file " + m.file, false, modified_time(p)});
        continue;
      }
      archives_with_manifest.push_back(m.file);
      out.complete.push_back({std::move(m), p, archive});
    } catch (const Error& e) {
      out.incomplete.push_back({p, std::string("manifest unreadable: ") + e.what(), false, modified_time(p)});
    }
  }
  for (const auto& p : entries) {
    const std::string n = p.filename().string();
    if (n.empty() || n[0] == '.' || !is_archive_name(n)) continue;
    if (std::find(archives_with_manifest.begin(), archives_with_manifest.end(), n) ==
        archives_with_manifest.end()) {
      out.incomplete.push_back({p, "no manifest (not a verified backup)", false, modified_time(p)});
    }
  }
  std::sort(out.complete.begin(), out.complete.end(), newer_first);
  return out;
}

std::vector<const CompleteBackup*> select_for_deletion(const std::vector<CompleteBackup>& complete,
                                                       const std::string& database, int retain,
                                                       const std::string& protect_name) {
  std::vector<const CompleteBackup*> same;
  for (const auto& b : complete) {
    if (b.manifest.database == database) same.push_back(&b);
  }
  std::sort(same.begin(), same.end(), [](auto* a, auto* b) { return newer_first(*a, *b); });
  std::vector<const CompleteBackup*> out;
  // The protected backup (the one just taken) is one of the N kept, whatever its timestamp says.
  int kept = 0;
  for (auto* b : same) kept += (!protect_name.empty() && b->manifest.name == protect_name);
  for (auto* b : same) {
    if (!protect_name.empty() && b->manifest.name == protect_name) continue;
    if (kept < retain) {
      ++kept;
      continue;
    }
    out.push_back(b);
  }
  return out;
}

std::vector<const IncompleteEntry*> select_stale_partials(const std::vector<IncompleteEntry>& incomplete,
                                                          std::chrono::system_clock::time_point now,
                                                          std::chrono::milliseconds max_age) {
  std::vector<const IncompleteEntry*> out;
  for (const auto& e : incomplete) {
    if (e.partial && now - e.modified >= max_age) out.push_back(&e);
  }
  return out;
}

void remove_path(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot remove " + p.string() + ": " + ec.message());
}

void delete_backup(const CompleteBackup& b) {
  remove_path(b.archive_path);
  remove_path(b.manifest_path);
}

std::uint64_t path_size(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    auto s = fs::file_size(p, ec);
    return ec ? 0 : s;
  }
  std::uint64_t total = 0;
  if (!fs::is_directory(p, ec)) return 0;
  for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      auto s = it->file_size(ec);
      if (!ec) total += s;
      ec.clear();
    }
  }
  return total;
}

}  // namespace pgrevise::backup
