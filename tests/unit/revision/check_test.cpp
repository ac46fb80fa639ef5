#include "revision/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "fixtures.h"

namespace pgrevise::revision {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(Check, DirectoryProblemsBecomeFindingsWithoutThrowing) {
  fs::path dir = fs::temp_directory_path() / ("pgrevise-check-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "1.sql") << "-- revision: a1\n-- down_revision: gone\n-- +upgrade\n";
  std::ofstream(dir / "2.sql") << "-- revision: a2\n-- shape: round\n-- +upgrade\n";
  DirectoryCheck result = check_directory(dir);
  fs::remove_all(dir);
  EXPECT_FALSE(result.graph.has_value());
  ASSERT_THAT(result.findings, SizeIs(3));
  EXPECT_EQ(result.findings[2].message, "1 revision cannot be reached from any base: a1");
  EXPECT_EQ(result.findings[0].file, "2.sql");
  EXPECT_THAT(result.findings[1].message, HasSubstr("names down_revision 'gone'"));
}

TEST(Check, VersionRowsAndChecksumDrift) {
  auto g = testing::graph_of(testing::several_heads());
  std::string hb00 = g.at(g.index_of("hb00")).script.checksum;
  auto findings = check_against_database(g, {"cee1", "hb01", "ghost"},
                                         {{"hb00", hb00}, {"cee1", "0123456789abcdef"}, {"dee1", "ffff"}});
  ASSERT_THAT(findings, SizeIs(3));
  EXPECT_EQ(findings[0].kind, Finding::Kind::kUnknownVersionRow);
  EXPECT_EQ(findings[0].revision, "ghost");
  EXPECT_EQ(findings[1].kind, Finding::Kind::kRedundantVersionRow);
  EXPECT_EQ(findings[1].revision, "hb01");
  EXPECT_EQ(findings[2].kind, Finding::Kind::kChecksumDrift);  // dee1 is not applied: not judged
  EXPECT_EQ(findings[2].revision, "cee1");
  EXPECT_THAT(findings[2].message, HasSubstr("cee1.sql: revision cee1 changed since it was applied"));
  EXPECT_TRUE(check_against_database(g, {"cee2", "dee2"}).empty());
}

TEST(Check, AFileThatNeedsSqlIsAFindingNamingItsRevisionAndKeepsTheGraph) {
  fs::path dir = fs::temp_directory_path() / ("pgrevise-check-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "1.sql") << "-- revision: a1\n-- +upgrade\nSELECT 1;\n";
  std::ofstream(dir / "2.sql")
      << "-- revision: b2\n-- down_revision: a1\n-- needs_sql: upgrade\n-- +upgrade\n";
  DirectoryCheck result = check_directory(dir);
  fs::remove_all(dir);
  EXPECT_TRUE(result.graph.has_value());
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].kind, Finding::Kind::kNeedsSql);
  EXPECT_EQ(result.findings[0].revision, "b2");
  EXPECT_EQ(
      result.findings[0].message,
      "2.sql: revision b2 needs its upgrade SQL written by hand (the import could not render it); write "
      "it, then remove the `-- needs_sql:` line");
}

}  // namespace
}  // namespace pgrevise::revision
