#include "backup/restore.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "backup/checksum.h"
#include "common/error.h"

namespace pgrevise::backup {
namespace {

namespace fs = std::filesystem;

class RecordingRunner final : public ProcessRunner {
 public:
  std::vector<ProcessSpec> calls;
  std::vector<std::string> drop_sql_seen;
  ProcessResult script_result{0};
  ProcessResult psql_result{0};
  ProcessResult run(const ProcessSpec& spec) override {
    calls.push_back(spec);
    if (spec.argv[0] == "pg_restore") {
      // pg_restore --file=SCRIPT writes the script (with the preamble pg_dump 17 and later write).
      for (const auto& a : spec.argv) {
        if (script_result.ok() && a.rfind("--file=", 0) == 0)
          std::ofstream(a.substr(7)) << "SET transaction_timeout = 0;\n";
      }
      return script_result;
    }
    for (const auto& a : spec.argv) {
      if (a.rfind("--file=", 0) == 0 && a.find("drop.sql") != std::string::npos) {
        std::ifstream in(a.substr(7));
        drop_sql_seen.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    }
    return psql_result;
  }
};

RestorePlan clean_plan() {
  RestorePlan plan;
  plan.archive = "/b/x.dump";
  plan.clean = true;
  return plan;
}

TEST(CleanRestore, ScriptThenOnePsqlTransactionAndTempFilesRemoved) {
  RecordingRunner runner;
  run_restore(clean_plan(), ChildConnection{"dbname='app'", "pw", 10}, runner);
  ASSERT_EQ(runner.calls.size(), 2u);
  EXPECT_EQ(runner.calls[0].argv[0], "pg_restore");
  EXPECT_EQ(runner.calls[1].argv[0], "psql");
  ASSERT_EQ(runner.drop_sql_seen.size(), 1u);
  EXPECT_NE(runner.drop_sql_seen[0].find("DROP SCHEMA"), std::string::npos);
  const std::string script = runner.calls[0].argv[1].substr(7);
  EXPECT_FALSE(fs::exists(fs::path(script).parent_path())) << "temporary directory left behind";
}

TEST(CleanRestore, UnreadableArchiveNeverTouchesTheDatabase) {
  RecordingRunner runner;
  runner.script_result = ProcessResult{1, 0, false, "", "pg_restore: error: could not read input file"};
  try {
    run_restore(clean_plan(), ChildConnection{}, runner);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("before touching the database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(runner.calls.size(), 1u);
}

TEST(CleanRestore, PsqlFailureSaysNothingChanged) {
  RecordingRunner runner;
  runner.psql_result = ProcessResult{3, 0, false, "", "ERROR:  relation exists"};
  try {
    run_restore(clean_plan(), ChildConnection{}, runner);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMigrationFailed);
    EXPECT_NE(std::string(e.what()).find("the database is unchanged"), std::string::npos) << e.what();
  }
}

TEST(SettingsFilter, OnlyServersBefore17RestoringWhatTools17OrLaterWrote) {
  RestorePlan plan;
  EXPECT_FALSE(needs_settings_filter(plan));  // versions unknown: as before
  plan.server_major_code = 1600;
  plan.tools_major_code = 1800;
  EXPECT_TRUE(needs_settings_filter(plan));
  plan.tools_major_code = 1600;
  EXPECT_FALSE(needs_settings_filter(plan));
  plan.server_major_code = 1700;
  plan.tools_major_code = 1800;
  EXPECT_FALSE(needs_settings_filter(plan));
}

TEST(SettingsFilter, DropsTheSettingFromThePreambleOnlyAndKeepsEverythingElse) {
  const fs::path dir = fs::temp_directory_path() / ("settings_filter_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string preamble =
      "\\restrict abc\nSET statement_timeout = 0;\nSET lock_timeout = 0;\nSET transaction_timeout = 0;\n"
      "SET client_encoding = 'UTF8';\nCREATE TABLE t (x text);\n";
  // A data row that reads like the setting stays: only the preamble, before the first COPY, is filtered.
  const std::string data = "COPY public.t (x) FROM stdin;\nSET transaction_timeout = 0;\n\\.\n";
  std::ofstream(dir / "in.sql", std::ios::binary) << preamble << data << "\\unrestrict abc";
  copy_without_newer_settings(dir / "in.sql", dir / "out.sql");
  std::ifstream in(dir / "out.sql", std::ios::binary);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(
      out,
      "\\restrict abc\nSET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n"
      "CREATE TABLE t (x text);\n" +
          data + "\\unrestrict abc");
  fs::remove_all(dir);
}

TEST(SettingsFilter, ARestoreIntoAnOlderServerRunsTheFilteredScriptWithPsql) {
  RecordingRunner runner;
  RestorePlan plan;
  plan.archive = "/b/x.dump";
  plan.server_major_code = 1600;
  plan.tools_major_code = 1800;
  run_restore(plan, ChildConnection{"dbname='app'", "pw", 10}, runner);
  ASSERT_EQ(runner.calls.size(), 2u);
  EXPECT_EQ(runner.calls[0].argv[0], "pg_restore");
  EXPECT_EQ(runner.calls[0].argv[1].rfind("--file=", 0), 0u);
  EXPECT_EQ(runner.calls[1].argv[0], "psql");
  const auto& psql = runner.calls[1].argv;
  EXPECT_NE(std::find(psql.begin(), psql.end(), "--single-transaction"), psql.end());
  bool runs_filtered = false;
  for (const auto& a : psql) runs_filtered |= a.find("restore-for-server.sql") != std::string::npos;
  EXPECT_TRUE(runs_filtered);

  plan.format = Format::kDirectory;
  plan.jobs = 4;
  plan.single_transaction = false;
  EXPECT_THROW(run_restore(plan, ChildConnection{}, runner), Error);
}

class Located : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("restore_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "b.dump") << "archive bytes";
    m.name = "b";
    m.file = "b.dump";
    m.database = "app";
    m.server_version = m.pg_dump_version = "15";
    m.size_bytes = 13;
    m.sha256 = backup_sha256(dir / "b.dump");
    m.started_at = m.finished_at = "2026-01-01T00:00:00Z";
    write_manifest_atomically(dir / "b.manifest.json", m);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
  Manifest m;
};

TEST_F(Located, FromFileOrManifest) {
  EXPECT_EQ(locate_backup(dir / "b.dump").manifest, m);
  EXPECT_EQ(locate_backup(dir / "b.manifest.json").archive_path, dir / "b.dump");
  std::ofstream(dir / "stray.dump") << "x";
  EXPECT_THROW(locate_backup(dir / "stray.dump"), Error);
  EXPECT_THROW(locate_backup(dir / "missing.dump"), Error);
}

TEST_F(Located, ChangedFileIsRefusedNamingBothChecksums) {
  EXPECT_NO_THROW(verify_against_manifest(locate_backup(dir / "b.dump")));
  std::ofstream(dir / "b.dump") << "archive bytez";
  try {
    verify_against_manifest(locate_backup(dir / "b.dump"));
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(m.sha256), std::string::npos) << msg;
    EXPECT_NE(msg.find(backup_sha256(dir / "b.dump")), std::string::npos) << msg;
  }
}

TEST(DirectoryChecksum, CoversNamesAndContents) {
  const fs::path d = fs::temp_directory_path() / ("dirsum_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "toc.dat") << "toc";
  std::ofstream(d / "3001.dat.gz") << "data";
  const std::string before = backup_sha256(d);
  fs::rename(d / "3001.dat.gz", d / "3002.dat.gz");
  EXPECT_NE(backup_sha256(d), before);
  fs::rename(d / "3002.dat.gz", d / "3001.dat.gz");
  EXPECT_EQ(backup_sha256(d), before);
  fs::remove_all(d);
}

}  // namespace
}  // namespace pgrevise::backup
