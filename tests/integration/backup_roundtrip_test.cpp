// Backups and restores through the pgrevise binary with the real pg_dump / pg_restore on a real PostgreSQL.
#include "common/job_report.h"
#include "integration/backup_fixture.h"

namespace pgrevise::testing {
namespace {

TEST_F(BackupTest, RoundTripRestoresSchemaDataAndHeads) {
  TestDatabase db;
  seed(db);
  const std::string schema_before = schema_dump(db);
  const std::string rows_before = row_checksums(db);

  ProcessResult b = backup(db, {"--output", "json", "--report", (scratch / "report.json").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto report = nlohmann::json::parse(b.out);
  EXPECT_EQ(report["result"], "succeeded");
  EXPECT_EQ(report["backup"]["heads"], nlohmann::json({"0013b", "0014a"}));
  // --report writes the Job report the operator reads from the termination log.
  const std::string report_text = read_file(scratch / "report.json");
  EXPECT_LE(report_text.size(), 4096u);
  const JobReport job_report = parse_job_report(report_text).value();
  EXPECT_EQ(job_report.kind, "backup");
  EXPECT_EQ(job_report.result, "succeeded");
  ASSERT_TRUE(job_report.backup.has_value());
  EXPECT_EQ(job_report.backup->sha256, report["backup"]["sha256"]);
  EXPECT_EQ(job_report.backup->size_bytes, report["backup"]["sizeBytes"]);
  EXPECT_EQ(job_report.backup->heads, (std::vector<std::string>{"0013b", "0014a"}));
  const std::string manifest =
      (out / (report["backup"]["name"].get<std::string>() + ".manifest.json")).string();

  // What a migration does: new table, changed columns, changed and deleted data, moved heads.
  db.exec(
      "CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);"
      "INSERT INTO invoices (total) VALUES (1), (2);"
      "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;"
      "UPDATE projects SET budget = budget * 2; DELETE FROM time_entries WHERE id % 3 = 0;"
      "DROP VIEW project_minutes;"
      "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('0020');");
  ASSERT_NE(schema_dump(db), schema_before);

  ProcessResult r = cli({"restore", "--from", manifest, "--database-url", db.url(), "--clean"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("heads now: 0013b, 0014a"), std::string::npos) << r.out;
  EXPECT_EQ(schema_dump(db), schema_before);
  EXPECT_EQ(row_checksums(db), rows_before);
}

TEST_F(BackupTest, DirectoryFormatWithJobsRestoresIntoAnEmptyDatabase) {
  TestDatabase source;
  seed(source);
  ProcessResult b = backup(source, {"--format", "directory", "--jobs", "2", "--name", "dirbackup"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(fs::is_directory(out / "dirbackup.dir"));

  TestDatabase target;
  ProcessResult r = cli(
      {"restore", "--from", (out / "dirbackup.dir").string(), "--database-url", target.url(), "--jobs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(schema_dump(target), schema_dump(source));
  EXPECT_EQ(row_checksums(target), row_checksums(source));
}

TEST_F(BackupTest, RetentionKeepsExactlyNAndAFailedBackupDeletesNothing) {
  TestDatabase db;
  seed(db, 10);
  TestDatabase other;
  seed(other, 10);
  ASSERT_EQ(backup(other, {"--name", "other-1"}).exit_code, 0);
  for (int i = 1; i <= 4; ++i) {
    ProcessResult b = backup(db, {"--name", "app-" + std::to_string(i), "--retain", "2"});
    ASSERT_EQ(b.exit_code, 0) << b.err;
  }
  auto names = [&] {
    std::vector<std::string> n;
    const nlohmann::json listed = list_json();
    for (const auto& m : listed["backups"]) n.push_back(m["name"]);
    std::sort(n.begin(), n.end());
    return n;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{"app-3", "app-4", "other-1"}));

  // A backup that fails (pg_dump cannot write) with --retain 1 must leave every existing backup alone.
  fake_tool(
      "pg_dump",
      "[ \"$1\" = --version ] && exec $REAL --version\necho 'pg_dump: error: could not write' >&2\nexit 1");
  ProcessResult failed = backup(db, {"--name", "app-5", "--retain", "1"});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("no existing backup was deleted"), std::string::npos) << failed.err;
  EXPECT_EQ(names(), (std::vector<std::string>{"app-3", "app-4", "other-1"}));

  fs::remove(fakebin / "pg_dump");
  ProcessResult pruned = cli({"backup", "prune", "--out", out.string(), "--retain", "1"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_EQ(names(), (std::vector<std::string>{"app-4", "other-1"}));
}

TEST_F(BackupTest, CorruptedArchiveIsRefusedByVerifyAndRestore) {
  TestDatabase db;
  seed(db, 2000);
  ASSERT_EQ(backup(db, {"--name", "c"}).exit_code, 0);
  const fs::path archive = out / "c.dump";
  {
    std::fstream f(archive, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(archive) / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  db.exec("UPDATE alembic_version SET version_num = 'after' WHERE version_num = '0014a'");

  ProcessResult v = cli({"backup", "verify", "--from", archive.string()});
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("checksum mismatch"), std::string::npos) << v.err;

  ProcessResult r = cli({"restore", "--from", archive.string(), "--database-url", db.url(), "--clean"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(archive.string()), std::string::npos) << r.err;
  EXPECT_EQ(db.query("SELECT string_agg(version_num, ',' ORDER BY 1) FROM alembic_version"), "0013b,after");
}

TEST_F(BackupTest, ArchiveCorruptedWhileWritingFailsVerification) {
  TestDatabase db;
  seed(db, 2000);
  // pg_dump "succeeds" but the bytes that reach pgrevise are damaged in the middle of the data.
  fake_tool(
      "pg_dump",
      "[ \"$1\" = --version ] && exec $REAL --version\n"
      "t=$(mktemp)\n"
      "$REAL \"$@\" > \"$t\" || exit $?\n"
      "size=$(stat -c %s \"$t\")\n"
      "printf 'garbage-garbage-garbage' | dd of=\"$t\" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null\n"
      "cat \"$t\"; rm -f \"$t\"");
  ProcessResult b = backup(db, {"--name", "bad", "--retain", "1"});
  EXPECT_NE(b.exit_code, 0);
  EXPECT_NE(b.err.find("verification failed"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("removed the partial output"), std::string::npos) << b.err;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackupTest, ManifestThatDoesNotMatchItsFileIsRefused) {
  TestDatabase db;
  seed(db, 10);
  ASSERT_EQ(backup(db, {"--name", "m"}).exit_code, 0);
  const fs::path manifest = out / "m.manifest.json";
  auto j = nlohmann::json::parse(read_file(manifest));
  const std::string real_sha = j["sha256"];
  j["sha256"] = std::string(64, '0');
  std::ofstream(manifest) << j.dump(2);

  ProcessResult r = cli({"restore", "--from", manifest.string(), "--database-url", db.url()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(real_sha), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::string(64, '0')), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("m.dump"), std::string::npos) << r.err;
}

TEST_F(BackupTest, RestoreFailsWhenHeadsDoNotMatchTheManifest) {
  TestDatabase db;
  seed(db, 10);
  ASSERT_EQ(backup(db, {"--name", "h"}).exit_code, 0);
  // A manifest that claims other heads than the archive holds (its checksum still matches the file).
  const fs::path manifest = out / "h.manifest.json";
  auto j = nlohmann::json::parse(read_file(manifest));
  j["heads"] = {"9999"};
  std::ofstream(manifest) << j.dump(2);
  ProcessResult r = cli({"restore", "--from", manifest.string(), "--database-url", db.url(), "--clean"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("but the manifest says 9999"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pgrevise::testing
