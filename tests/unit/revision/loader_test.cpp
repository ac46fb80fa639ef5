#include "revision/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

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
              "message, branch_labels, depends_on, transactional)");
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
