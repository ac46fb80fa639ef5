#include "backup/report.h"

#include <nlohmann/json.hpp>

#include "common/redact.h"

namespace pgrevise::backup {

using nlohmann::json;

namespace {

json manifest_json(const Manifest& m) {
  return json{{"name", m.name},
              {"file", m.file},
              {"format", to_string(m.format)},
              {"database", m.database},
              {"heads", m.heads},
              {"sizeBytes", m.size_bytes},
              {"sha256", m.sha256},
              {"serverVersion", m.server_version},
              {"pgDumpVersion", m.pg_dump_version},
              {"startedAt", m.started_at},
              {"finishedAt", m.finished_at},
              {"durationMs", m.duration_ms}};
}

// Halves lists and messages until the document fits the termination-log limit.
bool halve(nlohmann::json& list) {
  if (!list.is_array() || list.size() <= 1) return false;
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(list.size() / 2), list.end());
  return true;
}

// Sizes are checked on the raw document with headroom, and redaction (which may lengthen a short secret to
// the mask) runs once at the end, because it is slow on long text.
std::string fit(json j) {
  constexpr size_t kBudget = kMaxReportBytes - 256;
  std::string out = j.dump();
  for (int round = 0; out.size() > kBudget && round < 64; ++round) {
    bool changed = false;
    for (const char* list : {"deleted", "warnings", "headsAfter"}) {
      if (j.contains(list) && halve(j[list])) {
        j[std::string(list) + "Truncated"] = true;
        changed = true;
      }
    }
    if (j.contains("backup") && halve(j["backup"]["heads"])) {
      j["backup"]["headsTruncated"] = true;
      changed = true;
    }
    if (!changed && j.contains("error")) {
      std::string msg = j["error"]["message"].get<std::string>();
      j["error"]["message"] = msg.substr(0, std::min(msg.size() / 2, kMaxReportBytes / 2)) + "...";
    } else if (!changed) {
      break;
    }
    out = j.dump();
  }
  out = redact(out);
  if (out.size() > kMaxReportBytes) out = json{{"result", j.value("result", "")}, {"truncated", true}}.dump();
  return out;
}

}  // namespace

std::string backup_success_report(const BackupResult& r) {
  json j{{"command", "backup"},
         {"result", "succeeded"},
         {"backup", manifest_json(r.manifest)},
         {"deleted", r.deleted},
         {"warnings", r.warnings}};
  return fit(std::move(j));
}

std::string failure_report(const std::string& command, const Error& e) {
  json j{{"command", command},
         {"result", "failed"},
         {"error",
          {{"kind", to_string(e.kind())}, {"message", std::string(e.what()).substr(0, kMaxReportBytes)}}}};
  return fit(std::move(j));
}

std::string restore_success_report(const Manifest& m, const std::vector<std::string>& heads_after) {
  json j{{"command", "restore"},
         {"result", "succeeded"},
         {"backup", manifest_json(m)},
         {"headsAfter", heads_after}};
  return fit(std::move(j));
}

namespace {

ReportBackup report_backup(const Manifest& m) {
  return ReportBackup{.file = m.file,
                      .size_bytes = static_cast<std::int64_t>(m.size_bytes),
                      .sha256 = m.sha256,
                      .heads = m.heads,
                      .started_at = m.started_at,
                      .finished_at = m.finished_at};
}

}  // namespace

JobReport backup_job_report(const BackupResult& r) {
  JobReport report{.kind = "backup", .command = "backup", .result = "succeeded"};
  report.heads_before = r.manifest.heads;
  report.heads_after = r.manifest.heads;
  report.duration_ms = r.manifest.duration_ms;
  report.started_at = r.manifest.started_at;
  report.finished_at = r.manifest.finished_at;
  report.backup = report_backup(r.manifest);
  return report;
}

JobReport restore_job_report(const Manifest& m, const std::vector<std::string>& heads_after) {
  JobReport report{.kind = "backup", .command = "restore", .result = "succeeded"};
  report.heads_before = m.heads;
  report.heads_after = heads_after;
  report.backup = report_backup(m);
  return report;
}

JobReport failure_job_report(const std::string& command, const Error& e) {
  JobReport report{.kind = "backup", .command = command, .result = "failed"};
  report.error = ReportError{.message = redact(e.what())};
  if (dynamic_cast<const PgDumpTooOld*>(&e) != nullptr) report.error->code = report_code::kPgDumpTooOld;
  return report;
}

}  // namespace pgrevise::backup
