// `pgrevise backup`, `backup list`, `backup prune`, `backup verify` and `pgrevise restore`: wiring of
// src/backup to the command line, the database connection and the real clock and process runner.
#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "backup/backup.h"
#include "backup/catalog.h"
#include "backup/facts.h"
#include "backup/progress.h"
#include "backup/report.h"
#include "backup/restore.h"
#include "common/cli.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "db/connection.h"
#include "db/version_table.h"

namespace pgrevise::app {
namespace {

namespace fs = std::filesystem;
using backup::Format;

const cli::FlagSpec kDatabaseUrl{"database-url", "URL",
                                 "PostgreSQL URL (else DATABASE_URL, else libpq's PG* variables)"};
const cli::FlagSpec kOut{"out", "DIR", "backup directory", false, "$PGREVISE_BACKUP_DIR"};
const cli::FlagSpec kOutput{"output", "FORMAT", "text or json", false, "text"};
const cli::FlagSpec kReport{"report", "FILE",
                            "write a JSON report (at most 4 KiB) to FILE, e.g. /dev/termination-log"};
const cli::FlagSpec kTimeout{"timeout", "DURATION",
                             "give up (and kill pg_dump / pg_restore) after DURATION, e.g. 30m"};
const cli::FlagSpec kVersionTable{"version-table", "[SCHEMA.]NAME", "table holding the revision heads", false,
                                  "alembic_version"};

const cli::CommandSpec kBackupSpec{
    "pgrevise backup [list|prune|verify] [flags]",
    "Takes a verified pg_dump backup. The archive is written under a hidden .partial name and gets its name\n"
    "only once pg_dump exited 0, the archive was read back to its end by pg_restore (for custom format "
    "while\n"
    "pg_dump runs: the dump streams through pgrevise, which writes, hashes and feeds pg_restore in one "
    "pass),\n"
    "its table of contents lists table data when the database has tables, and NAME.manifest.json (database,\n"
    "server and pg_dump versions, revision heads, format, size, SHA-256, times) was written beside it. Any\n"
    "failure removes the partial output. --retain deletes older backups of the same database only after the\n"
    "new one is complete.",
    {kDatabaseUrl,
     kOut,
     {"name", "NAME", "backup name", false, "DATABASE-HEADS-UTCTIME"},
     {"format", "FORMAT", "custom, directory or plain", false, "custom"},
     {"jobs", "N", "parallel dump jobs (directory format only)", false, "1"},
     {"compress", "LEVEL", "compression level 0-9 (custom and directory formats)", false, "1"},
     {"retain", "N", "keep the N newest backups of this database in DIR, delete older ones"},
     {"verify", "LEVEL", "full (pg_restore reads every data block) or toc (table of contents only)", false,
      "full"},
     kVersionTable,
     kTimeout,
     kReport,
     kOutput},
    0,
    1,
    "Subcommands:\n  backup list [--out DIR]                 list backups, newest first, and anything "
    "incomplete\n"
    "  backup prune --retain N [--database DB]  keep the N newest backups of each (or one) database; remove\n"
    "                                          partial files of interrupted backups older than "
    "--partial-age\n"
    "  backup verify --from FILE|MANIFEST       check a backup against its manifest and read it to the "
    "end\n\n"
    "The password reaches pg_dump only through its environment, never its arguments."};

using cli::json_output;

fs::path out_dir(const cli::ParsedArgs& a) {
  if (auto o = a.get("out")) return *o;
  if (const char* env = std::getenv("PGREVISE_BACKUP_DIR"); env != nullptr && *env != '\0') return env;
  throw_bad_input("--out: no backup directory given (set --out or PGREVISE_BACKUP_DIR)");
}

std::optional<std::chrono::milliseconds> timeout_flag(const cli::ParsedArgs& a) {
  auto t = a.get("timeout");
  if (!t) return std::nullopt;
  auto d = parse_duration(*t);
  if (!d || d->count() <= 0)
    throw_bad_input("--timeout: expected a duration such as 30m or 1h, got '" + *t + "'");
  return d;
}

void write_report(const cli::ParsedArgs& a, const JobReport& report) {
  auto file = a.get("report");
  if (!file) return;
  try {
    write_job_report(*file, report);
  } catch (const Error& e) {
    std::fprintf(stderr, "pgrevise: warning: %s\n", redact(e.what()).c_str());
  }
}

// What a command hands back: the document for --output json and the Job report for --report.
struct Outcome {
  std::string json;
  JobReport report;
};

// Runs body; on an Error writes the failure report (and JSON output) before letting main print it.
int with_report(const cli::ParsedArgs& a, const std::string& command, const std::function<Outcome()>& body) {
  try {
    const Outcome outcome = body();
    write_report(a, outcome.report);
    if (json_output(a)) std::printf("%s\n", outcome.json.c_str());
    return kExitOk;
  } catch (const Error& e) {
    write_report(a, backup::failure_job_report(command, e));
    if (a.get_or("output", "text") == "json") std::printf("%s\n", backup::failure_report(command, e).c_str());
    throw;
  }
}

std::string heads_text(const std::vector<std::string>& heads) {
  return heads.empty() ? "(none)" : join(heads, ", ");
}

backup::ProgressFn terminal_progress(const std::string& label, bool enabled) {
  if (!enabled) return nullptr;
  return [label](std::uint64_t bytes, std::chrono::milliseconds elapsed) {
    const std::string line = backup::render_progress(label, bytes, elapsed);
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  };
}

// Where Debian installs the client tools of each PostgreSQL version side by side (postgresql-client-MAJOR),
// and where the image puts those of the newest version it ships.
constexpr char kClientToolsRoot[] = "/usr/lib/postgresql";

std::vector<std::string> client_dirs() {
  return backup::installed_client_dirs(kClientToolsRoot);
}

backup::BackupOptions backup_options(const cli::ParsedArgs& a) {
  backup::BackupOptions o;
  o.client_dirs = client_dirs();
  o.out_dir = out_dir(a);
  o.name = a.get("name");
  if (o.name) backup::validate_name(*o.name);
  o.format = backup::parse_format(a.get_or("format", "custom"));
  o.compress = static_cast<int>(a.get_int("compress", 0, 9).value_or(o.format == Format::kPlain ? 0 : 1));
  if (o.format == Format::kPlain && o.compress > 0) {
    throw_bad_input(
        "--compress: plain-format backups are written uncompressed; use --format custom to compress");
  }
  o.jobs = static_cast<int>(a.get_int("jobs", 1, 64).value_or(1));
  if (o.jobs > 1 && o.format != Format::kDirectory) throw_bad_input("--jobs: needs --format directory");
  if (auto r = a.get_int("retain", 1, 100000)) o.retain = static_cast<int>(*r);
  o.timeout = timeout_flag(a);
  const std::string verify = a.get_or("verify", "full");
  if (verify != "full" && verify != "toc")
    throw_bad_input("--verify: expected full or toc, got '" + verify + "'");
  o.verification = verify == "full" ? backup::Verification::kFull : backup::Verification::kToc;
  return o;
}

int take_backup(const cli::ParsedArgs& a) {
  const bool json = json_output(a);
  return with_report(a, "backup", [&] {
    backup::BackupOptions opts = backup_options(a);
    const auto table = db::VersionTableName::parse(a.get_or("version-table", "alembic_version"));
    const db::ConnectionConfig cfg = db::resolve_connection(a.get("database-url"));
    auto conn = db::connect(cfg, std::chrono::seconds(10), "pgrevise-backup");
    const backup::DatabaseFacts facts = backup::read_database_facts(*conn, cfg, table);
    conn.reset();
    SystemProcessRunner runner;
    const bool tty = !json && ::isatty(STDERR_FILENO);
    auto progress = terminal_progress("backing up " + facts.database, tty);
    backup::BackupResult r = backup::run_backup(opts, backup::child_connection(cfg, 10), facts, runner,
                                                SystemClock::instance(), progress);
    if (tty) std::fprintf(stderr, "\r%72s\r", "");  // the summary below replaces the progress line
    for (const auto& w : r.warnings) std::fprintf(stderr, "warning: %s\n", redact(w).c_str());
    if (!json) {
      std::printf("backup %s: %s, %s, heads %s, sha256 %s%s\n", r.archive_path.c_str(),
                  backup::human_bytes(r.manifest.size_bytes).c_str(),
                  backup::human_duration(std::chrono::milliseconds(r.manifest.duration_ms)).c_str(),
                  heads_text(r.manifest.heads).c_str(), r.manifest.sha256.c_str(),
                  r.deleted.empty() ? "" : (", deleted " + join(r.deleted, ", ")).c_str());
    }
    return Outcome{backup::backup_success_report(r), backup::backup_job_report(r)};
  });
}

const cli::CommandSpec kListSpec{
    "pgrevise backup list [--out DIR] [--output text|json]",
    "Lists complete backups (with a manifest) newest first, then anything incomplete.",
    {kOut, kOutput}};

int list_backups(const cli::ParsedArgs& a) {
  const backup::Catalog cat = backup::scan_directory(out_dir(a));
  if (json_output(a)) {
    nlohmann::json j{{"backups", nlohmann::json::array()}, {"incomplete", nlohmann::json::array()}};
    for (const auto& b : cat.complete)
      j["backups"].push_back(nlohmann::json::parse(backup::to_json(b.manifest)));
    for (const auto& i : cat.incomplete)
      j["incomplete"].push_back({{"path", i.path.string()}, {"why", i.why}});
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-24s  %-10s  %10s  %-9s  %s\n", "FINISHED", "DATABASE", "SIZE", "FORMAT", "HEADS / FILE");
  for (const auto& b : cat.complete) {
    const auto& m = b.manifest;
    std::printf("%-24s  %-10s  %10s  %-9s  %s  %s\n", m.finished_at.c_str(), m.database.c_str(),
                backup::human_bytes(m.size_bytes).c_str(), backup::to_string(m.format),
                heads_text(m.heads).c_str(), m.file.c_str());
  }
  for (const auto& i : cat.incomplete) std::printf("incomplete: %s (%s)\n", i.path.c_str(), i.why.c_str());
  return kExitOk;
}

const cli::CommandSpec kPruneSpec{
    "pgrevise backup prune --retain N [--database DB] [--out DIR]",
    "Keeps the N newest complete backups of each database (or only of --database) and deletes older ones;\n"
    "removes partial files of interrupted backups not written to for --partial-age.",
    {kOut,
     kOutput,
     {"retain", "N", "how many backups of each database to keep"},
     {"database", "DB", "prune only backups of this database"},
     {"partial-age", "DURATION", "remove .partial files older than this", false, "10m"},
     {"dry-run", "", "print what would be deleted, delete nothing"}}};

int prune_backups(const cli::ParsedArgs& a) {
  const auto retain = a.get_int("retain", 1, 100000);
  if (!retain) throw_bad_input("--retain: required (how many backups of each database to keep)");
  const auto age = parse_duration(a.get_or("partial-age", "10m"));
  if (!age) throw_bad_input("--partial-age: expected a duration such as 10m");
  const bool dry = a.has("dry-run");
  const backup::Catalog cat = backup::scan_directory(out_dir(a));
  std::set<std::string> databases;
  for (const auto& b : cat.complete) databases.insert(b.manifest.database);
  if (auto only = a.get("database")) databases = {*only};
  std::vector<std::string> removed;
  for (const auto& db : databases) {
    for (const auto* b : backup::select_for_deletion(cat.complete, db, static_cast<int>(*retain))) {
      if (!dry) backup::delete_backup(*b);
      removed.push_back(b->archive_path.filename().string());
    }
  }
  for (const auto* p :
       backup::select_stale_partials(cat.incomplete, std::chrono::system_clock::now(), *age)) {
    if (!dry) backup::remove_path(p->path);
    removed.push_back(p->path.filename().string());
  }
  if (json_output(a)) {
    std::printf("%s\n", nlohmann::json{{"deleted", removed}, {"dryRun", dry}}.dump().c_str());
  } else {
    for (const auto& r : removed) std::printf("%s %s\n", dry ? "would delete" : "deleted", r.c_str());
    if (removed.empty()) std::printf("nothing to prune\n");
  }
  return kExitOk;
}

const cli::CommandSpec kVerifySpec{
    "pgrevise backup verify --from FILE|MANIFEST",
    "Checks a backup's size and SHA-256 against its manifest and reads it to the end.",
    {{"from", "FILE", "the backup file or its manifest"}, kOutput}};

int verify_backup(const cli::ParsedArgs& a) {
  auto from = a.get("from");
  if (!from) throw_bad_input("--from: required");
  const backup::LocatedBackup b = backup::locate_backup(*from);
  backup::verify_against_manifest(b);
  SystemProcessRunner runner;
  backup::verify_archive(
      b.archive_path, b.manifest.format, b.manifest.table_count, backup::Verification::kFull,
      backup::tools_for_backup(b.manifest, client_dirs(), runner).tool("pg_restore"), runner);
  if (json_output(a)) {
    std::printf("%s\n", nlohmann::json{{"ok", true},
                                       {"file", b.archive_path.string()},
                                       {"sha256", b.manifest.sha256},
                                       {"manifest", b.manifest_path.string()}}
                            .dump()
                            .c_str());
    return kExitOk;
  }
  std::printf("%s: ok (sha256 %s matches %s)\n", b.archive_path.c_str(), b.manifest.sha256.c_str(),
              b.manifest_path.c_str());
  return kExitOk;
}

int run_backup_command(const Args& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::map<std::string, std::pair<const cli::CommandSpec*, int (*)(const cli::ParsedArgs&)>> subs{
      {"list", {&kListSpec, list_backups}},
      {"prune", {&kPruneSpec, prune_backups}},
      {"verify", {&kVerifySpec, verify_backup}}};
  if (auto it = subs.find(sub); it != subs.end()) {
    const Args rest(args.begin() + 1, args.end());
    if (cli::wants_help(rest)) {
      std::printf("%s", cli::help_text(*it->second.first).c_str());
      return kExitOk;
    }
    return it->second.second(cli::parse(*it->second.first, rest));
  }
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(kBackupSpec).c_str());
    return kExitOk;
  }
  const cli::ParsedArgs parsed = cli::parse(kBackupSpec, args);
  if (!parsed.positional().empty()) {
    throw_bad_input("unknown subcommand '" + parsed.positional()[0] + "' (list, prune or verify)");
  }
  return take_backup(parsed);
}

const cli::CommandSpec kRestoreSpec{
    "pgrevise restore --from FILE|MANIFEST [flags]",
    "Restores a backup taken by `pgrevise backup`. Checks the file's SHA-256 against its manifest first and "
    "refuses\n"
    "a mismatch; afterwards prints the revision heads in the version table and fails unless they equal the\n"
    "manifest's.",
    {{"from", "FILE", "the backup file (or directory) or its manifest"},
     kDatabaseUrl,
     {"clean", "",
      "drop every object in the database's schemas first (also ones created after the backup), in the same\n"
      "                              transaction as the restore, so the database ends exactly as backed up"},
     {"no-single-transaction", "",
      "do not restore in one transaction (the default for custom and plain formats)"},
     {"jobs", "N", "parallel restore jobs (directory format; implies --no-single-transaction)", false, "1"},
     {"list", "", "print the archive's table of contents and exit"},
     kVersionTable,
     kTimeout,
     kReport,
     kOutput}};

std::vector<std::string> heads_now(const db::ConnectionConfig& cfg, const db::VersionTableName& table) {
  auto conn = db::connect(cfg, std::chrono::seconds(10), "pgrevise-restore");
  return db::read_heads(*conn, table);
}

// What a failed restore without --clean adds to its error when the database was not empty before it.
std::string clean_hint(const db::ConnectionConfig& cfg) {
  try {
    const std::string objects =
        backup::existing_objects(*db::connect(cfg, std::chrono::seconds(10), "pgrevise-restore"));
    if (objects.empty()) return "";
    return "\nThe database was not empty: " + objects +
           ". Restore with --clean to drop every object in its schemas first, in the same transaction, or "
           "restore into an empty database.";
  } catch (const std::exception&) {
    return "";  // the restore itself says what is wrong with the connection
  }
}

int restore(const cli::ParsedArgs& a) {
  const bool json = json_output(a);
  auto from = a.get("from");
  if (!from) throw_bad_input("--from: required (the backup file or its manifest)");
  SystemProcessRunner runner;
  if (a.has("list")) {
    const backup::LocatedBackup b = backup::locate_backup(*from);
    const std::string pg_restore =
        backup::tools_for_backup(b.manifest, client_dirs(), runner).tool("pg_restore");
    std::printf("%s", backup::list_contents(b, pg_restore, runner).c_str());
    return kExitOk;
  }
  return with_report(a, "restore", [&] {
    backup::RestorePlan plan;
    // Flags first, so a bad value is named even when the backup cannot be found.
    plan.clean = a.has("clean");
    plan.jobs = static_cast<int>(a.get_int("jobs", 1, 64).value_or(1));
    plan.single_transaction = !a.has("no-single-transaction") && plan.jobs == 1;
    plan.timeout = timeout_flag(a);
    const backup::LocatedBackup b = backup::locate_backup(*from);
    plan.format = b.manifest.format;
    plan.archive = b.archive_path.string();
    backup::validate_restore_plan(plan);
    const backup::ClientTools tools = backup::tools_for_backup(b.manifest, client_dirs(), runner);
    plan.pg_restore = tools.tool("pg_restore");
    plan.psql = tools.tool("psql");
    const auto table = db::VersionTableName::parse(a.get_or("version-table", b.manifest.version_table));
    const db::ConnectionConfig cfg = db::resolve_connection(a.get("database-url"));
    backup::verify_against_manifest(b);
    // A clear error before pg_restore runs, and the server's version, which decides how the script is run;
    // the connection is closed before the restore starts.
    plan.server_major_code =
        backup::server_version(
            db::server_version_num(*db::connect(cfg, std::chrono::seconds(10), "pgrevise-restore")), "")
            .major_code;
    plan.tools_major_code = tools.version.major_code;
    const std::string hint = plan.clean ? "" : clean_hint(cfg);
    try {
      backup::run_restore(plan, backup::child_connection(cfg, 10), runner);
    } catch (const Error& e) {
      if (hint.empty() || e.kind() != ErrorKind::kMigrationFailed) throw;
      throw Error(e.kind(), std::string(e.what()) + hint);
    }
    const std::vector<std::string> after = heads_now(cfg, table);
    if (!json) std::printf("restored %s; heads now: %s\n", b.archive_path.c_str(), heads_text(after).c_str());
    auto expected = b.manifest.heads;
    std::sort(expected.begin(), expected.end());
    if (after != expected) {
      throw Error(ErrorKind::kMigrationFailed, "after restore the version table " + table.display() +
                                                   " holds " + heads_text(after) + " but the manifest says " +
                                                   heads_text(expected));
    }
    return Outcome{backup::restore_success_report(b.manifest, after),
                   backup::restore_job_report(b.manifest, after)};
  });
}

int run_restore_command(const Args& args) {
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(kRestoreSpec).c_str());
    return kExitOk;
  }
  return restore(cli::parse(kRestoreSpec, args));
}

cli::CompletionNode backup_completion() {
  cli::CompletionNode node{.flags = kBackupSpec.flags};
  for (const auto& [name, spec] :
       {std::pair{"list", &kListSpec}, {"prune", &kPruneSpec}, {"verify", &kVerifySpec}})
    node.subcommands.push_back({.name = name, .summary = spec->summary, .flags = spec->flags});
  return node;
}

const CommandRegistration backup_registration("backup", "take, list, prune and verify pg_dump backups",
                                              run_backup_command, 30, {"list", "prune", "verify"},
                                              backup_completion);
const CommandRegistration restore_registration("restore", "restore a verified backup and check its heads",
                                               run_restore_command, 31, {}, [] {
                                                 return cli::CompletionNode{.flags = kRestoreSpec.flags};
                                               });

}  // namespace
}  // namespace pgrevise::app
