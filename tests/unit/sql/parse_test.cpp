#include "sql/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/text.h"

namespace pgrevise::sql {
namespace {

TEST(SqlParse, StatementsWithTextPositionAndTree) {
  const std::string text =
      "-- a comment\nCREATE INDEX CONCURRENTLY i ON t (a);\n  /* two */ ALTER TABLE ONLY s.\"T\" ADD b int "
      ";\n";
  const auto result = parse(text, Origin{10, 200});
  ASSERT_FALSE(result.error);
  ASSERT_EQ(result.statements.size(), 2u);
  const auto& index = result.statements[0];
  EXPECT_EQ(index.text, "CREATE INDEX CONCURRENTLY i ON t (a)");
  EXPECT_EQ(index.position.line, 11);
  EXPECT_EQ(index.position.column, 1);
  EXPECT_EQ(index.position.offset, 200 + text.find("CREATE"));
  EXPECT_TRUE(index.tree["IndexStmt"]["concurrent"].get<bool>());
  const auto& alter = result.statements[1];
  EXPECT_EQ(alter.text, "ALTER TABLE ONLY s.\"T\" ADD b int");
  EXPECT_EQ(alter.position.line, 12);
  EXPECT_EQ(alter.position.column, 13);
  EXPECT_EQ(alter.tree["AlterTableStmt"]["relation"]["schemaname"], "s");
  EXPECT_EQ(alter.tree["AlterTableStmt"]["relation"]["relname"], "T");
}

TEST(SqlParse, DollarQuotedBodiesAndAtomicBodiesStayWhole) {
  const std::string fn =
      "CREATE FUNCTION f() RETURNS void AS $body$ BEGIN DROP TABLE x; END $body$ LANGUAGE plpgsql";
  const std::string atomic = "CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; SELECT 2; END";
  const auto result = parse(fn + ";\n" + atomic + ";\nSELECT 3");
  ASSERT_FALSE(result.error);
  ASSERT_EQ(result.statements.size(), 3u);
  EXPECT_EQ(result.statements[0].text, fn);
  EXPECT_EQ(result.statements[1].text, atomic);
  EXPECT_EQ(result.statements[2].text, "SELECT 3");
  EXPECT_TRUE(result.statements[0].tree.contains("CreateFunctionStmt"));
}

TEST(SqlParse, SyntaxErrorPointsAtTheFileLineAndColumn) {
  const auto result = parse("SELECT 1;\nSELEC 2;", Origin{5, 100});
  ASSERT_TRUE(result.error);
  EXPECT_THAT(result.error->message, ::testing::HasSubstr("syntax error"));
  EXPECT_EQ(result.error->position.line, 6);
  EXPECT_EQ(result.error->position.column, 1);
  EXPECT_EQ(result.error->position.offset, 110u);
  EXPECT_TRUE(result.statements.empty());
}

TEST(SqlParse, ErrorPositionCountsCharactersNotBytes) {
  // The server counts the position in characters: 'é' is two bytes. FRM is taken as an alias; t is the error.
  const std::string text = "SELECT 'é' FRM t";
  const auto result = parse(text);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->position.offset, text.rfind('t'));
  EXPECT_EQ(result.error->position.column, 17);
}

TEST(SqlSplit, SpansMatchParse) {
  const std::string text = "SELECT 1; ; -- x\nSELECT ';' ;\n/* c */";
  const auto spans = split(text);
  ASSERT_TRUE(spans);
  ASSERT_EQ(spans->size(), 2u);
  EXPECT_EQ(text.substr((*spans)[0].begin, (*spans)[0].end - (*spans)[0].begin), "SELECT 1");
  EXPECT_EQ(text.substr((*spans)[1].begin, (*spans)[1].end - (*spans)[1].begin), "SELECT ';'");
}

TEST(SqlSplit, RefusedTextGivesTheError) {
  ParseError error;
  EXPECT_FALSE(split("CREATE TABLE t (a int", &error, Origin{3, 0}));
  EXPECT_EQ(error.position.line, 3);
  EXPECT_FALSE(error.message.empty());
}

TEST(SqlText, SkipBlanksAndTrimEnd) {
  const std::string text = "  -- a\n /* b /* c */ */ x  ";
  EXPECT_EQ(skip_blanks(text, 0), text.find('x'));
  EXPECT_EQ(trim_end(text, 0, text.size()), text.find('x') + 1);
  EXPECT_EQ(grammar_version(), 15);
}

}  // namespace
}  // namespace pgrevise::sql
