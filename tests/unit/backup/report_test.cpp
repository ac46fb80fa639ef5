#include "backup/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/redact.h"

namespace pgrevise::backup {
namespace {

TEST(Report, SuccessCarriesTheManifestFacts) {
  BackupResult r;
  r.manifest.name = "n";
  r.manifest.file = "n.dump";
  r.manifest.heads = {"018"};
  r.manifest.size_bytes = 42;
  r.manifest.sha256 = std::string(64, 'c');
  r.deleted = {"old"};
  auto j = nlohmann::json::parse(backup_success_report(r));
  EXPECT_EQ(j["result"], "succeeded");
  EXPECT_EQ(j["backup"]["file"], "n.dump");
  EXPECT_EQ(j["backup"]["sizeBytes"], 42);
  EXPECT_EQ(j["backup"]["heads"][0], "018");
  EXPECT_EQ(j["deleted"][0], "old");
}

TEST(Report, FitsInFourKiBAndStaysJson) {
  BackupResult r;
  for (int i = 0; i < 500; ++i) r.manifest.heads.push_back("head_" + std::to_string(i));
  for (int i = 0; i < 500; ++i) r.deleted.push_back("backup_" + std::to_string(i));
  const std::string s = backup_success_report(r);
  EXPECT_LE(s.size(), kMaxReportBytes);
  auto j = nlohmann::json::parse(s);
  EXPECT_TRUE(j["backup"]["headsTruncated"].get<bool>());

  const std::string f = failure_report("backup", Error(ErrorKind::kIo, std::string(20000, 'x')));
  EXPECT_LE(f.size(), kMaxReportBytes);
  EXPECT_EQ(nlohmann::json::parse(f)["error"]["kind"], to_string(ErrorKind::kIo));
}

TEST(Report, APgDumpTooOldRefusalCarriesItsCodeToTheOperator) {
  const PgDumpTooOld refusal("PostgreSQL 19.1 is newer than every pg_dump available");
  const JobReport report = parse_job_report(to_json(failure_job_report("backup", refusal))).value();
  ASSERT_TRUE(report.error.has_value());
  EXPECT_EQ(report.error->code, report_code::kPgDumpTooOld);
  EXPECT_EQ(report.error->message, "PostgreSQL 19.1 is newer than every pg_dump available");
  // Caught as the Error it also is, it keeps its code.
  try {
    throw PgDumpTooOld("too old");
  } catch (const Error& e) {
    EXPECT_EQ(failure_job_report("backup", e).error->code, report_code::kPgDumpTooOld);
  }
  // Any other failure has none.
  const Error other(ErrorKind::kBadInput, "pg_dump: error: permission denied");
  EXPECT_EQ(parse_job_report(to_json(failure_job_report("backup", other))).value().error->code, "");
}

TEST(Report, NeverCarriesARegisteredSecret) {
  register_secret("report-canary-pw");
  const std::string f =
      failure_report("backup", Error(ErrorKind::kConnection, "postgresql://u:report-canary-pw@h/db refused"));
  EXPECT_EQ(f.find("report-canary-pw"), std::string::npos) << f;
}

}  // namespace
}  // namespace pgrevise::backup
