#include "lint/lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "lint/config.h"
#include "revision/script.h"

namespace pgrevise::lint {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Finding> lint(std::string_view sql, const LintOptions& options = {}, bool transactional = true) {
  return lint_source(Source{"m.sql", "", transactional, sql, {}}, options).findings;
}

TEST(Lint, FindingCarriesFilePositionLockRelationAndStatement) {
  const auto script = revision::parse_script(
      "-- revision: 002\n-- down_revision: 001\n\n-- +upgrade\nSELECT 1;\n  CREATE INDEX i ON app.t (a);\n",
      "002.sql");
  const auto findings = lint_source(source_of(script), {}).findings;
  ASSERT_EQ(findings.size(), 1u);
  const auto& f = findings[0];
  EXPECT_EQ(f.rule, "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_EQ(f.file, "002.sql");
  EXPECT_EQ(f.revision, "002");
  EXPECT_EQ(f.line, 6);
  EXPECT_EQ(f.column, 3);
  EXPECT_EQ(f.lock, "SHARE");
  EXPECT_EQ(f.relation, "app.t");
  EXPECT_EQ(f.statement, "CREATE INDEX i ON app.t (a)");
  EXPECT_THAT(f.help, HasSubstr("CONCURRENTLY"));
}

TEST(Lint, SeverityFromTheConfigAndOffDropsTheRule) {
  const auto config = parse_config(
      "# team settings\nrequire-concurrent-index-creation: warning\nban-drop-table: off\n"
      "server-version: 11\nlock-timeout: true  # the operator sets one\n",
      "lint.yaml");
  const auto options = options_from(config);
  EXPECT_EQ(options.server_version, 11);
  EXPECT_TRUE(options.runner_lock_timeout);
  const auto findings = lint("CREATE INDEX i ON t (a); DROP TABLE u;", options);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "require-concurrent-index-creation");
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
}

TEST(Lint, BadConfigNamesFileLineAndRule) {
  try {
    parse_config("ban-drop-table: error\nno-such-rule: error\n", "lint.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("lint.yaml:2: unknown rule or key 'no-such-rule'"));
  }
  EXPECT_THROW(parse_config("ban-drop-table: loud\n", "lint.yaml"), Error);
  EXPECT_THROW(parse_config("server-version: fifteen\n", "lint.yaml"), Error);
  EXPECT_THROW(parse_config("just words\n", "lint.yaml"), Error);
}

TEST(Lint, VersionRangeOfARule) {
  // REINDEX CONCURRENTLY exists from 12: before, there is nothing to prefer.
  LintOptions old;
  old.server_version = 11;
  EXPECT_TRUE(lint("REINDEX TABLE t;", old).empty());
  EXPECT_EQ(lint("REINDEX TABLE t;").size(), 1u);
}

TEST(Lint, RefusedStatementsAreInformationNeverFailures) {
  const auto result = lint_source(
      Source{"m.sql",
             "",
             true,
             "SELECT 1;\nMERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *;\n",
             {}},
      {});
  ASSERT_EQ(result.statements.size(), 2u);
  EXPECT_TRUE(result.statements[0].parsed);
  EXPECT_FALSE(result.statements[1].parsed);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].rule, "unsupported-syntax");
  EXPECT_EQ(result.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(result.findings[0].line, 2);
  EXPECT_THAT(result.findings[0].message, HasSubstr("RETURNING"));
}

TEST(Lint, IgnoreWithoutReasonIsReportedWhereTheCommentIs) {
  LintOptions options;
  options.runner_lock_timeout = true;
  const auto findings = lint("SELECT 1;\n-- lint: ignore ban-drop-table\nDROP TABLE t;\n", options);
  std::vector<std::string> rules;
  for (const auto& f : findings) rules.push_back(f.rule + "@" + std::to_string(f.line));
  EXPECT_THAT(rules, ElementsAre("ban-drop-table@3", "ignore-without-reason@2"));
}

TEST(Lint, EveryRuleIsFoundByNameAndHasAVersionRange) {
  for (const auto& rule : all_rules()) {
    EXPECT_EQ(find_rule(rule.name), &rule);
    EXPECT_LE(rule.min_version, rule.max_version) << rule.name;
    EXPECT_FALSE(rule.what.empty()) << rule.name;
  }
  EXPECT_EQ(find_rule("no-such-rule"), nullptr);
  EXPECT_GE(all_rules().size(), 45u);
}

}  // namespace
}  // namespace pgrevise::lint
