#include "backup/backup.h"

#include <fcntl.h>
#include <unistd.h>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "backup/catalog.h"
#include "backup/checksum.h"
#include "backup/stream_dump.h"
#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace pgrevise::backup {

namespace fs = std::filesystem;

std::string stderr_tail(const std::string& err, size_t max_chars) {
  std::string t(trim(err));
  if (t.size() > max_chars) t = "..." + t.substr(t.size() - max_chars);
  for (char& c : t) {
    if (c == '\n') c = ' ';
  }
  return redact(t);
}

namespace {

std::string describe_exit(const ProcessResult& r) {
  if (r.timed_out) return "timed out (--timeout)";
  if (r.signal == SIGXFSZ) return "was killed by SIGXFSZ (file size limit exceeded)";
  if (r.signal != 0)
    return "was killed by signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
  return "exited with code " + std::to_string(r.exit_code);
}

bool looks_like_connection_failure(const std::string& err) {
  const std::string l = to_lower(err);
  return l.find("connection to server") != std::string::npos ||
         l.find("password authentication failed") != std::string::npos ||
         l.find("no password supplied") != std::string::npos ||
         l.find("could not connect") != std::string::npos;
}

void check_out_dir(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty()) throw_bad_input("--out: no backup directory given (set --out or PGREVISE_BACKUP_DIR)");
  if (!fs::exists(dir, ec)) throw_bad_input("--out " + dir.string() + ": the directory does not exist");
  if (!fs::is_directory(dir, ec)) throw_bad_input("--out " + dir.string() + ": not a directory");
  const fs::path probe = dir / (".pgrevise-write-test-" + std::to_string(::getpid()));
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw_bad_input("--out " + dir.string() + ": the directory is not writable (" + std::strerror(errno) +
                    ")");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

PgVersion pg_dump_version(const std::string& pg_dump, ProcessRunner& runner) {
  ProcessResult r;
  try {
    r = runner.run(pg_dump_version_spec(pg_dump));
  } catch (const Error& e) {
    throw Error(ErrorKind::kIo,
                "cannot run " + pg_dump + " (is the PostgreSQL client installed?): " + e.what());
  }
  auto v = parse_tool_version(r.out);
  if (!r.ok() || !v) {
    throw Error(ErrorKind::kIo, "cannot tell the version of " + pg_dump + ": `" + pg_dump + " --version` " +
                                    describe_exit(r) + ", printed '" + stderr_tail(r.out + r.err, 200) + "'");
  }
  return *v;
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Polls the size of the partial output while pg_dump runs, for the progress line.
class ProgressWatcher {
 public:
  ProgressWatcher(const ProgressFn& fn, fs::path path, Clock& clock) : fn_(fn), path_(std::move(path)) {
    if (!fn_) return;
    const auto start = clock.steady_now();
    thread_ = std::thread([this, start, &clock] {
      std::unique_lock lock(mu_);
      while (!stop_) {
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - start);
        fn_(path_size(path_), elapsed);
        cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; });
      }
    });
  }
  ~ProgressWatcher() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const ProgressFn& fn_;
  fs::path path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

[[noreturn]] void fail_and_clean(const fs::path& partial, ErrorKind kind, const std::string& what) {
  std::string cleanup;
  try {
    remove_path(partial);
    cleanup = "removed the partial output " + partial.string();
  } catch (const Error& e) {
    cleanup = std::string("could not remove the partial output: ") + e.what();
  }
  throw Error(kind,
              redact(what + "; " + cleanup + "; no backup was written and no existing backup was deleted"));
}

void dump(const BackupOptions& opts, const ChildConnection& conn, const fs::path& partial,
          ProcessRunner& runner, Clock& clock, const ProgressFn& progress) {
  DumpPlan plan{opts.pg_dump, opts.format, opts.compress, opts.jobs, partial.string(), opts.timeout};
  ProcessResult r;
  try {
    ProgressWatcher watcher(progress, partial, clock);
    r = runner.run(pg_dump_spec(plan, conn));
  } catch (const Error& e) {
    fail_and_clean(partial, ErrorKind::kIo, std::string("cannot run pg_dump: ") + e.what());
  }
  if (r.ok()) return;
  const ErrorKind kind = looks_like_connection_failure(r.err) ? ErrorKind::kConnection : ErrorKind::kIo;
  fail_and_clean(partial, kind, "pg_dump " + describe_exit(r) + ": " + stderr_tail(r.err));
}

}  // namespace

std::vector<ClientTools> available_client_tools(const std::string& path_pg_dump,
                                                const std::vector<std::string>& dirs, ProcessRunner& runner) {
  std::vector<ClientTools> available;
  std::optional<Error> path_error;
  try {
    available.push_back({"", pg_dump_version(path_pg_dump, runner)});
  } catch (const Error& e) {
    path_error = e;
  }
  for (const std::string& dir : dirs) {
    try {
      available.push_back({dir, pg_dump_version(dir + "/pg_dump", runner)});
    } catch (const Error&) {
      // A folder whose pg_dump does not run is not a choice; the tools that do run are.
    }
  }
  if (available.empty() && path_error) throw *path_error;
  return available;
}

TocSummary check_toc(const TocSummary& toc, int expected_tables) {
  // A brand-new database (the first install of an application) dumps to an empty table of contents; that is
  // a sound backup. Emptiness only betrays a broken dump when the database had tables.
  if (toc.entries == 0 && expected_tables > 0) {
    throw Error(ErrorKind::kIo, "verification failed: the database has " + std::to_string(expected_tables) +
                                    " tables but the archive's table of contents is empty");
  }
  if (expected_tables > 0 && toc.table_data == 0) {
    throw Error(ErrorKind::kIo, "verification failed: the database has " + std::to_string(expected_tables) +
                                    " tables but the archive lists no table data");
  }
  return toc;
}

TocSummary verify_archive(const fs::path& archive, Format format, int expected_tables, Verification level,
                          const std::string& pg_restore, ProcessRunner& runner) {
  if (format == Format::kPlain) {
    std::ifstream in(archive, std::ios::binary | std::ios::ate);
    const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : 0;
    std::string tail(static_cast<size_t>(std::min<std::streamoff>(size, 512)), '\0');
    in.seekg(size - static_cast<std::streamoff>(tail.size()));
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    if (!plain_dump_trailer_present(tail)) {
      throw Error(ErrorKind::kIo, "verification failed: " + archive.string() +
                                      " does not end with pg_dump's 'dump complete' trailer (truncated?)");
    }
    return TocSummary{1, expected_tables, expected_tables};
  }
  ProcessResult list = runner.run(pg_restore_list_spec(pg_restore, archive.string()));
  if (!list.ok()) {
    throw Error(ErrorKind::kIo, "verification failed: pg_restore --list " + describe_exit(list) + ": " +
                                    stderr_tail(list.err));
  }
  const TocSummary toc = check_toc(parse_toc_list(list.out), expected_tables);
  if (level == Verification::kFull) {
    ProcessResult all = runner.run(pg_restore_read_all_spec(pg_restore, archive.string()));
    if (!all.ok()) {
      throw Error(ErrorKind::kIo, "verification failed: reading the whole archive with pg_restore " +
                                      describe_exit(all) + ": " + stderr_tail(all.err));
    }
  }
  return toc;
}

namespace {

// Verification and the checksum both read the whole archive; they run side by side (the archive was just
// written, so both read from the page cache) and the slower one sets the time.
std::pair<TocSummary, std::string> verify_and_hash(const BackupOptions& opts, const fs::path& partial,
                                                   const DatabaseFacts& facts, ProcessRunner& runner) {
  std::string sha;
  std::exception_ptr hash_error;
  std::thread hasher([&] {
    try {
      sha = backup_sha256(partial);
    } catch (...) {
      hash_error = std::current_exception();
    }
  });
  TocSummary toc;
  try {
    toc = verify_archive(partial, opts.format, facts.table_count, opts.verification, opts.pg_restore, runner);
  } catch (const Error& e) {
    hasher.join();
    fail_and_clean(partial, e.kind(), e.what());
  } catch (...) {
    hasher.join();
    throw;
  }
  hasher.join();
  if (hash_error) {
    try {
      std::rethrow_exception(hash_error);
    } catch (const Error& e) {
      fail_and_clean(partial, ErrorKind::kIo, std::string("computing the checksum failed: ") + e.what());
    }
  }
  return {toc, sha};
}

// Custom format: pg_dump writes to a pipe; this process writes the file and hashes it while pg_restore --list
// reads the table of contents and (full verification) pg_restore reads every data block from the same stream,
// so verification costs no second pass over the archive and runs on the core pg_dump leaves idle.
std::pair<TocSummary, std::string> dump_streaming(const BackupOptions& opts, const ChildConnection& conn,
                                                  const fs::path& partial, const DatabaseFacts& facts,
                                                  ProcessRunner& runner, Clock& clock,
                                                  const ProgressFn& progress) {
  DumpPlan plan{opts.pg_dump, opts.format, opts.compress, 1, "", opts.timeout};
  std::vector<ProcessSpec> readers = {pg_restore_list_stdin_spec(opts.pg_restore)};
  if (opts.verification == Verification::kFull)
    readers.push_back(pg_restore_read_stdin_spec(opts.pg_restore));
  for (auto& r : readers) r.timeout = opts.timeout;
  StreamedDump s;
  try {
    ProgressWatcher watcher(progress, partial, clock);
    s = stream_dump(pg_dump_spec(plan, conn), std::move(readers), partial, runner);
  } catch (const Error& e) {
    fail_and_clean(partial, ErrorKind::kIo, std::string("cannot run pg_dump: ") + e.what());
  }
  if (!s.dump.ok()) {
    const ErrorKind kind =
        looks_like_connection_failure(s.dump.err) ? ErrorKind::kConnection : ErrorKind::kIo;
    fail_and_clean(partial, kind, "pg_dump " + describe_exit(s.dump) + ": " + stderr_tail(s.dump.err));
  }
  if (!s.write_error.empty()) fail_and_clean(partial, ErrorKind::kIo, s.write_error);
  for (const ProcessResult& r : s.readers) {
    if (!r.ok()) {
      fail_and_clean(partial, ErrorKind::kIo,
                     "verification failed: pg_restore could not read the archive (" + describe_exit(r) +
                         "): " + stderr_tail(r.err));
    }
  }
  try {
    return {check_toc(parse_toc_list(s.readers[0].out), facts.table_count), s.sha256};
  } catch (const Error& e) {
    fail_and_clean(partial, e.kind(), e.what());
  }
}

std::vector<std::string> apply_retention(const BackupOptions& opts, const Manifest& m,
                                         std::vector<std::string>& warnings) {
  std::vector<std::string> deleted;
  if (!opts.retain) return deleted;
  Catalog cat = scan_directory(opts.out_dir);
  for (const CompleteBackup* b : select_for_deletion(cat.complete, m.database, *opts.retain, m.name)) {
    try {
      delete_backup(*b);
      deleted.push_back(b->manifest.name);
    } catch (const Error& e) {
      warnings.push_back(std::string("retention: ") + e.what());
    }
  }
  return deleted;
}

}  // namespace

namespace {

// The options with the pg_dump and pg_restore of the client tools chosen for the server, and their version.
std::pair<BackupOptions, PgVersion> with_tools_for_server(const BackupOptions& opts,
                                                          const DatabaseFacts& facts, ProcessRunner& runner) {
  const PgVersion server = server_version(facts.server_version_num, facts.server_version);
  const std::vector<ClientTools> available = available_client_tools(opts.pg_dump, opts.client_dirs, runner);
  const std::optional<ClientTools> chosen = choose_client_tools(available, server);
  if (!chosen) refuse_newer_server(available, server);
  BackupOptions with_tools = opts;
  if (!chosen->bindir.empty()) {
    with_tools.pg_dump = chosen->tool("pg_dump");
    with_tools.pg_restore = chosen->tool("pg_restore");
  }
  return {std::move(with_tools), chosen->version};
}

}  // namespace

BackupResult run_backup(const BackupOptions& options, const ChildConnection& conn, const DatabaseFacts& facts,
                        ProcessRunner& runner, Clock& clock, const ProgressFn& progress) {
  check_out_dir(options.out_dir);
  if (options.retain && *options.retain < 1) throw_bad_input("--retain: must be at least 1");
  const auto [opts, dump_version] = with_tools_for_server(options, facts, runner);
  const auto started = clock.now();
  const auto steady_start = clock.steady_now();
  const std::string name = opts.name ? *opts.name : default_name(facts.database, facts.heads, started);
  validate_name(name);
  const fs::path archive = opts.out_dir / archive_file_name(name, opts.format);
  const fs::path manifest_path = opts.out_dir / manifest_file_name(name);
  std::error_code ec;
  if (fs::exists(archive, ec) || fs::exists(manifest_path, ec)) {
    throw_bad_input("--name " + name + ": a backup of that name already exists in " + opts.out_dir.string());
  }
  const fs::path partial = opts.out_dir / partial_file_name(name, opts.format);
  remove_path(partial);

  auto [toc, sha] = opts.format == Format::kCustom
                        ? dump_streaming(opts, conn, partial, facts, runner, clock, progress)
                        : (dump(opts, conn, partial, runner, clock, progress),
                           verify_and_hash(opts, partial, facts, runner));

  BackupResult result;
  Manifest& m = result.manifest;
  m.name = name;
  m.file = archive.filename().string();
  m.format = opts.format;
  m.compress = opts.compress;
  m.database = facts.database;
  m.host = facts.host;
  m.server_version = facts.server_version;
  m.pg_dump_version = dump_version.text;
  m.version_table = facts.version_table;
  m.heads = facts.heads;
  m.size_bytes = path_size(partial);
  m.sha256 = sha;
  m.toc_entries = toc.entries;
  m.table_count = facts.table_count;
  m.started_at = format_rfc3339_ms(started);
  m.finished_at = format_rfc3339_ms(clock.now());
  m.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - steady_start).count();
  try {
    write_manifest_atomically(manifest_path, m);
  } catch (const Error& e) {
    fail_and_clean(partial, ErrorKind::kIo, std::string("writing the manifest failed: ") + e.what());
  }
  if (std::rename(partial.c_str(), archive.c_str()) != 0) {
    const int err = errno;
    std::error_code ignored;
    fs::remove(manifest_path, ignored);
    fail_and_clean(
        partial, ErrorKind::kIo,
        "renaming " + partial.string() + " to " + archive.string() + " failed: " + std::strerror(err));
  }
  fsync_dir(opts.out_dir);
  result.archive_path = archive;
  result.manifest_path = manifest_path;
  result.deleted = apply_retention(opts, m, result.warnings);
  return result;
}

}  // namespace pgrevise::backup
