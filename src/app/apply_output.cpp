#include "app/apply_output.h"

#include <cctype>
#include <cstdio>

#include "common/job_report.h"
#include "common/redact.h"
#include "common/strings.h"

namespace pgrevise::app {
namespace {

// Whether YAML reads `text` back as this same string without quotes.
bool plain_safe(const std::string& text) {
  if (text.empty() || text.front() == ' ' || text.back() == ' ') return false;
  if (std::string("-?:,[]{}#&*!|>'\"%@`+.0123456789~").find(text.front()) != std::string::npos) return false;
  if (text.find(": ") != std::string::npos || text.find(" #") != std::string::npos || text.back() == ':')
    return false;
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  std::string lower;
  for (unsigned char c : text) lower.push_back(static_cast<char>(std::tolower(c)));
  for (const char* word : {"true", "false", "null", "yes", "no", "on", "off", "y", "n", ".inf", ".nan"})
    if (lower == word) return false;
  return true;
}

std::string scalar(const Json& value) {
  if (value.is_object()) return "{}";
  if (value.is_array()) return "[]";
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    return plain_safe(text) ? text : value.dump();  // a JSON string is a valid double-quoted YAML scalar
  }
  return value.dump();
}

bool nested(const Json& value) {
  return (value.is_object() || value.is_array()) && !value.empty();
}

void emit(const Json& value, int indent, std::string& out);

void emit_item(const Json& item, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (item.is_object() && !item.empty()) {
    std::string block;
    emit(item, indent + 2, block);
    out += pad + "- " + block.substr(static_cast<size_t>(indent) + 2);
  } else if (nested(item)) {
    out += pad + "-\n";
    emit(item, indent + 2, out);
  } else {
    out += pad + "- " + scalar(item) + "\n";
  }
}

void emit(const Json& value, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (value.is_array()) {
    for (const auto& item : value) emit_item(item, indent, out);
    return;
  }
  for (const auto& [k, v] : value.items()) {
    out += pad + scalar(Json(k)) + ":";
    if (nested(v)) {
      out += "\n";
      emit(v, indent + 2, out);
    } else {
      out += " " + scalar(v) + "\n";
    }
  }
}

std::string format_ms(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string format_bytes(std::int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  char buf[32];
  const double kib = static_cast<double>(bytes) / 1024.0;
  if (kib < 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", kib);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", kib / 1024.0);
  return buf;
}

std::string job_kind(const Json& job) {
  const Json containers = job.value("spec", Json::object())
                              .value("template", Json::object())
                              .value("spec", Json::object())
                              .value("containers", Json::array());
  return containers.empty() ? "Job" : containers[0].value("name", "Job");
}

// A path inside the Pod under a PersistentVolumeClaim's mount, as the local folder standing for the claim.
std::string local_path(const Json& job, const std::string& path, const std::filesystem::path& claims_dir) {
  const Json pod = job["spec"]["template"]["spec"];
  const bool relative = !path.empty() && path.front() != '/';  // a name inside the backup folder
  for (const auto& volume : pod.value("volumes", Json::array())) {
    if (!volume.contains("persistentVolumeClaim")) continue;
    const std::string claim = volume["persistentVolumeClaim"].value("claimName", "");
    for (const auto& mount : pod["containers"][0].value("volumeMounts", Json::array())) {
      if (mount.value("name", "") != volume.value("name", "")) continue;
      const std::string at = mount.value("mountPath", "");
      if (relative) return (claims_dir / claim / path).string();
      if (!at.empty() && path.rfind(at + "/", 0) == 0)
        return (claims_dir / claim / path.substr(at.size() + 1)).string();
    }
  }
  return path;
}

std::string heads_text(const std::vector<std::string>& heads) {
  return heads.empty() ? std::string("base") : join(heads, ", ");
}

std::string success_text(const JobReport& report, const Json& job, const std::filesystem::path& claims_dir) {
  std::string out;
  if (report.backup) {
    const auto& b = *report.backup;
    out += ": " + local_path(job, b.file, claims_dir) + " (" + format_bytes(b.size_bytes) + ", sha256 " +
           b.sha256.substr(0, 12) + ")\n";
    return out;
  }
  if (report.result == "noop" || (report.steps.empty() && report.steps_omitted == 0))
    return ": nothing to do, at " + heads_text(report.heads_after) + "\n";
  const auto total = report.steps.size() + static_cast<size_t>(report.steps_omitted);
  out += ": " + heads_text(report.heads_before) + " -> " + heads_text(report.heads_after) + " in " +
         std::to_string(total) + " step(s)\n";
  for (const auto& step : report.steps) {
    char line[160];
    std::snprintf(line, sizeof line, "    %-9s %-20s %10s\n", to_string(step.direction),
                  step.revision.c_str(), format_ms(step.duration_ms).c_str());
    out += line;
  }
  if (report.steps_omitted > 0)
    out += "    (" + std::to_string(report.steps_omitted) + " more step(s) not in the report)\n";
  return out;
}

std::string failure_text(const local::FinishedJob& finished, const std::optional<JobReport>& report) {
  std::string why = finished.outcome.reason.empty() ? "Failed" : finished.outcome.reason;
  std::string detail;
  if (report && report->error) {
    const auto& e = *report->error;
    if (!e.revision.empty()) {
      detail += "revision " + e.revision;
      if (!e.file.empty()) detail += " (" + e.file + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ")";
      detail += ": ";
    }
    if (!e.sqlstate.empty()) detail += "SQLSTATE " + e.sqlstate + ": ";
    detail += e.message;
  } else if (!finished.outcome.message.empty()) {
    detail = finished.outcome.message;
  }
  std::string out = " (" + why + ")" + (detail.empty() ? "" : ": " + detail) + "\n";
  if (!finished.log_file.empty()) out += "    log: " + finished.log_file.string() + "\n";
  return out;
}

}  // namespace

std::string to_yaml(const Json& value, int indent) {
  if (!nested(value)) return std::string(static_cast<size_t>(indent), ' ') + scalar(value) + "\n";
  std::string out;
  emit(value, indent, out);
  return out;
}

std::string display_name(const Json& object, const std::string& default_ns) {
  const Json meta = object.value("metadata", Json::object());
  const std::string ns = meta.value("namespace", default_ns);
  const std::string name = meta.value("name", "");
  return ns == default_ns ? name : ns + "/" + name;
}

std::string phase_line(const Json& resource, const std::string& default_ns) {
  const Json status = resource.value("status", Json::object());
  std::string line = display_name(resource, default_ns) + ": " + status.value("phase", "Pending");
  std::string message;
  for (const char* type : {"Stalled", "Reconciling", "Ready"}) {
    for (const auto& c : status.value("conditions", Json::array())) {
      if (c.value("type", "") == type && c.value("status", "") == "True" && message.empty())
        message = c.value("reason", "") + ": " + c.value("message", "");
    }
  }
  if (!message.empty()) line += " — " + message;
  const std::string job = status.value("activeJob", "");
  if (!job.empty() && message.find(job) == std::string::npos) line += " (Job " + job + ")";
  return redact(line);
}

std::string job_started_line(const Json& job) {
  return "  " + job_kind(job) + " Job " + job["metadata"].value("name", "") + " started\n";
}

std::string job_finished_text(const local::FinishedJob& finished, const std::filesystem::path& claims_dir) {
  const Json& job = finished.job;
  std::optional<JobReport> report;
  if (!finished.outcome.termination_message.empty()) {
    auto parsed = parse_job_report(finished.outcome.termination_message);
    if (parsed.ok()) report = std::move(parsed).value();
  }
  std::string out = "  " + job_kind(job) + " Job " + job["metadata"].value("name", "") +
                    (finished.outcome.succeeded ? " succeeded in " : " failed after ") +
                    format_ms(finished.elapsed.count());
  if (finished.outcome.succeeded)
    out += report ? success_text(*report, job, claims_dir) : "\n";
  else
    out += failure_text(finished, report);
  return redact(out);
}

std::string final_status_yaml(const Json& resource) {
  const Json meta = resource.value("metadata", Json::object());
  Json shown = {{"apiVersion", resource.value("apiVersion", "pgrevise.dev/v1alpha1")},
                {"kind", resource.value("kind", "PostgresMigration")},
                {"metadata",
                 {{"name", meta.value("name", "")},
                  {"namespace", meta.value("namespace", "default")},
                  {"generation", meta.value("generation", 1)}}},
                {"status", resource.value("status", Json::object())}};
  // Insertion order reads better than nlohmann's sorted keys for the top level.
  std::string out = "---\n";
  for (const char* k : {"apiVersion", "kind", "metadata", "status"}) out += to_yaml(Json{{k, shown[k]}});
  return redact(out);
}

}  // namespace pgrevise::app
