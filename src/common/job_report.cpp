#include "common/job_report.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace pgrevise {

namespace {

using nlohmann::json;

json step_json(const ReportStep& s) {
  return {{"revision", s.revision}, {"direction", to_string(s.direction)}, {"durationMs", s.duration_ms}};
}

json report_json(const JobReport& r, const std::vector<ReportStep>& steps, int omitted,
                 size_t message_limit) {
  json j = {{"kind", r.kind}, {"result", r.result}};
  if (!r.command.empty()) j["command"] = r.command;
  if (!r.target.empty()) j["target"] = r.target;
  j["headsBefore"] = r.heads_before;
  j["headsAfter"] = r.heads_after;
  j["steps"] = json::array();
  for (const auto& s : steps) j["steps"].push_back(step_json(s));
  if (omitted > 0) j["stepsOmitted"] = omitted;
  if (r.lock_wait_ms) j["lockWaitMs"] = r.lock_wait_ms;
  j["durationMs"] = r.duration_ms;
  if (!r.started_at.empty()) j["startedAt"] = r.started_at;
  if (!r.finished_at.empty()) j["finishedAt"] = r.finished_at;
  if (r.error) {
    std::string message = r.error->message;
    if (message.size() > message_limit) message = message.substr(0, message_limit) + "...";
    json e = {{"message", message}};
    if (!r.error->revision.empty()) e["revision"] = r.error->revision;
    if (!r.error->sqlstate.empty()) e["sqlstate"] = r.error->sqlstate;
    if (!r.error->file.empty()) e["file"] = r.error->file;
    if (r.error->line > 0) e["line"] = r.error->line;
    if (!r.error->code.empty()) e["code"] = r.error->code;
    j["error"] = e;
  }
  if (r.backup) {
    j["backup"] = {{"file", r.backup->file},
                   {"sizeBytes", r.backup->size_bytes},
                   {"sha256", r.backup->sha256},
                   {"heads", r.backup->heads},
                   {"startedAt", r.backup->started_at},
                   {"finishedAt", r.backup->finished_at}};
  }
  return j;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string to_json(const JobReport& report) {
  std::vector<ReportStep> steps = report.steps;
  int omitted = report.steps_omitted;
  size_t message_limit = 2048;
  std::string out = dump(report_json(report, steps, omitted, message_limit));
  // Keep the first and the newest steps: the newest says where a failing run stopped.
  while (out.size() > kMaxJobReportBytes && steps.size() > 2) {
    steps.erase(steps.begin() + static_cast<long>(steps.size() / 2));
    ++omitted;
    out = dump(report_json(report, steps, omitted, message_limit));
  }
  while (out.size() > kMaxJobReportBytes && message_limit > 64) {
    message_limit /= 2;
    out = dump(report_json(report, steps, omitted, message_limit));
  }
  if (out.size() > kMaxJobReportBytes) {
    // Only pathological heads lists can get here; the essentials still fit.
    JobReport minimal{.kind = report.kind, .command = report.command, .result = report.result};
    minimal.error = report.error;
    out = dump(report_json(minimal, {}, omitted + static_cast<int>(steps.size()), 256));
  }
  return out;
}

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<JobReport> parse_job_report(std::string_view text) {
  if (text.empty()) return Error(ErrorKind::kBadInput, "job report is empty");
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    return Error(ErrorKind::kBadInput, "job report is not valid JSON (" + std::to_string(text.size()) +
                                           " bytes; truncated or not written by pgrevise)");
  }
  if (!j.is_object() || str(j, "kind").empty() || str(j, "result").empty()) {
    return Error(ErrorKind::kBadInput, "job report lacks the fields kind and result");
  }
  JobReport r{.kind = str(j, "kind"),
              .command = str(j, "command"),
              .result = str(j, "result"),
              .target = str(j, "target")};
  r.heads_before = strings(j, "headsBefore");
  r.heads_after = strings(j, "headsAfter");
  if (auto it = j.find("steps"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_object())
        r.steps.push_back({str(s, "revision"),
                           parse_direction(str(s, "direction")).value_or(Direction::kUpgrade),
                           num(s, "durationMs")});
    }
  }
  r.steps_omitted = static_cast<int>(num(j, "stepsOmitted"));
  r.lock_wait_ms = num(j, "lockWaitMs");
  r.duration_ms = num(j, "durationMs");
  r.started_at = str(j, "startedAt");
  r.finished_at = str(j, "finishedAt");
  if (auto it = j.find("error"); it != j.end() && it->is_object()) {
    const auto& e = *it;
    r.error = ReportError{str(e, "revision"),
                          str(e, "sqlstate"),
                          str(e, "message"),
                          str(e, "file"),
                          static_cast<int>(num(e, "line")),
                          str(e, "code")};
  }
  if (auto it = j.find("backup"); it != j.end() && it->is_object()) {
    const auto& b = *it;
    r.backup = ReportBackup{str(b, "file"),      num(b, "sizeBytes"), str(b, "sha256"),
                            strings(b, "heads"), str(b, "startedAt"), str(b, "finishedAt")};
  }
  return r;
}

void write_job_report(const std::string& path, const JobReport& report) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::kIo, "cannot write report to " + path);
  out << to_json(report);
  out.flush();
  if (!out) throw Error(ErrorKind::kIo, "error writing report to " + path);
}

}  // namespace pgrevise
