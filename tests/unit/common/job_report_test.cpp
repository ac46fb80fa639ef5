#include "common/job_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pgrevise {
namespace {

JobReport sample() {
  JobReport r{.kind = "migrate", .command = "upgrade", .result = "failed", .target = "heads"};
  r.heads_before = {"0006"};
  r.heads_after = {"0007"};
  r.steps = {{"0007", Direction::kUpgrade, 12}};
  r.error = ReportError{"0008", "42P07", "relation \"project_costs\" already exists", "billing/0008.sql", 14};
  return r;
}

TEST(JobReport, RoundTrips) {
  auto r = sample();
  auto parsed = parse_job_report(to_json(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(parsed.value(), r);
}

TEST(JobReport, BackupRoundTrips) {
  JobReport r{.kind = "backup", .command = "backup", .result = "succeeded"};
  r.backup =
      ReportBackup{"app-0006.dump",       123456, std::string(64, 'a'), {"0006"}, "2026-01-01T00:00:00Z",
                   "2026-01-01T00:00:01Z"};
  EXPECT_EQ(parse_job_report(to_json(r)).value(), r);
}

TEST(JobReport, ManyStepsStayWithinLimitKeepingFirstAndLast) {
  JobReport r{.kind = "migrate", .command = "upgrade", .result = "succeeded"};
  for (int i = 0; i < 1000; ++i) r.steps.push_back({"rev" + std::to_string(i), Direction::kUpgrade, i});
  auto text = to_json(r);
  EXPECT_LE(text.size(), kMaxJobReportBytes);
  auto parsed = parse_job_report(text).value();
  ASSERT_GE(parsed.steps.size(), 2u);
  EXPECT_EQ(parsed.steps.front().revision, "rev0");
  EXPECT_EQ(parsed.steps.back().revision, "rev999");
  EXPECT_EQ(parsed.steps.size() + static_cast<size_t>(parsed.steps_omitted), 1000u);
}

TEST(JobReport, HugeMessageIsShortened) {
  auto r = sample();
  r.error->message = std::string(20000, 'x');
  auto text = to_json(r);
  EXPECT_LE(text.size(), kMaxJobReportBytes);
  EXPECT_EQ(parse_job_report(text).value().error->revision, "0008");
}

TEST(JobReport, GarbageAndTruncationAreErrorsNotCrashes) {
  auto text = to_json(sample());
  EXPECT_FALSE(parse_job_report("").ok());
  EXPECT_FALSE(parse_job_report(text.substr(0, text.size() / 2)).ok());
  EXPECT_FALSE(parse_job_report("\xff\xfe garbage").ok());
  EXPECT_FALSE(parse_job_report("[1,2,3]").ok());
  EXPECT_FALSE(parse_job_report("{\"kind\":\"migrate\"}").ok());
}

TEST(JobReport, WrongTypesAreIgnored) {
  auto parsed = parse_job_report(R"({"kind":"migrate","result":"failed","steps":"nope","headsAfter":[1,"a"],
                                     "error":{"line":"x","message":"m"}})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed.value().steps.empty());
  EXPECT_EQ(parsed.value().heads_after, std::vector<std::string>{"a"});
  EXPECT_EQ(parsed.value().error->line, 0);
}

}  // namespace
}  // namespace pgrevise
