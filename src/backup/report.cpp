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
              {"size_bytes", m.size_bytes},
              {"sha256", m.sha256},
              {"server_version", m.server_version},
              {"pg_dump_version", m.pg_dump_version},
              {"started_at", m.started_at},
              {"finished_at", m.finished_at},
              {"duration_ms", m.duration_ms}};
}

// Cuts lists and messages until the document fits the termination-log limit.
std::string fit(json j) {
  std::string out = redact(j.dump());
  for (int round = 0; out.size() > kMaxReportBytes && round < 20; ++round) {
    bool changed = false;
    for (const char* list : {"deleted", "warnings", "heads_after"}) {
      if (j.contains(list) && j[list].size() > 1) {
        j[list].erase(j[list].size() - 1);
        j[std::string(list) + "_truncated"] = true;
        changed = true;
      }
    }
    if (j.contains("backup") && j["backup"]["heads"].size() > 1) {
      j["backup"]["heads"].erase(j["backup"]["heads"].size() - 1);
      j["backup"]["heads_truncated"] = true;
      changed = true;
    }
    if (!changed && j.contains("error")) {
      std::string msg = j["error"]["message"].get<std::string>();
      j["error"]["message"] = msg.substr(0, msg.size() / 2) + "...";
    } else if (!changed) {
      break;
    }
    out = redact(j.dump());
  }
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
         {"error", {{"kind", to_string(e.kind())}, {"message", redact(e.what())}}}};
  return fit(std::move(j));
}

std::string restore_success_report(const Manifest& m, const std::vector<std::string>& heads_after) {
  json j{{"command", "restore"},
         {"result", "succeeded"},
         {"backup", manifest_json(m)},
         {"heads_after", heads_after}};
  return fit(std::move(j));
}

}  // namespace pgrevise::backup
