// Bad input and faults for `pgrevise backup`: each gives a clear message, a non-zero exit, no file that looks
// like a good backup, and no existing backup deleted.
#include <csignal>
#include <thread>

#include "common/job_report.h"
#include "integration/backup_fixture.h"

namespace pgrevise::testing {
namespace {

// Children of a process (all its threads), from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream in(task.path() / "children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  return out;
}

// Polls (bounded) until pred holds.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A pg_dump that writes part of an archive (to stdout, where pgrevise reads custom-format dumps) and then
// hangs until it is killed.
const char* kHangingPgDump =
    "[ \"$1\" = --version ] && exec $REAL --version\n"
    "printf 'PGDMP partial archive'\n"
    "exec sleep 60";

// The hanging fake pg_dump among pgrevise's children (the other one is pg_restore reading the stream).
pid_t hanging_dump_of(pid_t pgrevise) {
  for (pid_t child : children_of(pgrevise)) {
    if (read_file("/proc/" + std::to_string(child) + "/cmdline").rfind("sleep", 0) == 0) return child;
  }
  return 0;
}

bool has_partial(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".partial") != std::string::npos && fs::file_size(e.path()) > 0)
      return true;
  }
  return false;
}

TEST_F(BackupTest, KilledPgDumpLeavesNothingThatLooksGood) {
  TestDatabase db;
  seed(db, 10);
  ASSERT_EQ(backup(db, {"--name", "good"}).exit_code, 0);
  fake_tool("pg_dump", kHangingPgDump);
  ChildProcess pgrevise(
      cli_spec({"backup", "--database-url", db.url(), "--out", out.string(), "--retain", "1"}));
  ASSERT_TRUE(eventually([&] { return has_partial(out); }));
  pid_t dump = 0;
  ASSERT_TRUE(eventually([&] { return (dump = hanging_dump_of(pgrevise.pid())) != 0; }));
  ::kill(dump, SIGKILL);
  ProcessResult r = pgrevise.wait();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pg_dump was killed by signal 9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("removed the partial output"), std::string::npos) << r.err;
  EXPECT_EQ(files(), (std::vector<std::string>{"good.dump", "good.manifest.json"}));
  const auto listed = list_json();
  ASSERT_EQ(listed["backups"].size(), 1u);
  EXPECT_EQ(listed["backups"][0]["name"], "good");
  EXPECT_TRUE(listed["incomplete"].empty());
}

TEST_F(BackupTest, KilledBackupProcessLeavesOnlyAPartialThatListFlagsAndPruneRemoves) {
  TestDatabase db;
  seed(db, 10);
  fake_tool("pg_dump", kHangingPgDump);
  pid_t dump_pid = 0;
  {
    ChildProcess pgrevise(cli_spec({"backup", "--database-url", db.url(), "--out", out.string()}));
    ASSERT_TRUE(eventually([&] { return has_partial(out); }));
    ASSERT_TRUE(eventually([&] { return (dump_pid = hanging_dump_of(pgrevise.pid())) != 0; }));
    pgrevise.kill(SIGKILL);
    EXPECT_EQ(pgrevise.wait().signal, SIGKILL);
  }
  ::kill(dump_pid, SIGKILL);
  const auto listed = list_json();
  EXPECT_TRUE(listed["backups"].empty());
  ASSERT_EQ(listed["incomplete"].size(), 1u);
  EXPECT_NE(listed["incomplete"][0]["why"].get<std::string>().find("interrupted"), std::string::npos);

  ProcessResult young = cli({"backup", "prune", "--out", out.string(), "--retain", "1"});
  ASSERT_EQ(young.exit_code, 0) << young.err;
  EXPECT_EQ(list_json()["incomplete"].size(), 1u) << "a partial being written right now must survive prune";
  ProcessResult pruned =
      cli({"backup", "prune", "--out", out.string(), "--retain", "1", "--partial-age", "0s"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackupTest, WrongPasswordIsNeverPrinted) {
  TestDatabase db;
  seed(db, 10);
  const std::string canary = "Canary-9f3b7e1d-pw";
  const fs::path report = scratch / "report.json";
  ProcessResult r = backup(db, {"--report", report.string()});
  ASSERT_EQ(r.exit_code, 0);  // a good backup first: it must survive the failure below
  r = cli({"backup", "--database-url", db.url_with_password(canary), "--out", out.string(), "--retain", "1",
           "--report", report.string(), "--output", "json"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
  const std::string report_text = read_file(report);
  const JobReport job_report = parse_job_report(report_text).value();
  EXPECT_EQ(job_report.kind, "backup");
  EXPECT_EQ(job_report.result, "failed");
  ASSERT_TRUE(job_report.error.has_value());
  EXPECT_NE(job_report.error->message.find("authentication failed"), std::string::npos);
  for (const std::string& text : {r.out, r.err, report_text})
    EXPECT_EQ(text.find(canary), std::string::npos) << text;
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_EQ(read_file(e.path()).find(canary), std::string::npos);
  EXPECT_EQ(list_json()["backups"].size(), 1u);

  ProcessResult restore = cli({"restore", "--from", list_json()["backups"][0]["file"].get<std::string>(),
                               "--database-url", db.url_with_password(canary)});
  EXPECT_NE(restore.exit_code, 0);
  EXPECT_EQ((restore.out + restore.err).find(canary), std::string::npos);
}

TEST_F(BackupTest, UnreachableDatabase) {
  ProcessResult r = cli(
      {"backup", "--database-url", "postgresql://app:Canary-unreach@127.0.0.1:1/app", "--out", out.string()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("could not connect to 127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Canary-unreach"), std::string::npos) << r.err;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackupTest, OutDirectoryMissingOrNotADirectory) {
  TestDatabase db;
  seed(db, 10);
  ProcessResult missing = cli({"backup", "--database-url", db.url(), "--out", (scratch / "nope").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find((scratch / "nope").string() + ": the directory does not exist"),
            std::string::npos)
      << missing.err;
  std::ofstream(scratch / "plainfile") << "x";
  // Even root cannot create a file below a regular file: an honest "not writable" case.
  ProcessResult under_file =
      cli({"backup", "--database-url", db.url(), "--out", (scratch / "plainfile" / "sub").string()});
  EXPECT_EQ(under_file.exit_code, 2);
  EXPECT_NE(under_file.err.find("plainfile/sub"), std::string::npos) << under_file.err;
  ProcessResult a_file =
      cli({"backup", "--database-url", db.url(), "--out", (scratch / "plainfile").string()});
  EXPECT_EQ(a_file.exit_code, 2);
  EXPECT_NE(a_file.err.find("not a directory"), std::string::npos) << a_file.err;
}

TEST_F(BackupTest, FullDiskRemovesThePartialFileAndSaysSo) {
  TestDatabase db;
  seed(db, 20000);
  ASSERT_EQ(backup(db, {"--name", "before"}).exit_code, 0);
  // RLIMIT_FSIZE of 64 KiB on pgrevise and its pg_dump: writing past it fails as on a full disk.
  ProcessSpec spec = cli_spec({"backup", "--database-url", db.url(), "--out", out.string(), "--retain", "1"});
  spec.argv.insert(spec.argv.begin(), {"/bin/bash", "-c", "ulimit -f 64; exec \"$@\"", "limited"});
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("removed the partial output"), std::string::npos) << r.err;
  EXPECT_EQ(files(), (std::vector<std::string>{"before.dump", "before.manifest.json"}));
}

// A pg_dump on PATH older than the server is passed over for the server's own version in Debian's folders
// (/usr/lib/postgresql/MAJOR/bin, where this machine's client tools are). A server newer than every pg_dump
// is refused: backup_server_versions_test, on a real newer server.
TEST_F(BackupTest, APgDumpOnPathOlderThanTheServerIsPassedOverForTheServersOwnVersion) {
  TestDatabase db;
  seed(db, 10);
  fake_tool("pg_dump", "[ \"$1\" = --version ] && { echo 'pg_dump (PostgreSQL) 12.3'; exit 0; }\nexit 99");
  ProcessResult r = backup(db, {"--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto manifest = nlohmann::json::parse(r.out)["backup"];
  const int server_major = std::stoi(db.query("SHOW server_version_num")) / 10000;
  EXPECT_EQ(std::stoi(manifest["pgDumpVersion"].get<std::string>()), server_major) << manifest;
  EXPECT_EQ(files().size(), 2u);
}

// pg_restore into a database that already holds the tables fails on the first one; the error says why and
// what to type instead, and the suggested command works.
TEST_F(BackupTest, RestoreIntoADatabaseThatIsNotEmptySuggestsClean) {
  TestDatabase db;
  seed(db, 10);
  ProcessResult b = backup(db, {"--output", "json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto name = nlohmann::json::parse(b.out)["backup"]["name"].get<std::string>();
  const std::string manifest = (out / (name + ".manifest.json")).string();
  ProcessResult r = cli({"restore", "--from", manifest, "--database-url", db.url()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(
      r.err.find("The database was not empty: it holds 8 tables, views or sequences (public.alembic_version, "
                 "public.project_minutes, public.projects, ...). Restore with --clean to drop every object"),
      std::string::npos)
      << r.err;
  TestDatabase empty;
  ProcessResult into_empty = cli({"restore", "--from", manifest, "--database-url", empty.url()});
  EXPECT_EQ(into_empty.exit_code, 0) << into_empty.err;
  ProcessResult clean = cli({"restore", "--from", manifest, "--database-url", db.url(), "--clean"});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
}

}  // namespace
}  // namespace pgrevise::testing
