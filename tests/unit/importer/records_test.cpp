#include "importer/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One line per record, as the driver writes them.
constexpr const char* kStream =
    R"json({"kind": "revision", "revision": "m1", "down_revisions": ["a", "b"], "branch_labels": ["x"], )json"
    R"json("depends_on": ["d"], "message": "merge", "path": "versions/m1_merge.py", "source_sha256": "ab", )json"
    R"json("rendered": true, "upgrade": {"segments": [{"autocommit": false, "statements": ["SELECT 1;"]}, )json"
    R"json({"autocommit": true, "statements": ["CREATE INDEX CONCURRENTLY i ON t (c);"]}]}, )json"
    R"json("downgrade": {"error": "NotImplementedError: no (m1_merge.py, line 9)", "segments": []}})json"
    "\n"
    R"json({"kind": "revision", "revision": "a", "down_revisions": [], "branch_labels": [], "depends_on": [], )json"
    R"json("message": "", "path": "versions/a.py", "source_sha256": "cd", "rendered": false})json"
    "\n"
    R"json({"kind": "done", "revisions": 2, "alembic": "1.8.1", "sqlalchemy": "1.4.46"})json"
    "\n";

TEST(Records, ParsesRevisionsSegmentsAndErrors) {
  const AlembicProject project = parse_driver_output(kStream, "Alembic on x");
  EXPECT_EQ(project.alembic_version, "1.8.1");
  EXPECT_EQ(project.sqlalchemy_version, "1.4.46");
  ASSERT_EQ(project.revisions.size(), 2u);
  const AlembicRevision& m1 = project.revisions[0];
  EXPECT_EQ(m1.revision, "m1");
  EXPECT_THAT(m1.down_revisions, ElementsAre("a", "b"));
  EXPECT_THAT(m1.branch_labels, ElementsAre("x"));
  EXPECT_THAT(m1.depends_on, ElementsAre("d"));
  EXPECT_TRUE(m1.rendered);
  ASSERT_EQ(m1.upgrade.segments.size(), 2u);
  EXPECT_FALSE(m1.upgrade.segments[0].autocommit);
  EXPECT_TRUE(m1.upgrade.segments[1].autocommit);
  EXPECT_THAT(m1.upgrade.segments[1].statements, ElementsAre("CREATE INDEX CONCURRENTLY i ON t (c);"));
  EXPECT_FALSE(m1.upgrade.error.has_value());
  EXPECT_EQ(m1.downgrade.error, "NotImplementedError: no (m1_merge.py, line 9)");
  EXPECT_FALSE(project.revisions[1].rendered);
  EXPECT_TRUE(project.revisions[1].upgrade.segments.empty());
}

TEST(Records, FatalRecordIsBadInputWithAlembicsMessage) {
  try {
    parse_driver_output(R"({"kind": "fatal", "error": "CommandError: Path doesn't exist: 'nowhere'"})"
                        "\n",
                        "Alembic on alembic.ini");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_STREQ(e.what(), "Alembic on alembic.ini: CommandError: Path doesn't exist: 'nowhere'");
  }
}

TEST(Records, OutputThatIsNotTheDriversStreamIsRefusedQuotingIt) {
  try {
    parse_driver_output("Traceback (most recent call last):\n", "Alembic on a");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_THAT(e.what(), HasSubstr("'Traceback (most recent call last):'"));
  }
  try {
    parse_driver_output(R"({"kind": "revision", "revision": "a"})", "Alembic on a");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
  }
  // A stream cut short (the Python process died) has no `done` record.
  EXPECT_THROW(parse_driver_output("", "Alembic on a"), Error);
}

}  // namespace
}  // namespace pgrevise::importer
