#include "lint/output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pgrevise::lint {
namespace {

using ::testing::HasSubstr;

std::vector<Finding> sample() {
  return {Finding{"require-concurrent-index-creation", Severity::kError, "migrations/002.sql", "002", 12, 3,
                  "CREATE INDEX without CONCURRENTLY takes SHARE on t", "CREATE INDEX CONCURRENTLY", "SHARE",
                  "t", "CREATE INDEX i\n  ON t (a)"},
          Finding{"prefer-text-field", Severity::kWarning, "migrations/003.sql", "003", 4, 1,
                  "column, a: varchar", "use text", "", "", "CREATE TABLE x (a varchar(3))"}};
}

TEST(LintOutput, TextIsCompilerStyleWithStatementAndHelp) {
  const auto text = render(sample(), Format::kText, 7);
  EXPECT_THAT(text,
              HasSubstr("migrations/002.sql:12:3: error[require-concurrent-index-creation]: CREATE INDEX "
                        "without CONCURRENTLY takes SHARE on t\n"
                        "   12 | CREATE INDEX i\n"
                        "   13 |   ON t (a)\n"
                        "      = help: CREATE INDEX CONCURRENTLY\n"));
  EXPECT_THAT(text, HasSubstr("2 findings (1 errors, 1 warnings, 0 info) in 7 statements\n"));
}

TEST(LintOutput, JsonHasEveryField) {
  const auto j = nlohmann::json::parse(render(sample(), Format::kJson, 7));
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0]["rule"], "require-concurrent-index-creation");
  EXPECT_EQ(j["findings"][0]["severity"], "error");
  EXPECT_EQ(j["findings"][0]["revision"], "002");
  EXPECT_EQ(j["findings"][0]["line"], 12);
  EXPECT_EQ(j["findings"][0]["column"], 3);
  EXPECT_EQ(j["findings"][0]["lock"], "SHARE");
  EXPECT_EQ(j["findings"][0]["relation"], "t");
  EXPECT_EQ(j["summary"]["error"], 1);
  EXPECT_EQ(j["summary"]["statements"], 7);
}

TEST(LintOutput, SarifResultsAndRules) {
  const auto j = nlohmann::json::parse(render(sample(), Format::kSarif, 7));
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), 2u);
  EXPECT_EQ(run["results"][0]["ruleId"], "require-concurrent-index-creation");
  EXPECT_EQ(run["results"][0]["level"], "error");
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
  EXPECT_EQ(run["results"][1]["level"], "warning");
}

TEST(LintOutput, GithubAnnotationsEscapeTheirFields) {
  const auto text = render(sample(), Format::kGithub, 7);
  EXPECT_THAT(
      text,
      HasSubstr("::error file=migrations/002.sql,line=12,col=3,title=require-concurrent-index-creation::"
                "CREATE INDEX without CONCURRENTLY takes SHARE on t%0Ahelp: CREATE INDEX CONCURRENTLY\n"));
  EXPECT_THAT(text,
              HasSubstr("::warning file=migrations/003.sql,line=4,col=1,title=prefer-text-field::column, a: "
                        "varchar"));
}

TEST(LintOutput, ThresholdAndFormats) {
  EXPECT_TRUE(any_at_or_above(sample(), Severity::kError));
  EXPECT_FALSE(any_at_or_above({sample()[1]}, Severity::kError));
  EXPECT_TRUE(any_at_or_above({sample()[1]}, Severity::kInfo));
  EXPECT_EQ(parse_format("sarif"), Format::kSarif);
  EXPECT_FALSE(parse_format("xml"));
}

}  // namespace
}  // namespace pgrevise::lint
