#include "revision/script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/hash.h"

namespace pgrevise::revision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseScript, ReadsEveryHeaderAndBothSections) {
  std::string text =
      "-- revision: 018\n"
      "-- down_revision: 016, 017\n"
      "-- message: add project costs table\n"
      "-- branch_labels: costs, money\n"
      "-- depends_on: 012\n"
      "-- transactional: false\n"
      "-- Free comments without a key are fine.\n"
      "\n"
      "-- +upgrade\n"
      "CREATE TABLE project_costs (id int);\n"
      "\n"
      "-- +downgrade\n"
      "DROP TABLE project_costs;\n";
  Script s = parse_script(text, "costs/018.sql");
  EXPECT_EQ(s.revision, "018");
  EXPECT_THAT(s.down_revisions, ElementsAre("016", "017"));
  EXPECT_EQ(s.message, "add project costs table");
  EXPECT_THAT(s.branch_labels, ElementsAre("costs", "money"));
  EXPECT_THAT(s.depends_on, ElementsAre("012"));
  EXPECT_FALSE(s.transactional);
  EXPECT_EQ(s.file, "costs/018.sql");
  EXPECT_EQ(s.upgrade.sql, "CREATE TABLE project_costs (id int);\n\n");
  EXPECT_EQ(s.upgrade.first_line, 10);
  EXPECT_EQ(s.upgrade.offset, text.find("CREATE"));
  ASSERT_TRUE(s.downgrade.has_value());
  EXPECT_EQ(s.downgrade->sql, "DROP TABLE project_costs;\n");
  EXPECT_EQ(s.downgrade->first_line, 13);
  EXPECT_EQ(s.downgrade->offset, text.find("DROP"));
  EXPECT_EQ(s.checksum, sha256_hex(std::string_view(text).substr(text.find("-- +upgrade"))));
}

TEST(ParseScript, BaseWithDefaultsAndNoDowngrade) {
  Script s = parse_script("-- revision: abc\r\n-- +upgrade\r\nSELECT 1;\r\n", "a.sql");
  EXPECT_EQ(s.revision, "abc");
  EXPECT_TRUE(s.down_revisions.empty());
  EXPECT_TRUE(s.transactional);
  EXPECT_FALSE(s.downgrade.has_value());
  EXPECT_EQ(s.upgrade.sql, "SELECT 1;\r\n");
  EXPECT_EQ(s.upgrade.first_line, 3);
}

TEST(ParseScript, ChecksumIgnoresTheHeaderButNotTheSql) {
  std::string body = "-- +upgrade\nSELECT 1;\n-- +downgrade\nSELECT 2;\n";
  auto a = parse_script("-- revision: r1\n-- message: one\n" + body, "a.sql");
  auto b = parse_script("-- revision: r1\n-- message: renamed\n\n" + body, "a.sql");
  auto c = parse_script("-- revision: r1\n" + body + "SELECT 3;\n", "a.sql");
  EXPECT_EQ(a.checksum, b.checksum);
  EXPECT_NE(a.checksum, c.checksum);
  EXPECT_EQ(a.checksum.size(), 64u);
}

// Each bad file gives a RevisionError whose message names the file and the line at fault.
struct BadCase {
  std::string text;
  std::string message_part;
};

TEST(ParseScript, RefusesBadFilesNamingFileAndLine) {
  const std::vector<BadCase> cases = {
      {"-- revision: a1\n-- colour: red\n-- +upgrade\n", "f.sql:2: unknown header key 'colour'"},
      {"-- message: m\n-- +upgrade\nSELECT 1;\n", "f.sql: missing '-- revision:' header"},
      {"-- revision: a1\nSELECT 1;\n", "f.sql:2: SQL before the '-- +upgrade' marker"},
      {"-- revision: a1\n", "f.sql: missing '-- +upgrade' section"},
      {"-- revision: a1\n-- transactional: yes\n-- +upgrade\n",
       "f.sql:2: transactional must be 'true' or 'false'"},
      {"-- revision: a1\n-- revision: a2\n-- +upgrade\n", "f.sql:2: duplicate header key 'revision'"},
      {"-- revision: a-1\n-- +upgrade\n",
       "f.sql:1: revision id 'a-1' holds '@', '-' or '+', which Alembic refuses"},
      {"-- revision: base\n-- +upgrade\n",
       "f.sql:1: revision id 'base' is a target word (head, heads, base)"},
      {"-- revision: it's\n-- +upgrade\n", "f.sql:1: revision id 'it's' holds a single quote"},
      {"-- revision:\n-- +upgrade\n", "f.sql:1: revision: no id given"},
      {"-- revision: a,b\n-- +upgrade\n",
       "f.sql:1: revision names one id (double-quote an id holding a comma"},
      {"-- revision: \"a,b\n-- +upgrade\n", "f.sql:1: revision: unterminated double quote"},
      {"-- revision: \"a\" b\n-- +upgrade\n", "f.sql:1: revision: text after a double-quoted entry"},
      {"-- revision: a1\n-- down_revision: a+1\n-- +upgrade\n",
       "f.sql:2: down_revision entry 'a+1' is not a revision id: it holds '@', '-' or '+'"},
      {"-- revision: a1\n-- depends_on: x@head\n-- +upgrade\n",
       "f.sql:2: depends_on entry 'x@head' is not a revision id or branch label"},
      {"-- revision: a1\n-- down_revision: a0, , a2\n-- +upgrade\n", "f.sql:2: down_revision entry ''"},
      {"-- revision: a1\n-- down_revision: a0, a0\n-- +upgrade\n", "f.sql:2: down_revision names 'a0' twice"},
      {"-- revision: a1\n-- branch_labels: heads\n-- +upgrade\n", "f.sql:2: branch label 'heads'"},
      {"-- revision: a1\n-- +downgrade\n-- +upgrade\n", "f.sql:2: '-- +downgrade' before '-- +upgrade'"},
      {"-- revision: a1\n-- +upgrade\n-- +upgrade\n", "f.sql:3: second '-- +upgrade' section"},
      {"-- revision: a1\n-- +upgrade\n-- +downgrade\n-- +downgrade\n",
       "f.sql:4: second '-- +downgrade' section"},
  };
  for (const auto& c : cases) {
    try {
      parse_script(c.text, "f.sql");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const RevisionError& e) {
      EXPECT_EQ(e.code(), RevisionErrorCode::kParse);
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_THAT(e.what(), HasSubstr(c.message_part)) << c.text;
    }
  }
}

TEST(ParseScript, ReportsEveryProblemOfAFile) {
  std::vector<Problem> problems;
  auto s = parse_script("-- colour: red\n-- transactional: maybe\n", "f.sql", problems);
  EXPECT_FALSE(s.has_value());
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].to_string(),
            "f.sql:1: unknown header key 'colour' (expected revision, down_revision, "
            "message, branch_labels, depends_on, transactional, needs_sql)");
  EXPECT_EQ(problems[1].line, 2);
  EXPECT_THAT(problems[2].message, HasSubstr("-- +upgrade"));
  EXPECT_THAT(problems[3].message, HasSubstr("revision"));
}

TEST(ParseScript, HeaderKeysAfterTheUpgradeMarkerAreSql) {
  Script s = parse_script("-- revision: a1\n-- +upgrade\n-- colour: red\nSELECT 1;\n", "f.sql");
  EXPECT_EQ(s.upgrade.sql, "-- colour: red\nSELECT 1;\n");
}

// What Alembic 1.8 takes as a revision id and can run (tests/alembic/revision_ids.py runs both tools on these
// and more): any string but one holding '@', '-' or '+', the words head, heads and base, and a single quote.
TEST(RevisionIds, AcceptWhatAlembicAcceptsAtAnyLength) {
  for (const std::string& id : std::vector<std::string>{"ae1027a6acf",
                                                        "089_allow_auto_entries_no_project",
                                                        std::string(32, 'z'),
                                                        std::string(33, 'z'),
                                                        std::string(64, 'z'),
                                                        std::string(3000, 'z'),
                                                        "0",
                                                        "current",
                                                        "HEAD",
                                                        "Base",
                                                        "a.b",
                                                        "a b",
                                                        "a,b",
                                                        " a",
                                                        "a ",
                                                        "\"a\"",
                                                        "a:b",
                                                        "a/b",
                                                        "a;b",
                                                        "a%b",
                                                        "a$$b",
                                                        "a\\b",
                                                        "a\tb",
                                                        "größe_2",
                                                        "*"}) {
    EXPECT_TRUE(is_valid_revision_id(id)) << id;
    EXPECT_EQ(revision_id_problem(id), "") << id;
  }
}

TEST(RevisionIds, RefuseWhatAlembicRefusesOrCannotRun) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "is empty"},
      {"a@b", "holds '@', '-' or '+'"},
      {"a-b", "holds '@', '-' or '+'"},
      {"a+1", "holds '@', '-' or '+'"},
      {"head", "is a target word"},
      {"heads", "is a target word"},
      {"base", "is a target word"},
      {"it's", "holds a single quote"},
      {"a\nb", "holds a line break"},
  };
  for (const auto& [id, why] : refused) {
    EXPECT_FALSE(is_valid_revision_id(id)) << id;
    EXPECT_THAT(revision_id_problem(id), HasSubstr(why)) << id;
  }
  EXPECT_FALSE(is_valid_branch_label("base"));
  EXPECT_TRUE(is_valid_branch_label("billing_v2"));
}

TEST(RevisionIds, HeaderFormQuotesOnlyWhatALineCannotHoldPlain) {
  EXPECT_EQ(header_id("089_allow_auto_entries_no_project"), "089_allow_auto_entries_no_project");
  EXPECT_EQ(header_id("a b"), "a b");
  EXPECT_EQ(header_id("a\"b"), "a\"b");
  EXPECT_EQ(header_id("a,b"), "\"a,b\"");
  EXPECT_EQ(header_id(" a"), "\" a\"");
  EXPECT_EQ(header_id("a "), "\"a \"");
  EXPECT_EQ(header_id("\"a\""), "\"\"\"a\"\"\"");
  EXPECT_EQ(header_id_list({"a,b", "c"}), "\"a,b\", c");
}

TEST(ParseScript, ReadsLongAndQuotedIdsBack) {
  const std::vector<std::string> ids = {"089_allow_auto_entries_no_project",
                                        "a,b",
                                        " lead",
                                        "trail ",
                                        "\"q\"",
                                        "a b",
                                        std::string(200, 'x'),
                                        "größe"};
  for (const auto& id : ids) {
    const std::string parent = id + "_parent";
    Script s = parse_script("-- revision: " + header_id(id) +
                                "\n-- down_revision: " + header_id_list({parent, "p2"}) +
                                "\n-- depends_on: " + header_id(id + "_dep") + "\n-- +upgrade\n",
                            "f.sql");
    EXPECT_EQ(s.revision, id);
    EXPECT_THAT(s.down_revisions, ElementsAre(parent, "p2"));
    EXPECT_THAT(s.depends_on, ElementsAre(id + "_dep"));
  }
  Script spaced =
      parse_script("-- revision:   \"x y\"  \n-- down_revision:  \"a,b\" ,c,\"d\"\n-- +upgrade\n", "f.sql");
  EXPECT_EQ(spaced.revision, "x y");
  EXPECT_THAT(spaced.down_revisions, ElementsAre("a,b", "c", "d"));
}

TEST(ParseScript, TextThatIsNotUtf8IsRefusedWithItsLine) {
  std::vector<Problem> problems;
  const std::string latin1 = "-- revision: a1\n-- message: caf\xE9\n-- +upgrade\nSELECT 1;\n";
  EXPECT_FALSE(parse_script(latin1, "latin1.sql", problems).has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_THAT(problems[0].to_string(), HasSubstr("latin1.sql:2: not UTF-8 text: byte 0xE9"));
  // Overlong forms and surrogates are not UTF-8 either; a byte order mark and real UTF-8 are.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    problems.clear();
    EXPECT_FALSE(parse_script("-- revision: a1\n-- +upgrade\nSELECT '" + bad + "';\n", "f.sql", problems));
  }
  EXPECT_EQ(
      parse_script("\xEF\xBB\xBF-- revision: a1\n-- message: caf\xC3\xA9 \xF0\x9F\x98\x80\n-- +upgrade\n",
                   "f.sql")
          .message,
      "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(ParseScript, ANulByteIsRefusedBecauseLibpqWouldDropWhatFollowsIt) {
  std::vector<Problem> problems;
  const std::string text = std::string("-- revision: a1\n-- +upgrade\nSELECT 1;") + '\0' + "DROP TABLE t;\n";
  EXPECT_FALSE(parse_script(text, "nul.sql", problems).has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].to_string(), HasSubstr("nul.sql:3: not UTF-8 text: byte 0x00"));
}

TEST(ParseScript, AFileThatIsNoMigrationReportsAFewProblemsNotOnePerLine) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
  std::vector<Problem> problems;
  EXPECT_FALSE(parse_script(text, "data.sql", problems).has_value());
  EXPECT_EQ(problems.size(), 11u);
  EXPECT_THAT(problems.back().message, HasSubstr("more problems not shown"));
  // The cap is per file: a second file still gets its own problems.
  EXPECT_FALSE(parse_script("-- +upgrade\n", "second.sql", problems).has_value());
  EXPECT_EQ(problems.back().file, "second.sql");
}

TEST(ParseScript, NeedsSqlNamesTheSectionsAPersonMustStillWrite) {
  auto both = parse_script("-- revision: a1\n-- needs_sql: upgrade, downgrade\n-- +upgrade\n-- +downgrade\n",
                           "a.sql");
  EXPECT_TRUE(both.upgrade_needs_sql);
  EXPECT_TRUE(both.downgrade_needs_sql);
  auto down = parse_script("-- revision: a1\n-- needs_sql: downgrade\n-- +upgrade\nSELECT 1;\n", "a.sql");
  EXPECT_FALSE(down.upgrade_needs_sql);
  EXPECT_TRUE(down.downgrade_needs_sql);
  EXPECT_FALSE(parse_script("-- revision: a1\n-- +upgrade\n", "a.sql").upgrade_needs_sql);
  EXPECT_EQ(needs_sql_line(true, false), "-- needs_sql: upgrade");
  EXPECT_EQ(needs_sql_line(true, true), "-- needs_sql: upgrade, downgrade");
  EXPECT_EQ(needs_sql_line(false, false), "");

  std::vector<Problem> problems;
  EXPECT_FALSE(parse_script("-- revision: a1\n-- needs_sql: sideways\n-- +upgrade\n", "a.sql", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_NE(problems[0].message.find("'upgrade' and/or 'downgrade', not 'sideways'"), std::string::npos);
}

}  // namespace
}  // namespace pgrevise::revision
