#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/manifest.h"
#include "common/error.h"
#include "common/process.h"

namespace pgrevise::backup {

// A PostgreSQL version reduced to what compatibility depends on: its major release.
struct PgVersion {
  int major_code = 0;  // 1500 for 15.x, 906 for 9.6.x (the same scale as server_version_num / 100)
  std::string text;    // "15.18"
  std::string major_text() const;  // "15", "9.6"
};

// `pg_dump --version` / `pg_restore --version` output, e.g. "pg_dump (PostgreSQL) 15.18
// (Debian 15.18-0+deb12u1)".
std::optional<PgVersion> parse_tool_version(std::string_view version_output);
PgVersion server_version(int server_version_num, const std::string& server_version_text);

// The refusal of a backup whose server is newer than every pg_dump at hand (pg_dump cannot dump a newer
// server). A type of its own so that the Job's report can say so, and the operator report it under a Reason
// of its own rather than as any failed backup.
class PgDumpTooOld : public Error {
 public:
  explicit PgDumpTooOld(std::string message) : Error(ErrorKind::kBadInput, std::move(message)) {}
};

// One set of PostgreSQL client tools (pg_dump, pg_restore, psql) of one version, in one folder.
struct ClientTools {
  std::string bindir;                             // empty: the tools found on PATH
  PgVersion version;                              // of its pg_dump
  std::string tool(std::string_view name) const;  // "pg_dump" on PATH, or BINDIR/pg_dump
  std::string where() const;                      // "pg_dump on PATH", or the path
};

// The client tools of each version in Debian's layout, ROOT/MAJOR/bin (ROOT is /usr/lib/postgresql, where
// Debian's postgresql-client-MAJOR packages install side by side): the folders holding a pg_dump, by version.
std::vector<std::string> installed_client_dirs(const std::string& root);

// Which tools serve a server of version SERVER (or read an archive that pg_dump SERVER wrote): those of the
// same major version, preferring the first listed; else the oldest newer ones, as pg_dump dumps every older
// server but writes statements that only servers as new as itself run (pg_dump 17 and 18 begin every dump
// with SET transaction_timeout, which PostgreSQL 16 and older refuse). nullopt when every set is older.
std::optional<ClientTools> choose_client_tools(const std::vector<ClientTools>& available,
                                               const PgVersion& server);

// Throws PgDumpTooOld naming the server's version, the newest pg_dump found and where, and the remedy.
[[noreturn]] void refuse_newer_server(const std::vector<ClientTools>& available, const PgVersion& server);

// How to reach the database from a child process. The password travels only in the child's environment.
struct ChildConnection {
  std::string conninfo;  // without password; empty: the child uses the inherited PG* environment
  std::optional<std::string> password;
  int connect_timeout_s = 10;
};

struct DumpPlan {
  std::string pg_dump = "pg_dump";
  Format format = Format::kCustom;
  int compress = 1;
  int jobs = 1;
  std::string output;  // the partial path; empty: the archive goes to pg_dump's stdout
  std::optional<std::chrono::milliseconds> timeout;
};

// Environment shared by pg_dump, pg_restore and psql children: PGPASSWORD when there is a password,
// PGCONNECT_TIMEOUT, and a fixed application_name.
void add_connection_environment(ProcessSpec& spec, const ChildConnection& c,
                                const std::string& application_name);

ProcessSpec pg_dump_spec(const DumpPlan& plan, const ChildConnection& c);
ProcessSpec pg_dump_version_spec(const std::string& pg_dump);
// pg_restore --list ARCHIVE: reads the archive's header and table of contents.
ProcessSpec pg_restore_list_spec(const std::string& pg_restore, const std::string& archive);
// pg_restore --file=/dev/null ARCHIVE: reads and decompresses every data block (deep verification).
ProcessSpec pg_restore_read_all_spec(const std::string& pg_restore, const std::string& archive);

// pg_restore --list reading an archive's table of contents from its stdin.
ProcessSpec pg_restore_list_stdin_spec(const std::string& pg_restore);
// pg_restore --file=/dev/null reading an archive from its stdin, to its end.
ProcessSpec pg_restore_read_stdin_spec(const std::string& pg_restore);

struct RestorePlan {
  std::string pg_restore = "pg_restore";
  std::string psql = "psql";
  Format format = Format::kCustom;
  std::string archive;
  bool clean = false;
  bool single_transaction = true;
  int jobs = 1;
  std::optional<std::chrono::milliseconds> timeout;
  // The versions (PgVersion::major_code) of the server restored into and of the tools restoring; 0: unknown.
  int server_major_code = 0;
  int tools_major_code = 0;
};
// Bad combinations (jobs with single transaction, jobs for custom or plain, clean with jobs)
// → Error(kBadInput) naming the flags.
void validate_restore_plan(const RestorePlan& plan);
// Restore without --clean: pg_restore (or psql for plain format) straight into the database.
ProcessSpec restore_spec(const RestorePlan& plan, const ChildConnection& c);

// Restore with --clean, so that the database ends exactly as backed up, objects created after the backup
// included: pg_restore writes the archive as a SQL script, then psql runs kDropEverythingSql (drop every user
// schema and recreate public) and the script in ONE transaction. Any error rolls everything back.
extern const char* const kDropEverythingSql;
ProcessSpec pg_restore_script_spec(const std::string& pg_restore, const std::string& archive,
                                   const std::string& script);
ProcessSpec clean_restore_spec(const RestorePlan& plan, const std::string& drop_sql,
                               const std::string& script, const ChildConnection& c);

// What `pg_restore --list` says about an archive.
struct TocSummary {
  int entries = 0;     // TOC lines
  int table_data = 0;  // TABLE DATA entries
  int tables = 0;      // TABLE entries
};
TocSummary parse_toc_list(std::string_view list_output);

// Plain dumps end with pg_dump's "dump complete" trailer; a truncated one does not.
bool plain_dump_trailer_present(std::string_view tail);

}  // namespace pgrevise::backup
