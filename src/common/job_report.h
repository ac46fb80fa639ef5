#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/direction.h"
#include "common/error.h"

namespace pgrevise {

// The JSON a Job's container writes to /dev/termination-log and the operator reads back from the Pod: the
// contract between the runner / backup commands (writers) and the controller (reader). Kubernetes keeps at
// most 4096 bytes of a termination message, so to_json() always fits: long lists and messages are shortened
// with a marker rather than cut mid-JSON.
inline constexpr size_t kMaxJobReportBytes = 4096;

struct ReportStep {
  std::string revision;
  Direction direction = Direction::kUpgrade;  // written as to_string(direction)
  std::int64_t duration_ms = 0;
  bool operator==(const ReportStep&) const = default;
};

struct ReportError {
  std::string revision;  // empty when the failure is not tied to a revision
  std::string sqlstate;  // empty when not a database error
  std::string message;   // already redacted
  std::string file;      // migration file, relative to the migrations directory
  int line = 0;          // 1-based line in that file, 0 when unknown
  std::string code;      // a failure the operator reports under a Reason of its own (report_code), or empty
  bool operator==(const ReportError&) const = default;
};

// The codes of ReportError::code.
namespace report_code {
// The server is newer than every pg_dump the backup could use (backup::PgDumpTooOld).
inline constexpr std::string_view kPgDumpTooOld = "PgDumpTooOld";
}  // namespace report_code

struct ReportBackup {
  std::string file;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::vector<std::string> heads;  // the version-table heads when the backup was taken
  std::string started_at;
  std::string finished_at;
  bool operator==(const ReportBackup&) const = default;
};

struct JobReport {
  std::string kind;     // migrate | backup | plan
  std::string command;  // upgrade | downgrade | stamp | plan | backup ...
  std::string result;   // succeeded | failed | noop
  std::string target;
  std::vector<std::string> heads_before;
  std::vector<std::string> heads_after;
  std::vector<ReportStep> steps;
  int steps_omitted = 0;  // steps left out of `steps` to stay within the size limit
  std::int64_t lock_wait_ms = 0;
  std::int64_t duration_ms = 0;
  std::optional<ReportError> error;
  std::optional<ReportBackup> backup;
  std::string started_at;
  std::string finished_at;
  bool operator==(const JobReport&) const = default;
};

// Serialises within kMaxJobReportBytes: first drops steps from the middle (keeping the first and the last
// ones, counting the rest in steps_omitted), then shortens the error message.
std::string to_json(const JobReport& report);
// Parses defensively: a truncated, empty or malformed report is an Error(kBadInput) saying what is wrong,
// never a crash; unknown fields are ignored so that newer writers stay readable.
Result<JobReport> parse_job_report(std::string_view text);
// Writes the report to a file (e.g. /dev/termination-log). Errors are kIo.
void write_job_report(const std::string& path, const JobReport& report);

}  // namespace pgrevise
