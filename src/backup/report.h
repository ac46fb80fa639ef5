#pragma once

#include <string>

#include "backup/backup.h"
#include "common/error.h"
#include "common/job_report.h"

namespace pgrevise::backup {

inline constexpr size_t kMaxReportBytes = 4096;

// The JSON reports for --report and --output json, at most kMaxReportBytes (long messages and lists are cut),
// redacted. They carry the manifest's facts, never a connection string.
std::string backup_success_report(const BackupResult& r);
std::string failure_report(const std::string& command, const Error& e);
std::string restore_success_report(const Manifest& m, const std::vector<std::string>& heads_after);

// The same outcomes as the Job report (common/job_report.h) that --report writes, for example to
// /dev/termination-log: the operator reads backup results in the one format it reads migrations in.
JobReport backup_job_report(const BackupResult& r);
JobReport restore_job_report(const Manifest& m, const std::vector<std::string>& heads_after);
JobReport failure_job_report(const std::string& command, const Error& e);

}  // namespace pgrevise::backup
