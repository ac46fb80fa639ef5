#include "backup/restore.h"

#include <stdlib.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "backup/backup.h"
#include "backup/catalog.h"
#include "backup/checksum.h"
#include "common/error.h"

namespace pgrevise::backup {

namespace fs = std::filesystem;

namespace {
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

LocatedBackup locate_backup(const fs::path& from_arg) {
  std::error_code ec;
  fs::path from = from_arg;
  if (!from.empty() && from.filename().empty()) from = from.parent_path();  // "x.dir/" → "x.dir"
  if (!fs::exists(from, ec)) throw_bad_input("--from " + from_arg.string() + ": no such file or directory");
  const std::string fname = from.filename().string();
  if (ends_with(fname, std::string(kManifestSuffix))) {
    Manifest m = read_manifest(from);
    fs::path archive = from.parent_path() / m.file;
    if (!fs::exists(archive, ec)) {
      throw_bad_input("--from " + from.string() + ": the manifest names " + m.file +
                      ", which does not exist");
    }
    return {std::move(m), from, archive};
  }
  const fs::path dir = from.has_parent_path() ? from.parent_path() : fs::path(".");
  const auto dot = fname.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    const fs::path sibling = dir / manifest_file_name(fname.substr(0, dot));
    if (fs::exists(sibling, ec)) {
      Manifest m = read_manifest(sibling);
      if (m.file == fname) return {std::move(m), sibling, from};
    }
  }
  for (const auto& b : scan_directory(dir).complete) {
    if (b.manifest.file == fname) return {b.manifest, b.manifest_path, from};
  }
  throw_bad_input("--from " + from.string() +
                  ": no manifest names this file, so it cannot be checked; restore only verified backups");
}

void verify_against_manifest(const LocatedBackup& b) {
  const std::uint64_t size = path_size(b.archive_path);
  if (size != b.manifest.size_bytes) {
    throw_bad_input("checksum mismatch: " + b.archive_path.string() + " is " + std::to_string(size) +
                    " bytes but its manifest " + b.manifest_path.string() + " says " +
                    std::to_string(b.manifest.size_bytes) + "; refusing to restore it");
  }
  const std::string actual = backup_sha256(b.archive_path);
  if (actual != b.manifest.sha256) {
    throw_bad_input("checksum mismatch: " + b.archive_path.string() + " has sha256 " + actual +
                    " but its manifest " + b.manifest_path.string() + " says " + b.manifest.sha256 +
                    "; the backup is corrupted or was changed, refusing to restore it");
  }
}

namespace {

std::string describe(const ProcessResult& r) {
  if (r.timed_out) return "timed out (--timeout)";
  if (r.signal != 0) return "was killed by signal " + std::to_string(r.signal);
  return "exited with code " + std::to_string(r.exit_code);
}

// A 0700 directory of our own for the intermediate script, removed however the restore ends.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pgrevise-restore-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw Error(ErrorKind::kIo, "cannot create a temporary directory under " +
                                      fs::temp_directory_path().string() + ": " + std::strerror(errno));
    }
    path_ = tmpl;
  }
  ~PrivateTempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The archive as a SQL script for psql, in TMP: pg_restore writes it (custom, directory and tar formats), or
// the plain archive is one; copied without the settings the server lacks when it needs that.
std::string restore_script(const RestorePlan& plan, const fs::path& tmp, ProcessRunner& runner) {
  std::string script = plan.archive;
  if (plan.format != Format::kPlain) {
    script = (tmp / "restore.sql").string();
    ProcessResult r = runner.run(pg_restore_script_spec(plan.pg_restore, plan.archive, script));
    if (!r.ok()) {
      throw Error(ErrorKind::kIo, "restore failed before touching the database: pg_restore " + describe(r) +
                                      " reading the archive: " + stderr_tail(r.err));
    }
  }
  if (!needs_settings_filter(plan)) return script;
  const fs::path filtered = tmp / "restore-for-server.sql";
  copy_without_newer_settings(script, filtered);
  return filtered.string();
}

void run_clean_restore(const RestorePlan& plan, const ChildConnection& conn, ProcessRunner& runner) {
  PrivateTempDir tmp;
  const fs::path drop_sql = tmp.path() / "drop.sql";
  write_file_atomically(drop_sql, kDropEverythingSql);
  const std::string script = restore_script(plan, tmp.path(), runner);
  ProcessResult r = runner.run(clean_restore_spec(plan, drop_sql.string(), script, conn));
  if (!r.ok()) {
    throw Error(ErrorKind::kMigrationFailed,
                "restore failed: psql " + describe(r) +
                    " (one transaction: the database is unchanged): " + stderr_tail(r.err));
  }
}

// A restore into a server older than the tools' settings: psql runs the filtered script.
void run_script_restore(const RestorePlan& plan, const ChildConnection& conn, ProcessRunner& runner) {
  if (plan.jobs > 1) {
    throw_bad_input("--jobs: a backup written by pg_dump " + std::to_string(plan.tools_major_code / 100) +
                    " restores into PostgreSQL " + std::to_string(plan.server_major_code / 100) +
                    " through a script, in one job; restore without --jobs");
  }
  PrivateTempDir tmp;
  RestorePlan as_script = plan;
  as_script.format = Format::kPlain;
  as_script.archive = restore_script(plan, tmp.path(), runner);
  ProcessResult r = runner.run(restore_spec(as_script, conn));
  if (r.ok()) return;
  const std::string tx_note = plan.single_transaction ? " (single transaction: nothing was restored)" : "";
  throw Error(ErrorKind::kMigrationFailed,
              "restore failed: psql " + describe(r) + tx_note + ": " + stderr_tail(r.err));
}

}  // namespace

ClientTools tools_for_backup(const Manifest& m, const std::vector<std::string>& dirs, ProcessRunner& runner) {
  std::vector<ClientTools> available;
  try {
    available = available_client_tools("pg_dump", dirs, runner);
  } catch (const Error&) {
    return ClientTools{};  // no pg_dump runs here; a plain backup needs only psql, which PATH may have
  }
  const std::optional<PgVersion> written_by = parse_tool_version("(PostgreSQL) " + m.pg_dump_version);
  const std::optional<ClientTools> chosen =
      written_by ? choose_client_tools(available, *written_by) : std::nullopt;
  if (chosen) return *chosen;
  const auto on_path =
      std::find_if(available.begin(), available.end(), [](const auto& t) { return t.bindir.empty(); });
  return on_path != available.end() ? *on_path : ClientTools{};
}

bool needs_settings_filter(const RestorePlan& plan) {
  return plan.server_major_code > 0 && plan.server_major_code < 1700 && plan.tools_major_code >= 1700;
}

void copy_without_newer_settings(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!in || !out) throw Error(ErrorKind::kIo, "cannot copy " + from.string() + " to " + to.string());
  bool preamble = true;
  std::string line;
  while (std::getline(in, line)) {
    if (preamble && line.rfind("COPY ", 0) == 0) preamble = false;
    if (!(preamble && line == "SET transaction_timeout = 0;")) {
      out << line;
      if (!in.eof()) out << '\n';
    }
  }
  out.flush();
  if (!out) throw Error(ErrorKind::kIo, "writing " + to.string() + " failed: " + std::strerror(errno));
}

void run_restore(const RestorePlan& plan, const ChildConnection& conn, ProcessRunner& runner) {
  validate_restore_plan(plan);
  if (plan.clean) return run_clean_restore(plan, conn, runner);
  if (needs_settings_filter(plan)) return run_script_restore(plan, conn, runner);
  ProcessResult r = runner.run(restore_spec(plan, conn));
  if (r.ok()) return;
  const std::string tool = plan.format == Format::kPlain ? "psql" : "pg_restore";
  const std::string tx_note = plan.single_transaction ? " (single transaction: nothing was restored)" : "";
  throw Error(ErrorKind::kMigrationFailed,
              "restore failed: " + tool + " " + describe(r) + tx_note + ": " + stderr_tail(r.err));
}

std::string list_contents(const LocatedBackup& b, const std::string& pg_restore, ProcessRunner& runner) {
  if (b.manifest.format == Format::kPlain) return to_json(b.manifest);
  ProcessResult r = runner.run(pg_restore_list_spec(pg_restore, b.archive_path.string()));
  if (!r.ok()) throw Error(ErrorKind::kIo, "pg_restore --list failed: " + stderr_tail(r.err));
  return r.out;
}

}  // namespace pgrevise::backup
