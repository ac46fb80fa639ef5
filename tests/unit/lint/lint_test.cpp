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

namespace pgrevise::lint {
namespace {

// What a finding says, as one line, for comparing runs.
std::vector<std::string> described(const std::vector<SourceResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) {
    out.push_back("statements " + std::to_string(r.statements.size()));
    for (const auto& f : r.findings)
      out.push_back(f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + " " + f.rule +
                    " " + std::string(severity_name(f.severity)) + " " + f.message);
  }
  return out;
}

TEST(LintSources, ManySourcesOnSeveralThreadsGiveTheResultsOfOneAfterTheOther) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    const std::string t = "t" + std::to_string(i);
    texts.push_back(i % 3 == 0 ? "CREATE INDEX i" + t + " ON " + t + " (a);\nALTER TABLE " + t +
                                     " ALTER COLUMN a TYPE bigint;"
                    : i % 3 == 1
                        ? "CREATE TABLE " + t + " (id bigint);\nSELECT 1;"
                        : "MERGE INTO " + t + " USING s ON true WHEN MATCHED THEN DELETE RETURNING *;");
  }
  std::vector<Source> sources;
  for (size_t i = 0; i < texts.size(); ++i)
    sources.push_back(Source{"m" + std::to_string(i) + ".sql", "", i % 2 == 0, texts[i], {}});
  std::vector<SourceResult> one_by_one;
  for (const auto& s : sources) one_by_one.push_back(lint_source(s, {}));
  const auto expected = described(one_by_one);
  ASSERT_GT(expected.size(), 600u);
  EXPECT_EQ(described(lint_sources(sources, {}, 4)), expected);
  EXPECT_EQ(described(lint_sources(sources, {}, 1)), expected);
  EXPECT_EQ(described(lint_sources(sources, {})), expected);
  EXPECT_TRUE(lint_sources({}, {}, 4).empty());
}

}  // namespace
}  // namespace pgrevise::lint
