#include "revision/loader.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>

namespace pgrevise::revision {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(ErrorKind::kIo, "cannot read migration file " + path.string());
  std::string out;
  char buffer[16384];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f.get())) > 0) out.append(buffer, n);
  if (std::ferror(f.get())) throw Error(ErrorKind::kIo, "cannot read migration file " + path.string());
  return out;
}

std::vector<std::string> sql_files_under(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
       !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == ".sql" && it->is_regular_file(ec))
      files.push_back(p.lexically_relative(dir).generic_string());
  }
  if (ec)
    throw Error(ErrorKind::kIo, "cannot list migrations directory " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

LoadedScripts scan_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorKind::kBadInput,
                "migrations directory " + dir.string() + " does not exist or is not a directory");
  LoadedScripts out;
  std::unordered_map<std::string, size_t> by_revision;
  for (const auto& relative : sql_files_under(dir)) {
    std::string text = read_file(dir / relative);
    auto script = parse_script(text, relative, out.problems);
    if (!script) continue;
    auto [it, inserted] = by_revision.emplace(script->revision, out.scripts.size());
    if (!inserted) {
      out.problems.push_back(Problem{relative, 0, RevisionErrorCode::kDuplicateRevision,
                                     "duplicate revision id '" + script->revision + "' (also declared by " +
                                         out.scripts[it->second].file + ")"});
      continue;
    }
    out.scripts.push_back(std::move(*script));
  }
  return out;
}

std::vector<Script> load_directory(const fs::path& dir) {
  LoadedScripts loaded = scan_directory(dir);
  if (!loaded.problems.empty()) throw RevisionError(std::move(loaded.problems));
  return std::move(loaded.scripts);
}

}  // namespace pgrevise::revision
