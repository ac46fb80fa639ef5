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

// The document nlohmann::json writes for the same findings, built as an object: what the JSON output must be,
// byte for byte.
std::string json_as_a_document(const std::vector<Finding>& findings, size_t statements) {
  nlohmann::json out{{"findings", nlohmann::json::array()},
                     {"summary", {{"statements", statements}, {"findings", findings.size()}}}};
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : findings) {
    out["findings"].push_back({{"rule", f.rule},
                               {"severity", severity_name(f.severity)},
                               {"file", f.file},
                               {"revision", f.revision},
                               {"line", f.line},
                               {"column", f.column},
                               {"message", f.message},
                               {"help", f.help},
                               {"lock", f.lock},
                               {"relation", f.relation},
                               {"statement", f.statement}});
    ++counts[static_cast<int>(f.severity)];
  }
  out["summary"]["error"] = counts[static_cast<int>(Severity::kError)];
  out["summary"]["warning"] = counts[static_cast<int>(Severity::kWarning)];
  out["summary"]["info"] = counts[static_cast<int>(Severity::kInfo)];
  return out.dump(2) + "\n";
}

TEST(LintOutput, JsonIsTheDocumentOfItsFieldsForNoneOneAndManyFindings) {
  EXPECT_EQ(render({}, Format::kJson, 0), json_as_a_document({}, 0));
  EXPECT_EQ(render(sample(), Format::kJson, 7), json_as_a_document(sample(), 7));
  // Enough findings to be written on several threads, with text that needs escaping.
  std::vector<Finding> many;
  for (int i = 0; i < 9000; ++i) {
    auto f = sample()[i % 2];
    f.line = i;
    f.message += " \"quoted\"\tand\\ \x01 \xc3\xa9 #" + std::to_string(i);
    many.push_back(f);
  }
  EXPECT_EQ(render(many, Format::kJson, 12345), json_as_a_document(many, 12345));
}

TEST(LintOutput, JsonRefusesTextThatIsNotUtf8AsTheLibraryDoes) {
  std::vector<Finding> many(5000, sample()[0]);
  many[4321].statement = "SELECT '\xff'";
  EXPECT_THROW(render(many, Format::kJson, 1), nlohmann::json::type_error);
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
