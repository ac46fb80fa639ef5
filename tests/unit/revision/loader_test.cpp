#include "revision/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "revision/graph.h"

namespace pgrevise::revision {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pgrevise-loader-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& relative, const std::string& text) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << text;
  }
  static std::string rev(const std::string& id, const std::string& down = "") {
    return "-- revision: " + id + "\n" + (down.empty() ? "" : "-- down_revision: " + down + "\n") +
           "-- +upgrade\nSELECT 1;\n";
  }
  // Lays out `files` (relative path -> text) in `volume` the way the kubelet's atomic writer
  // (pkg/volume/util/atomic_writer.go) writes a ConfigMap, Secret or projected volume: the real files in a
  // hidden timestamped folder, `..data` a symbolic link to that folder, and each top-level name a symbolic
  // link into `..data` (an item path a/b.sql makes one visible link a -> ..data/a).
  void write_atomic_volume(const fs::path& volume, const std::map<std::string, std::string>& files,
                           const std::string& timestamp_folder = "..2026_12_06_02_24_31.565321") {
    std::set<std::string> visible;
    for (const auto& [relative, text] : files) {
      write((volume / timestamp_folder / relative).lexically_relative(dir_).string(), text);
      visible.insert(fs::path(relative).begin()->string());
    }
    fs::create_directory_symlink(timestamp_folder, volume / "..data");
    for (const auto& name : visible) fs::create_symlink(fs::path("..data") / name, volume / name);
  }
  static std::vector<std::string> files_of(const std::vector<Script>& scripts) {
    std::vector<std::string> out;
    for (const auto& s : scripts) out.push_back(s.file);
    return out;
  }
  fs::path dir_;
};

TEST_F(LoaderTest, LoadsEverySqlFileRecursivelyInPathOrder) {
  write("b/0002.sql", rev("r2", "r1"));
  write("0001.sql", rev("r1"));
  write("a/z/0003.sql", rev("r3", "r2"));
  write("notes.txt", "not a migration");
  write("README.md", "-- revision: nope");
  auto scripts = load_directory(dir_);
  ASSERT_EQ(scripts.size(), 3u);
  EXPECT_EQ(scripts[0].file, "0001.sql");
  EXPECT_EQ(scripts[1].file, "a/z/0003.sql");
  EXPECT_EQ(scripts[2].file, "b/0002.sql");
  EXPECT_EQ(scripts[1].revision, "r3");  // identity from the header, not the file name
}

TEST_F(LoaderTest, ReadsAConfigMapVolumeOnceThroughItsVisibleLinks) {
  write_atomic_volume(dir_, {{"0001_create_users.sql", rev("0001")},
                             {"0002_create_clients.sql", rev("0002", "0001")},
                             {"billing/0003_invoices.sql", rev("0003", "0002")}});
  // A folder an earlier version of the ConfigMap left while the writer swapped `..data` to the new one.
  write("..2026_12_06_02_20_00.123456/0001_create_users.sql", rev("0001", "stale"));

  LoadedScripts loaded = scan_directory(dir_);
  for (const auto& p : loaded.problems) ADD_FAILURE() << p.to_string();
  EXPECT_THAT(files_of(loaded.scripts),
              ElementsAre("0001_create_users.sql", "0002_create_clients.sql", "billing/0003_invoices.sql"));
  ASSERT_EQ(loaded.scripts.size(), 3u);
  EXPECT_TRUE(loaded.scripts[0].down_revisions.empty());  // the current version, not the stale one
  EXPECT_EQ(load_graph(dir_).size(), 3u);
}

TEST_F(LoaderTest, ReadsRealSubfoldersAndAVolumeMountedInOne) {
  write("0001_base.sql", rev("0001"));
  write("branches/billing/0002_invoices.sql", rev("0002", "0001"));
  write_atomic_volume(dir_ / "shared", {{"0003_audit.sql", rev("0003", "0002")}});

  EXPECT_THAT(files_of(load_directory(dir_)),
              ElementsAre("0001_base.sql", "branches/billing/0002_invoices.sql", "shared/0003_audit.sql"));
}

TEST_F(LoaderTest, CollectsAllProblemsOneLineEach) {
  write("1.sql", rev("r1"));
  write("2.sql", "-- revision: r2\n-- colour: red\n-- +upgrade\n");
  write("3.sql", "-- revision: r3\n");
  write("4.sql", rev("r1"));
  try {
    load_directory(dir_);
    FAIL() << "accepted";
  } catch (const RevisionError& e) {
    ASSERT_EQ(e.problems().size(), 3u);
    EXPECT_EQ(e.problems()[0].to_string(),
              "2.sql:2: unknown header key 'colour' (expected revision, down_revision, "
              "message, branch_labels, depends_on, transactional, needs_sql)");
    EXPECT_EQ(e.problems()[1].to_string(), "3.sql: missing '-- +upgrade' section");
    EXPECT_EQ(e.problems()[2].to_string(), "4.sql: duplicate revision id 'r1' (also declared by 1.sql)");
    EXPECT_EQ(e.problems()[2].code, RevisionErrorCode::kDuplicateRevision);
    std::string what = e.what();
    EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 2);
  }
}

TEST_F(LoaderTest, LoadGraphReportsParseAndGraphProblemsTogether) {
  write("1.sql", rev("r1", "gone"));
  write("2.sql", "-- revision: r2\n");
  try {
    load_graph(dir_);
    FAIL() << "accepted";
  } catch (const RevisionError& e) {
    ASSERT_EQ(e.problems().size(), 3u);
    EXPECT_EQ(e.problems()[0].file, "2.sql");
    EXPECT_EQ(e.problems()[2].code, RevisionErrorCode::kUnreachable);
    EXPECT_EQ(e.problems()[1].code, RevisionErrorCode::kMissingParent);
    EXPECT_THAT(e.problems()[1].to_string(), HasSubstr("1.sql: revision r1 names down_revision 'gone'"));
  }
}

TEST_F(LoaderTest, MissingDirectoryIsBadInput) {
  try {
    scan_directory(dir_ / "nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr("nope"));
  }
}

TEST_F(LoaderTest, EmptyDirectoryIsAnEmptyGraph) {
  EXPECT_TRUE(load_graph(dir_).empty());
}

TEST_F(LoaderTest, LoadsTheExampleMigrations) {
  const char* source = std::getenv("PGREVISE_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "PGREVISE_SOURCE_DIR not set";
  RevisionGraph g = load_graph(fs::path(source) / "migrations");
  EXPECT_GE(g.size(), 10u);
  EXPECT_FALSE(g.branch_points().empty());
  EXPECT_FALSE(g.merge_points().empty());
}

}  // namespace
}  // namespace pgrevise::revision
