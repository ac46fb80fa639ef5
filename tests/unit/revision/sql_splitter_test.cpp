#include "revision/sql_splitter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace pgrevise::revision {
namespace {

std::vector<std::string> texts(const std::vector<Statement>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) out.push_back(s.sql);
  return out;
}

std::vector<std::string> split_texts(std::string_view sql) {
  return texts(split_sql(sql));
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SqlSplitter, SplitsAtTopLevelSemicolonsAndDropsEmptyStatements) {
  EXPECT_THAT(split_texts("SELECT 1;SELECT 2;\n\n;  ;\nSELECT 3"),
              ElementsAre("SELECT 1", "SELECT 2", "SELECT 3"));
  EXPECT_THAT(split_texts(""), IsEmpty());
  EXPECT_THAT(split_texts(" ;\n -- only a comment;\n/* and; another */ ;"), IsEmpty());
}

TEST(SqlSplitter, SingleQuotesWithDoubledQuotes) {
  EXPECT_THAT(split_texts("INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT ';'"),
              ElementsAre("INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT ';'"));
  // Outside E'' a backslash is an ordinary character: the string ends at the second quote.
  EXPECT_THAT(split_texts("SELECT 'C:\\';SELECT 2"), ElementsAre("SELECT 'C:\\'", "SELECT 2"));
}

TEST(SqlSplitter, EscapeStringsHonourBackslashes) {
  EXPECT_THAT(split_texts("SELECT E'it\\'s; \\\\';SELECT e'\\';'"),
              ElementsAre("SELECT E'it\\'s; \\\\'", "SELECT e'\\';'"));
  // The E of a longer word does not make an escape string: 'x\' closes at its own quote.
  EXPECT_THAT(split_texts("SELECT type'x\\';SELECT 2"), ElementsAre("SELECT type'x\\'", "SELECT 2"));
}

TEST(SqlSplitter, DoubleQuotedIdentifiers) {
  EXPECT_THAT(split_texts("CREATE TABLE \"a;\"\"b\" (x int);SELECT 1"),
              ElementsAre("CREATE TABLE \"a;\"\"b\" (x int)", "SELECT 1"));
}

TEST(SqlSplitter, DollarQuoting) {
  std::string fn = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN PERFORM 1; RETURN 2; END $$ LANGUAGE plpgsql";
  std::string tagged = "DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$";
  EXPECT_THAT(split_texts(fn + ";\n" + tagged + ";"), ElementsAre(fn, tagged));
  // $1 is a parameter and a$b an identifier, not quotes.
  EXPECT_THAT(split_texts("PREPARE p AS SELECT $1;SELECT a$b FROM t;"),
              ElementsAre("PREPARE p AS SELECT $1", "SELECT a$b FROM t"));
  // A different tag inside does not close the quote.
  EXPECT_THAT(split_texts("SELECT $a$ $b$ ; $b$ $a$;x"), ElementsAre("SELECT $a$ $b$ ; $b$ $a$", "x"));
}

TEST(SqlSplitter, CommentsLineAndNestedBlock) {
  EXPECT_THAT(
      split_texts("-- head; comment\nSELECT 1 -- tail; comment\n;SELECT /* a /* nested; */ still; */ 2;"),
      ElementsAre("SELECT 1 -- tail; comment", "SELECT /* a /* nested; */ still; */ 2"));
}

TEST(SqlSplitter, SqlStandardFunctionBodies) {
  std::string body =
      "CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN "
      "1 "
      "ELSE 2 END; SELECT a; END";
  EXPECT_THAT(split_texts(body + ";\nBEGIN;\nSELECT 1;\nEND;"),
              ElementsAre(body, "BEGIN", "SELECT 1", "END"));
}

TEST(SqlSplitter, LinesAndOffsetsPointIntoTheFile) {
  std::string sql = "\n-- comment\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n  SELECT\n  2;";
  auto st = split_sql(sql, 10, 100);
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].line, 12);
  EXPECT_EQ(st[0].offset, 100 + sql.find("CREATE"));
  EXPECT_EQ(st[1].line, 14);
  EXPECT_EQ(st[1].sql, "SELECT\n  2");
  EXPECT_EQ(st[1].offset, 100 + sql.find("SELECT"));
}

TEST(SqlSplitter, UnterminatedConstructsRunToTheEnd) {
  EXPECT_THAT(split_texts("SELECT 1; SELECT 'open; SELECT 2"),
              ElementsAre("SELECT 1", "SELECT 'open; SELECT 2"));
  EXPECT_THAT(split_texts("SELECT $$ open; "), ElementsAre("SELECT $$ open;"));
  EXPECT_THAT(split_texts("SELECT 1 /* open; "), ElementsAre("SELECT 1 /* open;"));
  EXPECT_THAT(split_texts("SELECT E'\\"), ElementsAre("SELECT E'\\"));
}

// Round trip: statements built from fragments full of semicolons inside quotes, identifiers, dollar quotes
// and comments, joined with ";" and assorted whitespace, split back into exactly themselves.
TEST(SqlSplitter, RoundTripsGeneratedStatements) {
  const std::vector<std::string> fragments = {
      "SELECT 1", "'a;b'",          "'it''s;'",        "E'\\';\\\\'",   "\"we;ird\"\"id\"",
      "$$ ; $$",  "$q$ ;'$$ ; $q$", "/* ; /* ; */ */", "x$y",           "$1",
      "tbl.col",  "(1, 2)",         "E'\\n'",          "U&'d\\0061t;'", "ARRAY[1;]"};
  std::mt19937 rng(20261122);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> statements;
    int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      std::string st = "SELECT";
      int parts = 1 + static_cast<int>(rng() % 4);
      for (int p = 0; p < parts; ++p) st += " " + fragments[rng() % fragments.size()];
      if (st.find("ARRAY[1;]") != std::string::npos)
        st = "SELECT 0";  // a bare semicolon would split, rightly
      statements.push_back(st);
    }
    std::string script;
    for (const auto& st : statements) script += st + (rng() % 2 ? ";\n" : " ;\n\n-- next;\n");
    EXPECT_EQ(split_texts(script), statements) << script;
  }
}

TEST(SqlSplitter, TheGrammarKeepsARuleWithSeveralActionsWhole) {
  // The parenthesised actions of a rule hold semicolons that only the grammar knows are not the end.
  const std::string rule =
      "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))";
  const auto split = split_statements(rule + ";\nSELECT 1;", 7, 40);
  EXPECT_FALSE(split.refused);
  EXPECT_THAT(texts(split.statements), ElementsAre(rule, "SELECT 1"));
  EXPECT_EQ(split.statements[1].line, 8);
  EXPECT_EQ(split.statements[1].offset, 40 + rule.size() + 2);
}

TEST(SqlSplitter, SyntaxNewerThanTheGrammarFallsBackToTheLexicalSplit) {
  // PostgreSQL 17's MERGE ... RETURNING: the grammar (15) refuses it, the server decides.
  const std::string merge = "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *";
  const auto split = split_statements("SELECT 1;\n" + merge + ";", 3, 0);
  ASSERT_TRUE(split.refused);
  EXPECT_EQ(split.refused->line, 4);
  EXPECT_EQ(split.refused->column, static_cast<int>(merge.find("RETURNING")) + 1);
  EXPECT_THAT(split.refused->message, ::testing::HasSubstr("RETURNING"));
  EXPECT_THAT(texts(split.statements), ElementsAre("SELECT 1", merge));
  EXPECT_EQ(split.statements[1].line, 4);
}

}  // namespace
}  // namespace pgrevise::revision
