#include "backup/catalog.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise::backup {
namespace {

namespace fs = std::filesystem;

CompleteBackup backup(const std::string& name, const std::string& db, const std::string& finished) {
  CompleteBackup b;
  b.manifest.name = name;
  b.manifest.database = db;
  b.manifest.finished_at = finished;
  return b;
}

std::vector<std::string> names(const std::vector<const CompleteBackup*>& v) {
  std::vector<std::string> out;
  for (auto* b : v) out.push_back(b->manifest.name);
  return out;
}

TEST(Retention, KeepsTheNNewestOfTheSameDatabase) {
  std::vector<CompleteBackup> all = {
      backup("a1", "app", "2026-01-01T00:00:01Z"), backup("a3", "app", "2026-01-01T00:00:03Z"),
      backup("o1", "other", "2026-01-01T00:00:00Z"), backup("a2", "app", "2026-01-01T00:00:02Z"),
      backup("a4", "app", "2026-01-01T00:00:04Z")};
  EXPECT_EQ(names(select_for_deletion(all, "app", 2)), (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(names(select_for_deletion(all, "app", 10)), std::vector<std::string>{});
  EXPECT_EQ(names(select_for_deletion(all, "other", 1)), std::vector<std::string>{});
}

TEST(Retention, NeverSelectsTheProtectedBackup) {
  // A clock that went backwards makes the new backup look older; it must survive anyway.
  std::vector<CompleteBackup> all = {backup("new", "app", "2020-01-01T00:00:00Z"),
                                     backup("b", "app", "2026-01-01T00:00:02Z"),
                                     backup("c", "app", "2026-01-01T00:00:03Z")};
  EXPECT_EQ(names(select_for_deletion(all, "app", 1, "new")), (std::vector<std::string>{"c", "b"}));
}

TEST(Retention, StalePartialsOnly) {
  const auto now = std::chrono::system_clock::now();
  std::vector<IncompleteEntry> entries = {{"/d/.a.partial", "", true, now - std::chrono::hours(1)},
                                          {"/d/.b.partial", "", true, now - std::chrono::seconds(5)},
                                          {"/d/c.dump", "no manifest", false, now - std::chrono::hours(5)}};
  auto stale = select_stale_partials(entries, now, std::chrono::minutes(10));
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0]->path, "/d/.a.partial");
}

class CatalogDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("catalog_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& content) { std::ofstream(dir / name) << content; }
  void add_complete(const std::string& name, const std::string& finished) {
    Manifest m;
    m.name = name;
    m.file = name + ".dump";
    m.database = "app";
    m.server_version = m.pg_dump_version = "15";
    m.sha256 = std::string(64, 'b');
    m.started_at = m.finished_at = finished;
    write(m.file, "archive");
    write_manifest_atomically(dir / manifest_file_name(name), m);
  }
  fs::path dir;
};

TEST_F(CatalogDir, OnlyBackupsWithManifestAndFileAreComplete) {
  add_complete("old", "2026-01-01T00:00:01Z");
  add_complete("new", "2026-01-01T00:00:02Z");
  write(".crashed.dump.partial", "half");
  write("orphan.dump", "no manifest");
  write("broken.manifest.json", "{");
  add_complete("lost", "2026-01-01T00:00:03Z");
  fs::remove(dir / "lost.dump");

  const Catalog c = scan_directory(dir);
  ASSERT_EQ(c.complete.size(), 2u);
  EXPECT_EQ(c.complete[0].manifest.name, "new");
  EXPECT_EQ(c.complete[1].manifest.name, "old");
  std::vector<std::string> incomplete;
  for (const auto& i : c.incomplete) incomplete.push_back(i.path.filename().string());
  std::sort(incomplete.begin(), incomplete.end());
  EXPECT_EQ(incomplete, (std::vector<std::string>{".crashed.dump.partial", "broken.manifest.json",
                                                  "lost.manifest.json", "orphan.dump"}));
}

TEST_F(CatalogDir, DeleteRemovesArchiveAndManifest) {
  add_complete("x", "2026-01-01T00:00:01Z");
  delete_backup(scan_directory(dir).complete.at(0));
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Catalog, MissingDirectoryIsNamed) {
  try {
    scan_directory("/nonexistent/backups");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/backups"), std::string::npos);
  }
}

}  // namespace
}  // namespace pgrevise::backup
