#include "importer/generated_file.h"

#include <algorithm>

#include "common/hash.h"
#include "revision/script.h"

namespace pgrevise::importer {

namespace {

constexpr std::string_view kStampPrefix = "-- Imported from Alembic (pgrevise import alembic): ";
constexpr std::string_view kSourceHash = ", source sha256 ";
constexpr std::string_view kFileHash = ", file sha256 ";

std::string join_statements(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& s : statements) out += (out.empty() ? "" : "\n\n") + s;
  return out;
}

// Every line of `text` as a comment.
std::string commented(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    out += (line.empty() ? std::string("--") : "-- " + std::string(line)) + "\n";
    pos = end + 1;
  }
  return out;
}

std::string failed_section_sql(const RenderedSection& section, bool transactional) {
  std::string out = "-- Alembic could not render this section offline:\n" + commented(*section.error) +
                    "-- Write its SQL here, then remove the `-- needs_sql:` header line.\n";
  const std::string partial = section_sql(RenderedSection{section.segments, std::nullopt}, transactional);
  if (!partial.empty()) out += "-- What Alembic rendered before the error:\n" + commented(partial);
  return out;
}

// The text without the line that starts at `line_start` (and its line break).
std::string without_line(std::string_view text, size_t line_start) {
  size_t end = text.find('\n', line_start);
  end = end == std::string_view::npos ? text.size() : end + 1;
  return std::string(text.substr(0, line_start)) + std::string(text.substr(end));
}

std::string header(const AlembicRevision& r, bool transactional, bool upgrade_fails, bool downgrade_fails) {
  std::string out = "-- revision: " + revision::header_id(r.revision) + "\n";
  if (!r.down_revisions.empty())
    out += "-- down_revision: " + revision::header_id_list(r.down_revisions) + "\n";
  if (!r.message.empty()) out += "-- message: " + r.message + "\n";
  if (!r.branch_labels.empty())
    out += "-- branch_labels: " + revision::header_id_list(r.branch_labels) + "\n";
  if (!r.depends_on.empty()) out += "-- depends_on: " + revision::header_id_list(r.depends_on) + "\n";
  if (!transactional) out += "-- transactional: false\n";
  if (upgrade_fails || downgrade_fails)
    out += revision::needs_sql_line(upgrade_fails, downgrade_fails) + "\n";
  return out;
}

std::string file_stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (const size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

}  // namespace

bool runs_outside_one_transaction(const AlembicRevision& r) {
  for (const auto* section : {&r.upgrade, &r.downgrade}) {
    size_t transactions = 0;
    for (const auto& segment : section->segments) {
      if (segment.autocommit) return true;
      ++transactions;  // the driver leaves out empty segments: two in a row were split by a commit
    }
    if (transactions > 1) return true;
  }
  return false;
}

std::string section_sql(const RenderedSection& section, bool transactional) {
  std::string out;
  for (const auto& segment : section.segments) {
    std::string text = join_statements(segment.statements);
    // Outside autocommit_block(), Alembic ran these statements in the migration's transaction; in a
    // non-transactional file each would otherwise commit on its own.
    if (!transactional && !segment.autocommit && segment.statements.size() > 1)
      text = "BEGIN;\n\n" + text + "\n\nCOMMIT;";
    out += (out.empty() ? "" : "\n\n") + text;
  }
  return out;
}

GeneratedFile generate_file(const AlembicRevision& r) {
  GeneratedFile file;
  file.file_name = file_stem(r.path) + ".sql";
  file.upgrade_needs_sql = r.upgrade.error.has_value();
  file.downgrade_needs_sql = r.downgrade.error.has_value();
  const bool transactional = !runs_outside_one_transaction(r);
  std::string body = header(r, transactional, file.upgrade_needs_sql, file.downgrade_needs_sql) + "\n";
  for (const auto& [marker, section] :
       {std::pair{"-- +upgrade\n", &r.upgrade}, {"-- +downgrade\n", &r.downgrade}}) {
    std::string sql =
        section->error ? failed_section_sql(*section, transactional) : section_sql(*section, transactional);
    if (sql.empty()) sql = "-- (Alembic renders no SQL for this section)";
    if (sql.back() != '\n') sql += '\n';
    body += std::string(marker) + sql + (section == &r.upgrade ? "\n" : "");
  }
  const std::string stamp = std::string(kStampPrefix) + r.path + std::string(kSourceHash) + r.source_sha256 +
                            std::string(kFileHash) + sha256_hex(body) + "\n";
  file.text = stamp + body;
  return file;
}

std::optional<ImportStamp> read_import_stamp(std::string_view text) {
  size_t line_start = 0;
  while (line_start < text.size() && text.substr(line_start, kStampPrefix.size()) != kStampPrefix) {
    const size_t next = text.find('\n', line_start);
    if (next == std::string_view::npos) return std::nullopt;
    line_start = next + 1;
  }
  if (line_start >= text.size()) return std::nullopt;
  const size_t line_end = std::min(text.find('\n', line_start), text.size());
  std::string_view line =
      text.substr(line_start + kStampPrefix.size(), line_end - line_start - kStampPrefix.size());
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t file_hash = line.rfind(kFileHash);
  const size_t source_hash = line.rfind(kSourceHash, file_hash);
  if (file_hash == std::string_view::npos || source_hash == std::string_view::npos) return std::nullopt;
  ImportStamp stamp;
  stamp.source_path = std::string(line.substr(0, source_hash));
  const size_t source_at = source_hash + kSourceHash.size();
  stamp.source_sha256 = std::string(line.substr(source_at, file_hash - source_at));
  const std::string recorded(line.substr(file_hash + kFileHash.size()));
  stamp.unedited = sha256_hex(without_line(text, line_start)) == recorded;
  return stamp;
}

}  // namespace pgrevise::importer
