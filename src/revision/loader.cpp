#include "revision/loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>

namespace pgrevise::revision {

namespace fs = std::filesystem;

namespace {

// POSIX calls rather than <filesystem> iterators and streams: loading 10,000 files is dominated by per-file
// overhead, and this keeps it to open, fstat, read and close.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads `name` in the directory open as `dirfd` (no path walk per file); `path` names it in errors.
std::string read_file(int dirfd, const char* name, const std::string& path) {
  FileDescriptor fd(::openat(dirfd, name, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    throw Error(ErrorKind::kIo, "cannot read migration file " + path + ": " + std::strerror(errno));
  struct stat st {};
  std::string out;
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::kIo, "cannot read migration file " + path + ": " + std::strerror(errno));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

struct SqlFile {
  std::string relative;
  std::string text;
};

// Every *.sql regular file under root with its text (symbolic links followed, each directory entered once,
// entries whose names start with ".." skipped), sorted by relative path.
class SqlFileFinder {
 public:
  explicit SqlFileFinder(std::string root) : root_(std::move(root)) {}

  std::vector<SqlFile> find() {
    std::vector<std::string> pending = {""};
    while (!pending.empty()) {
      std::string relative = std::move(pending.back());
      pending.pop_back();
      list(relative, pending);
    }
    std::sort(files_.begin(), files_.end(),
              [](const SqlFile& a, const SqlFile& b) { return a.relative < b.relative; });
    return std::move(files_);
  }

 private:
  void list(const std::string& relative, std::vector<std::string>& pending) {
    std::string full = relative.empty() ? root_ : root_ + "/" + relative;
    DIR* dir = ::opendir(full.c_str());
    if (dir == nullptr)
      throw Error(ErrorKind::kIo, "cannot list migrations directory " + full + ": " + std::strerror(errno));
    struct stat self {};
    if (::fstat(::dirfd(dir), &self) == 0 && !seen_.insert({self.st_dev, self.st_ino}).second) {
      ::closedir(dir);
      return;
    }
    while (dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      // The kubelet's atomic writer keeps a ConfigMap's real files in a hidden timestamped folder reached
      // through `..data`, and every visible entry is a symbolic link into it: entering the `..` entries would
      // find every file twice (this also skips "." and "..").
      if (name.substr(0, 2) == ".." || name == ".") continue;
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN || type == DT_LNK) type = resolve_type(::dirfd(dir), entry->d_name);
      std::string path = relative.empty() ? std::string(name) : relative + "/" + std::string(name);
      if (type == DT_DIR)
        pending.push_back(std::move(path));
      else if (type == DT_REG && name.size() > 4 && name.substr(name.size() - 4) == ".sql")
        files_.push_back({path, read_file(::dirfd(dir), entry->d_name, root_ + "/" + path)});
    }
    ::closedir(dir);
  }

  static unsigned char resolve_type(int dirfd, const char* name) {
    struct stat st {};
    if (::fstatat(dirfd, name, &st, 0) != 0) return DT_UNKNOWN;
    if (S_ISDIR(st.st_mode)) return DT_DIR;
    if (S_ISREG(st.st_mode)) return DT_REG;
    return DT_UNKNOWN;
  }

  std::string root_;
  std::vector<SqlFile> files_;
  std::set<std::pair<dev_t, ino_t>> seen_;
};

}  // namespace

LoadedScripts scan_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorKind::kBadInput,
                "migrations directory " + dir.string() + " does not exist or is not a directory");
  LoadedScripts out;
  std::string root = dir.string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::vector<SqlFile> files = SqlFileFinder(root).find();
  std::unordered_map<std::string, size_t> by_revision;
  by_revision.reserve(files.size());
  out.scripts.reserve(files.size());
  for (const auto& [relative, text] : files) {
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
