#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>

#include <unistd.h>

#include <gtest/gtest.h>

#include "backup/backup.h"
#include "backup/catalog.h"
#include "common/error.h"
#include "common/hash.h"

namespace pgrevise::backup {
namespace {

namespace fs = std::filesystem;

// Stands in for pg_dump and pg_restore: pg_dump writes `archive` to its --file, pg_restore --list prints
// `toc`.
class FakeTools final : public ProcessRunner {
 public:
  std::string dump_version = "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n";
  std::string archive = "PGDMP fake archive bytes";
  ProcessResult dump_result{0};
  std::string toc = "215; 1259 16385 TABLE public a app\n3320; 0 16385 TABLE DATA public a app\n";
  std::vector<ProcessSpec> calls;
  std::string streamed_to_reader;
  ProcessResult reader_result{0};
  std::mutex mu;

  // pg_dump and pg_restore run at the same time when the dump is streamed.
  ProcessResult run(const ProcessSpec& spec) override {
    {
      std::lock_guard lock(mu);
      calls.push_back(spec);
    }
    const auto& argv = spec.argv;
    if (argv.at(1) == "--version") return ProcessResult{0, 0, false, dump_version, ""};
    if (argv[0] == "pg_dump") {
      if (spec.stdout_fd >= 0) {
        EXPECT_EQ(::write(spec.stdout_fd, archive.data(), archive.size()), ssize_t(archive.size()));
      }
      for (const auto& a : argv) {
        if (a.rfind("--file=", 0) == 0) std::ofstream(a.substr(7), std::ios::binary) << archive;
      }
      return dump_result;
    }
    if (spec.stdin_fd >= 0) {
      std::string read;
      char buf[4096];
      for (ssize_t n; (n = ::read(spec.stdin_fd, buf, sizeof buf)) > 0;) read.append(buf, size_t(n));
      if (argv.at(1) == "--list") return ProcessResult{0, 0, false, toc, ""};
      std::lock_guard lock(mu);
      streamed_to_reader = read;
      return reader_result;
    }
    if (argv.at(1) == "--list") return ProcessResult{0, 0, false, toc, ""};
    return ProcessResult{0};
  }
  int dumps() const {
    int n = 0;
    for (const auto& c : calls) n += (c.argv[0] == "pg_dump" && c.argv[1] != "--version");
    return n;
  }
};

class RunBackup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("run_backup_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    opts.out_dir = dir;
    facts = DatabaseFacts{"app", "db:5432", 150004, "15.4", "public.alembic_version", {"018"}, 1};
    conn = ChildConnection{"dbname='app'", "unit-canary-pw", 10};
  }
  void TearDown() override { fs::remove_all(dir); }

  BackupResult take(const std::string& name) {
    opts.name = name;
    return run_backup(opts, conn, facts, tools, clock);
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir;
  BackupOptions opts;
  DatabaseFacts facts;
  ChildConnection conn;
  FakeTools tools;
  ManualClock clock;
};

TEST_F(RunBackup, WritesArchiveAndManifestWithChecksum) {
  const BackupResult r = take("b1");
  EXPECT_EQ(files(), (std::vector<std::string>{"b1.dump", "b1.manifest.json"}));
  EXPECT_EQ(r.manifest.sha256, sha256_hex(tools.archive));
  EXPECT_EQ(r.manifest.size_bytes, tools.archive.size());
  EXPECT_EQ(r.manifest.heads, std::vector<std::string>{"018"});
  EXPECT_EQ(r.manifest.pg_dump_version, "15.18");
  EXPECT_EQ(read_manifest(dir / "b1.manifest.json"), r.manifest);
  EXPECT_EQ(tools.streamed_to_reader, tools.archive) << "full verification reads every byte while dumping";
  for (const auto& call : tools.calls) {
    for (const auto& a : call.argv) EXPECT_EQ(a.find("unit-canary-pw"), std::string::npos) << a;
  }
}

TEST_F(RunBackup, FailedDumpRemovesPartialAndDeletesNothing) {
  take("old");
  tools.dump_result =
      ProcessResult{1, 0, false, "", "pg_dump: error: could not write: No space left on device"};
  opts.retain = 1;
  try {
    take("new");
    FAIL() << "a failed pg_dump was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
    EXPECT_NE(msg.find("removed the partial output"), std::string::npos) << msg;
  }
  EXPECT_EQ(files(), (std::vector<std::string>{"old.dump", "old.manifest.json"}));
}

TEST_F(RunBackup, KilledDumpIsReported) {
  tools.dump_result = ProcessResult{-1, 9, false, "", ""};
  EXPECT_THROW(take("k"), Error);
  EXPECT_TRUE(files().empty());
}

TEST_F(RunBackup, OlderPgDumpRefusedBeforeDumping) {
  tools.dump_version = "pg_dump (PostgreSQL) 13.2\n";
  try {
    take("x");
    FAIL();
  } catch (const PgDumpTooOld& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("PostgreSQL 15.4 is newer than every pg_dump"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("13.2 (pg_dump on PATH)"), std::string::npos);
  }
  EXPECT_EQ(tools.dumps(), 0);
  EXPECT_TRUE(files().empty());
}

// The client tools of another version in a folder of their own: the fake answers --version by folder.
class ToolsByFolder final : public ProcessRunner {
 public:
  explicit ToolsByFolder(FakeTools& path_tools) : path_tools_(path_tools) {}
  ProcessResult run(const ProcessSpec& spec) override {
    const std::string& tool = spec.argv.at(0);
    {
      std::lock_guard lock(mu_);
      programs_.push_back(tool + (spec.argv.at(1) == "--version" ? " --version" : ""));
    }
    if (tool.rfind("/pg18/", 0) == 0 && spec.argv.at(1) == "--version")
      return ProcessResult{0, 0, false, "pg_dump (PostgreSQL) 18.6\n", ""};
    if (tool.rfind("/broken/", 0) == 0) return ProcessResult{127, 0, false, "", "not found"};
    ProcessSpec as_on_path = spec;
    as_on_path.argv[0] = tool.substr(tool.rfind('/') + 1);
    return path_tools_.run(as_on_path);
  }
  // What ran, in order: each program as named, " --version" after it for version queries.
  std::vector<std::string> programs() {
    std::lock_guard lock(mu_);
    return programs_;
  }

 private:
  FakeTools& path_tools_;
  std::mutex mu_;
  std::vector<std::string> programs_;
};

TEST_F(RunBackup, ANewerServerTakesTheToolsOfTheFolderThatCanDumpIt) {
  facts.server_version_num = 180001;
  facts.server_version = "18.1";
  opts.client_dirs = {"/broken/bin", "/pg18/bin"};
  ToolsByFolder runner(tools);
  const BackupResult r = run_backup(opts, conn, facts, runner, clock);
  EXPECT_EQ(r.manifest.pg_dump_version, "18.6");
  EXPECT_EQ(tools.dumps(), 1);
  // pg_dump and the pg_restore that verifies its archive are both the folder's.
  auto programs = runner.programs();
  std::sort(programs.begin(), programs.end());
  EXPECT_EQ(programs, (std::vector<std::string>{"/broken/bin/pg_dump --version", "/pg18/bin/pg_dump",
                                                "/pg18/bin/pg_dump --version", "/pg18/bin/pg_restore",
                                                "/pg18/bin/pg_restore", "pg_dump --version"}));
}

TEST_F(RunBackup, TheServersOwnVersionOnPathIsPreferredToANewerFolder) {
  opts.client_dirs = {"/pg18/bin"};
  ToolsByFolder runner(tools);
  const BackupResult r = run_backup(opts, conn, facts, runner, clock);
  EXPECT_EQ(r.manifest.pg_dump_version, "15.18");
  for (const std::string& program : runner.programs()) {
    if (program.find("--version") == std::string::npos) {
      EXPECT_EQ(program.find("/pg18/"), std::string::npos) << program;
    }
  }
}

TEST_F(RunBackup, AServerNewerThanEveryFolderIsRefusedNamingTheNewest) {
  facts.server_version_num = 190000;
  facts.server_version = "19.0";
  opts.client_dirs = {"/pg18/bin", "/broken/bin"};
  ToolsByFolder runner(tools);
  try {
    run_backup(opts, conn, facts, runner, clock);
    FAIL() << "expected PgDumpTooOld";
  } catch (const PgDumpTooOld& e) {
    EXPECT_NE(std::string(e.what()).find("18.6 (/pg18/bin/pg_dump)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tools.dumps(), 0);
  EXPECT_TRUE(files().empty());
}

TEST_F(RunBackup, ArchiveWithoutTableDataFailsVerification) {
  tools.toc = "215; 1259 16385 TABLE public a app\n";
  try {
    take("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("verification failed"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(files().empty());
}

TEST(CheckToc, EmptyTocIsSoundOnlyForADatabaseWithoutTables) {
  EXPECT_EQ(check_toc(TocSummary{}, 0).entries, 0);
  try {
    check_toc(TocSummary{}, 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has 3 tables but the archive's table of contents is empty"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(RunBackup, ArchiveTheReaderRejectsFailsVerification) {
  tools.reader_result = ProcessResult{1, 0, false, "", "pg_restore: error: could not uncompress data"};
  try {
    take("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("could not uncompress data"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(files().empty());
}

TEST_F(RunBackup, DirectoryFormatIsVerifiedAfterTheDump) {
  opts.format = Format::kDirectory;
  const BackupResult r = take("d");
  EXPECT_EQ(r.archive_path.filename(), "d.dir");
  bool read_all = false;
  for (const auto& c : tools.calls)
    read_all |= (c.argv[0] == "pg_restore" && c.argv[1] == "--file=/dev/null");
  EXPECT_TRUE(read_all);
}

TEST_F(RunBackup, RetentionKeepsNOfThisDatabaseOnly) {
  for (const char* n : {"a1", "a2", "a3"}) {
    take(n);
    clock.advance(std::chrono::seconds(5));
  }
  facts.database = "other";
  take("o1");
  clock.advance(std::chrono::seconds(5));
  facts.database = "app";
  opts.retain = 2;
  const BackupResult r = take("a4");
  EXPECT_EQ(r.deleted, (std::vector<std::string>{"a2", "a1"}));
  std::vector<std::string> left;
  for (const auto& b : scan_directory(dir).complete) left.push_back(b.manifest.name);
  EXPECT_EQ(left, (std::vector<std::string>{"a4", "o1", "a3"}));  // newest first
}

TEST_F(RunBackup, ExistingNameIsRefused) {
  take("same");
  EXPECT_THROW(take("same"), Error);
}

TEST_F(RunBackup, OutDirMissingOrAFile) {
  opts.out_dir = dir / "missing";
  EXPECT_THROW(take("x"), Error);
  std::ofstream(dir / "file") << "x";
  opts.out_dir = dir / "file";
  EXPECT_THROW(take("x"), Error);
  opts.out_dir = dir / "file" / "sub";
  EXPECT_THROW(take("x"), Error);
  EXPECT_EQ(tools.dumps(), 0);
}

}  // namespace
}  // namespace pgrevise::backup
