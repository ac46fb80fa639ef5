#include "importer/records.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace pgrevise::importer {

namespace {

using nlohmann::json;

std::vector<std::string> strings_at(const json& record, const char* key) {
  std::vector<std::string> out;
  for (const auto& item : record.at(key)) out.push_back(item.get<std::string>());
  return out;
}

RenderedSection section_from(const json& record, const char* key) {
  RenderedSection section;
  if (!record.contains(key)) return section;
  const json& value = record.at(key);
  for (const auto& s : value.at("segments")) {
    section.segments.push_back(Segment{s.at("autocommit").get<bool>(), strings_at(s, "statements")});
  }
  if (value.contains("error")) section.error = value.at("error").get<std::string>();
  return section;
}

AlembicRevision revision_from(const json& record) {
  AlembicRevision r;
  r.revision = record.at("revision").get<std::string>();
  r.down_revisions = strings_at(record, "down_revisions");
  r.branch_labels = strings_at(record, "branch_labels");
  r.depends_on = strings_at(record, "depends_on");
  r.message = record.at("message").get<std::string>();
  r.path = record.at("path").get<std::string>();
  r.source_sha256 = record.at("source_sha256").get<std::string>();
  r.rendered = record.at("rendered").get<bool>();
  r.upgrade = section_from(record, "upgrade");
  r.downgrade = section_from(record, "downgrade");
  return r;
}

std::string quoted_line(std::string_view line) {
  constexpr size_t kShown = 200;
  return "'" + std::string(line.substr(0, kShown)) + (line.size() > kShown ? "...'" : "'");
}

}  // namespace

AlembicProject parse_driver_output(std::string_view output, const std::string& context) {
  AlembicProject project;
  bool done = false;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = output.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    json record;
    std::string kind;
    try {
      record = json::parse(line);
      kind = record.at("kind").get<std::string>();
      if (kind == "revision") {
        project.revisions.push_back(revision_from(record));
      } else if (kind == "done") {
        project.alembic_version = record.value("alembic", "");
        project.sqlalchemy_version = record.value("sqlalchemy", "");
        done = true;
      }
    } catch (const json::exception& e) {
      throw Error(ErrorKind::kIo, context + ": unexpected output from the Alembic driver (" + e.what() +
                                      "): " + quoted_line(line));
    }
    if (kind == "fatal") throw_bad_input(context + ": " + record.value("error", std::string("(no message)")));
  }
  if (!done)
    throw Error(ErrorKind::kIo, context + ": the Alembic driver ended before it had read the project");
  return project;
}

}  // namespace pgrevise::importer
