#include "lint/output.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/enum_names.h"
#include "lint/rules.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

// The statement's first lines, as a compiler shows the source: "  12 | CREATE INDEX ...".
std::string excerpt(const Finding& f) {
  static constexpr int kMaxLines = 4;
  std::string out;
  size_t pos = 0;
  for (int n = 0; n < kMaxLines && pos <= f.statement.size(); ++n) {
    const size_t end = std::min(f.statement.find('\n', pos), f.statement.size());
    std::string number = std::to_string(f.line + n);
    out += std::string(number.size() < 5 ? 5 - number.size() : 0, ' ') + number + " | " +
           f.statement.substr(pos, end - pos) + "\n";
    if (end == f.statement.size()) return out;
    pos = end + 1;
  }
  return out + "      | ...\n";
}

std::string render_text(const std::vector<Finding>& findings, size_t statements) {
  std::string out;
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : findings) {
    out += f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " +
           std::string(severity_name(f.severity)) + "[" + f.rule + "]: " + f.message + "\n";
    if (!f.statement.empty()) out += excerpt(f);
    if (!f.help.empty()) out += "      = help: " + f.help + "\n";
    ++counts[static_cast<int>(f.severity)];
  }
  out += std::to_string(findings.size()) + (findings.size() == 1 ? " finding" : " findings") + " (" +
         std::to_string(counts[2]) + " errors, " + std::to_string(counts[1]) + " warnings, " +
         std::to_string(counts[0]) + " info) in " + std::to_string(statements) + " statements\n";
  return out;
}

// One finding as an element of the findings array of the JSON output, written straight from its fields: what
// json::dump(2) writes for the object of its eleven fields (keys in its sorted order, strings escaped by it),
// without building the object first.
void append_finding_json(std::string& out, const Finding& f) {
  const auto field = [&out](std::string_view key, const std::string& value, bool last = false) {
    out.append("      \"").append(key).append("\": ").append(json(value).dump()).append(last ? "\n" : ",\n");
  };
  out.append("    {\n      \"column\": ").append(std::to_string(f.column)).append(",\n");
  field("file", f.file);
  field("help", f.help);
  out.append("      \"line\": ").append(std::to_string(f.line)).append(",\n");
  field("lock", f.lock);
  field("message", f.message);
  field("relation", f.relation);
  field("revision", f.revision);
  field("rule", f.rule);
  field("severity", std::string(severity_name(f.severity)));
  field("statement", f.statement, true);
  out.append("    }");
}

// The findings array's elements, separated by ",\n", written on several threads for a long list.
std::string findings_json(const std::vector<Finding>& findings) {
  constexpr size_t kPerThread = 2000;
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                          (findings.size() + kPerThread - 1) / kPerThread);
  std::vector<std::string> parts(std::max<size_t>(threads, 1));
  std::vector<std::exception_ptr> failures(parts.size());  // text that is not UTF-8, as json::dump throws
  const size_t chunk = (findings.size() + parts.size() - 1) / parts.size();
  auto write = [&](size_t part) {
    try {
      const size_t end = std::min(findings.size(), (part + 1) * chunk);
      for (size_t i = part * chunk; i < end; ++i) {
        if (i > part * chunk) parts[part] += ",\n";
        append_finding_json(parts[part], findings[i]);
      }
    } catch (...) {
      failures[part] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (size_t part = 1; part < parts.size(); ++part) pool.emplace_back(write, part);
  write(0);
  for (auto& t : pool) t.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  std::string out;
  for (auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += ",\n";
    out += part;
  }
  return out;
}

std::string render_json(const std::vector<Finding>& findings, size_t statements) {
  json summary{{"statements", statements}, {"findings", findings.size()}};
  for (Severity s : {Severity::kError, Severity::kWarning, Severity::kInfo}) {
    size_t n = 0;
    for (const auto& f : findings) n += f.severity == s;
    summary[std::string(severity_name(s))] = n;
  }
  std::string out = "{\n  \"findings\": ";
  out += findings.empty() ? "[]" : "[\n" + findings_json(findings) + "\n  ]";
  out += ",\n  \"summary\": {\n";
  for (auto it = summary.begin(); it != summary.end(); ++it)
    out += "    \"" + it.key() + "\": " + it.value().dump() + (std::next(it) == summary.end() ? "\n" : ",\n");
  return out + "  }\n}\n";
}

std::string sarif_level(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}

std::string render_sarif(const std::vector<Finding>& findings) {
  json rules = json::array();
  std::vector<std::string> seen;
  json results = json::array();
  for (const auto& f : findings) {
    if (std::find(seen.begin(), seen.end(), f.rule) == seen.end()) {
      seen.push_back(f.rule);
      const Rule* r = find_rule(f.rule);
      rules.push_back(
          {{"id", f.rule},
           {"shortDescription", {{"text", r ? std::string(r->what) : f.rule}}},
           {"helpUri", "https://github.com/pgrevise/pgrevise/blob/main/docs/safety.md#" + f.rule}});
    }
    json location = {
        {"physicalLocation",
         {{"artifactLocation", {{"uri", f.file}}},
          {"region", {{"startLine", std::max(f.line, 1)}, {"startColumn", std::max(f.column, 1)}}}}}};
    results.push_back({{"ruleId", f.rule},
                       {"level", sarif_level(f.severity)},
                       {"message", {{"text", f.message + (f.help.empty() ? "" : " Help: " + f.help)}}},
                       {"locations", json::array({location})}});
  }
  json out = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({{{"tool", {{"driver", {{"name", "pgrevise lint"}, {"rules", rules}}}}},
                                     {"results", results}}})}};
  return out.dump(2) + "\n";
}

// GitHub's workflow commands: data escapes %, CR and LF; properties also ':' and ','.
std::string escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

std::string render_github(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    const std::string command = f.severity == Severity::kError     ? "error"
                                : f.severity == Severity::kWarning ? "warning"
                                                                   : "notice";
    out += "::" + command + " file=" + escape(f.file, true) + ",line=" + std::to_string(f.line) +
           ",col=" + std::to_string(f.column) + ",title=" + escape(f.rule, true) +
           "::" + escape(f.message + (f.help.empty() ? "" : "\nhelp: " + f.help), false) + "\n";
  }
  return out;
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  static constexpr auto kNames = enum_names<Format>({
      {Format::kText, "text"},
      {Format::kJson, "json"},
      {Format::kSarif, "sarif"},
      {Format::kGithub, "github"},
  });
  return kNames.parse(name);
}

std::string render(const std::vector<Finding>& findings, Format format, size_t statements) {
  switch (format) {
    case Format::kText:
      return render_text(findings, statements);
    case Format::kJson:
      return render_json(findings, statements);
    case Format::kSarif:
      return render_sarif(findings);
    case Format::kGithub:
      return render_github(findings);
  }
  return "";
}

bool any_at_or_above(const std::vector<Finding>& findings, Severity threshold) {
  for (const auto& f : findings)
    if (f.severity != Severity::kOff && f.severity >= threshold) return true;
  return false;
}

}  // namespace pgrevise::lint
