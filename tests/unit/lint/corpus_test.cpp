// Runs every case of tests/lint/corpus/*.sql (its README says the format) and compares the findings and the
// locks with those written down.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/strings.h"
#include "lint/lint.h"
#include "lint/output.h"

namespace pgrevise::lint {
namespace {

struct Case {
  std::string where;  // file:line
  std::string name;
  std::vector<std::string> expect;
  std::optional<std::string> lock;
  LintOptions options;
  bool transactional = true;
  std::string sql;
  int first_line = 0;
};

std::filesystem::path corpus_dir() {
  const char* source = std::getenv("PGREVISE_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / "tests" / "lint" / "corpus";
}

void directive(Case& c, std::string_view key, std::string_view value) {
  if (key == "expect") {
    for (auto& rule : split_trimmed(value, ','))
      if (rule != "none" && !rule.empty()) c.expect.push_back(rule);
  } else if (key == "lock") {
    c.lock = std::string(value);
  } else if (key == "version") {
    c.options.server_version = std::stoi(std::string(value));
  } else if (key == "transactional") {
    c.transactional = value == "true";
  } else if (key == "runner_lock_timeout") {
    c.options.runner_lock_timeout = value == "true";
  } else if (key == "enable") {
    c.options.severities[std::string(value)] = Severity::kWarning;
  } else {
    ADD_FAILURE() << c.where << ": unknown directive " << key;
  }
}

std::vector<Case> read_cases(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<Case> cases;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("-- case:", 0) == 0) {
      cases.push_back(
          {file.filename().string() + ":" + std::to_string(number), std::string(trim(line.substr(8)))});
      cases.back().options.runner_lock_timeout = true;
      continue;
    }
    if (cases.empty()) continue;
    Case& c = cases.back();
    const size_t colon = line.find(':');
    const std::string_view head = line.size() > 3 ? std::string_view(line).substr(3) : std::string_view();
    const bool is_directive = c.sql.empty() && line.rfind("-- ", 0) == 0 && colon != std::string::npos &&
                              head.substr(0, colon - 3).find(' ') == std::string_view::npos &&
                              line.rfind("-- lint:", 0) != 0;
    if (is_directive) {
      directive(c, trim(head.substr(0, colon - 3)), trim(head.substr(colon - 2)));
    } else {
      if (c.sql.empty()) c.first_line = number;
      c.sql += line + "\n";
    }
  }
  return cases;
}

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir()))
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LintCorpus, EveryCaseGivesTheFindingsAndLocksWrittenDown) {
  size_t cases = 0, statements = 0;
  for (const auto& file : corpus_files()) {
    for (auto& c : read_cases(file)) {
      ++cases;
      const Source source{file.filename().string(), "", c.transactional, c.sql, sql::Origin{c.first_line, 0}};
      const auto result = lint_source(source, c.options);
      statements += result.statements.size();
      std::vector<std::string> got;
      for (const auto& f : result.findings) got.push_back(f.rule);
      std::sort(got.begin(), got.end());
      std::sort(c.expect.begin(), c.expect.end());
      EXPECT_EQ(got, c.expect) << c.where << " (" << c.name
                               << "): " << render(result.findings, Format::kText, 0);
      if (c.lock) {
        ASSERT_FALSE(result.statements.empty()) << c.where;
        EXPECT_EQ(result.statements.back().effect.describe(), *c.lock) << c.where << " (" << c.name << ")";
      }
    }
  }
  // The corpus is the proof the issue asks for: at least 150 statements, in well over a hundred cases.
  EXPECT_GE(statements, 150u);
  EXPECT_GE(cases, 150u);
}

TEST(LintCorpus, EveryRuleWithACheckHasAPositiveCase) {
  std::set<std::string> fired;
  for (const auto& file : corpus_files())
    for (const auto& c : read_cases(file)) fired.insert(c.expect.begin(), c.expect.end());
  for (const auto& rule : all_rules()) EXPECT_TRUE(fired.count(std::string(rule.name))) << rule.name;
}

}  // namespace
}  // namespace pgrevise::lint
