// A server newer than every pg_dump at hand, for real: this machine's client tools (15 on Debian 12) against
// the PostgreSQL 18 server of the version matrix (the postgres18 fixture). The backup is refused before
// anything is written, naming both versions and the remedy, and its Job report carries the code the operator
// turns into the PgDumpTooOld Reason. With the server's own client tools first on PATH the same backup
// succeeds.
#include <filesystem>
#include <fstream>
#include <string>

#include "common/job_report.h"
#include "integration/backup_fixture.h"

namespace pgrevise::testing {
namespace {

// What `PG_DUMP --version` prints.
std::string pg_dump_version(const std::string& pg_dump) {
  ProcessSpec spec;
  spec.argv = {pg_dump, "--version"};
  return run_process(spec).out;
}

// One value from psql (this machine's) on URL.
std::string psql(const std::string& url, const std::string& sql) {
  const ProcessResult r =
      run_process(ProcessSpec{{"psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

// What row_checksums (backup_fixture.h) reads of each table, for a database of another server.
const std::string kRowChecksum =
    "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ";

int server_major(const TestDatabase& db) {
  return std::stoi(db.query("SHOW server_version_num")) / 10000;
}

TEST_F(BackupTest, AServerNewerThanEveryPgDumpIsRefusedNamingBothVersionsAndTheRemedy) {
  TestDatabase db;
  seed(db, 20);
  const int major = server_major(db);
  // What the test needs: the client tools here (on PATH and in Debian's folders) are all older than the
  // server.
  const std::string path_version = pg_dump_version(find_on_path("pg_dump"));
  ASSERT_LT(std::stoi(path_version.substr(path_version.find(") ") + 2)), major) << path_version;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql")) {
    const std::string name = entry.path().filename().string();
    if (fs::exists(entry.path() / "bin" / "pg_dump")) {
      ASSERT_LT(std::stoi(name), major) << entry.path();
    }
  }

  const ProcessResult r = backup(db, {"--report", (scratch / "report.json").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("PostgreSQL " + std::to_string(major) + "."), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is newer than every pg_dump available"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the newest pg_dump here is "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("postgresql-client-" + std::to_string(major)), std::string::npos) << r.err;
  EXPECT_TRUE(files().empty());
  const JobReport report = parse_job_report(read_file(scratch / "report.json")).value();
  EXPECT_EQ(report.result, "failed");
  ASSERT_TRUE(report.error.has_value());
  EXPECT_EQ(report.error->code, report_code::kPgDumpTooOld);
}

TEST_F(BackupTest, TheServersOwnClientToolsFirstOnPathBackItUp) {
  TestDatabase db;
  seed(db, 20);
  const std::string cluster = std::getenv("PGREVISE_TEST_PG_DIR");
  const std::string bindir = read_file(fs::path(cluster) / "bindir");
  // The fixture's own programs, the server's version: a folder of client tools as a user would install.
  ProcessSpec spec =
      cli_spec({"backup", "--database-url", db.url(), "--out", out.string(), "--output", "json"});
  spec.env_set["PATH"] = bindir.substr(0, bindir.find('\n')) + ":" + spec.env_set["PATH"];
  const ProcessResult r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto manifest = nlohmann::json::parse(r.out)["backup"];
  EXPECT_EQ(std::stoi(manifest["pgDumpVersion"].get<std::string>()), server_major(db));
  EXPECT_EQ(std::stoi(manifest["serverVersion"].get<std::string>()), server_major(db));
}

// A backup of the 18 server, written by pg_dump 18, restored into a database of this machine's older server
// (15): pg_dump 18's SET transaction_timeout, which servers before 17 refuse, is left out of the script psql
// runs, and the schema, rows and heads arrive, with and without --clean.
TEST_F(BackupTest, ABackupWrittenByPgDump18RestoresIntoAnOlderServer) {
  TestDatabase db;
  seed(db, 50);
  const std::string rows = row_checksums(db);  // the same query as kRowChecksum, on every seeded table
  const std::string bindir = read_file(fs::path(std::getenv("PGREVISE_TEST_PG_DIR")) / "bindir");
  const std::string path = bindir.substr(0, bindir.find('\n')) + ":" + cli_spec({}).env_set.at("PATH");
  ProcessSpec take =
      cli_spec({"backup", "--database-url", db.url(), "--out", out.string(), "--name", "from18"});
  take.env_set["PATH"] = path;
  ASSERT_EQ(run_process(take).exit_code, 0);

  const std::string older_admin = read_file(fs::path(std::getenv("PGREVISE_TEST_OLDER_PG_DIR")) / "url");
  const std::string admin = older_admin.substr(0, older_admin.find('\n'));
  for (const bool clean : {false, true}) {
    const std::string name = "restored18_" + std::to_string(::getpid()) + (clean ? "_clean" : "");
    psql(admin, "CREATE DATABASE " + name);
    const std::string target = url_for_database(admin, name);
    std::vector<std::string> args = {"restore", "--from", (out / "from18.manifest.json").string(),
                                     "--database-url", target};
    if (clean) args.push_back("--clean");
    ProcessSpec restore = cli_spec(args);
    restore.env_set["PATH"] = path;
    const ProcessResult r = run_process(restore);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("heads now: 0013b, 0014a"), std::string::npos) << r.out;
    EXPECT_LT(std::stoi(psql(target, "SHOW server_version_num")), 170000);
    std::string restored;
    for (const auto& table : kSeededTables) {
      restored += table + "=" + psql(target, kRowChecksum + table + " t") + "\n";
    }
    EXPECT_EQ(restored, rows);
    psql(admin, "DROP DATABASE " + name + " WITH (FORCE)");
  }
}

}  // namespace
}  // namespace pgrevise::testing
