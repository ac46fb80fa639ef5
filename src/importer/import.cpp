#include "importer/import.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <system_error>

#include "common/error.h"
#include "importer/generated_file.h"
#include "importer/records.h"
#include "revision/loader.h"

namespace pgrevise::importer {

namespace fs = std::filesystem;

namespace {

// A file of OUTPUT that already declares a revision.
struct ExistingFile {
  fs::path path;
  std::optional<ImportStamp> stamp;  // nullopt: written by hand
  bool needs_sql = false;
  bool imported_unedited() const { return stamp && stamp->unedited; }
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + path.string());
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  // Written beside the target and renamed over it, so an interrupted import never leaves half a file.
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Error(ErrorKind::kIo, "cannot write " + partial.string());
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec)
    throw Error(ErrorKind::kIo,
                "cannot rename " + partial.string() + " to " + path.string() + ": " + ec.message());
}

void check_source(const fs::path& source) {
  std::error_code ec;
  if (!fs::exists(source, ec))
    throw_bad_input(source.string() +
                    ": no such file or folder (give alembic.ini or a Flask-Migrate migrations/ folder)");
  if (fs::is_directory(source, ec) && !fs::exists(source / "env.py", ec))
    throw_bad_input(source.string() +
                    " is a folder without env.py: give alembic.ini, or the Flask-Migrate migrations/ folder "
                    "that holds env.py");
}

std::map<std::string, ExistingFile> existing_files(const fs::path& output_dir) {
  std::map<std::string, ExistingFile> out;
  std::error_code ec;
  if (!fs::exists(output_dir, ec)) return out;
  auto loaded = revision::scan_directory(output_dir);
  if (!loaded.problems.empty()) {
    std::string message = "the files already in " + output_dir.string() +
                          " must parse before an import adds to them (nothing was written):";
    for (const auto& p : loaded.problems) message += "\n  " + p.to_string();
    throw_bad_input(message);
  }
  for (const auto& script : loaded.scripts) {
    ExistingFile file{output_dir / script.file, std::nullopt,
                      script.upgrade_needs_sql || script.downgrade_needs_sql};
    file.stamp = read_import_stamp(read_text(file.path));
    out.emplace(script.revision, std::move(file));
  }
  return out;
}

// What the driver is told not to render: every revision whose file stays as it is unless its source changed.
std::string driver_request(const std::map<std::string, ExistingFile>& existing) {
  nlohmann::json skip = nlohmann::json::object();
  for (const auto& [revision, file] : existing) {
    if (!file.imported_unedited()) {
      skip[revision] = "*";
    } else if (!file.needs_sql) {
      skip[revision] = file.stamp->source_sha256;
    }
  }
  return nlohmann::json{{"skip", skip}}.dump();
}

AlembicProject run_driver(const ImportRequest& request, AlembicDriver& driver,
                          const std::string& driver_request) {
  const DriverRun run = driver.run(request.source, driver_request);
  const std::string context = "Alembic on " + request.source.string();
  try {
    return parse_driver_output(run.out, context);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (e.kind() == ErrorKind::kBadInput &&
        (message.find("No module named 'alembic'") != std::string::npos ||
         message.find("No module named 'sqlalchemy'") != std::string::npos))
      throw_bad_input(message + " (choose the Python that has the project's Alembic with --python)");
    if (e.kind() == ErrorKind::kBadInput || run.exit_code == 0) throw;
    constexpr size_t kTail = 2000;
    const std::string tail =
        run.err.size() > kTail ? "..." + run.err.substr(run.err.size() - kTail) : run.err;
    throw Error(ErrorKind::kIo, context + ": the driver exited with status " + std::to_string(run.exit_code) +
                                    (tail.empty() ? std::string() : ":\n" + tail));
  }
}

// A file name in OUTPUT no other file holds: the Python file's stem, or that with the revision id appended.
fs::path free_path(const fs::path& output_dir, const GeneratedFile& file, const std::string& revision) {
  std::error_code ec;
  fs::path path = output_dir / file.file_name;
  if (!fs::exists(path, ec)) return path;
  std::string safe = revision;
  std::replace_if(
      safe.begin(), safe.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return output_dir / (fs::path(file.file_name).stem().string() + "_" + safe + ".sql");
}

RevisionOutcome write_revision(const AlembicRevision& r, const ExistingFile* existing,
                               const fs::path& output_dir) {
  const GeneratedFile file = generate_file(r);
  RevisionOutcome outcome{.revision = r.revision, .source = r.path};
  outcome.rewritten = existing != nullptr;
  outcome.file = existing ? existing->path : free_path(output_dir, file, r.revision);
  write_text(outcome.file, file.text);
  if (r.upgrade.error) outcome.errors.push_back("upgrade: " + *r.upgrade.error);
  if (r.downgrade.error) outcome.errors.push_back("downgrade: " + *r.downgrade.error);
  outcome.kind =
      outcome.errors.empty() ? RevisionOutcome::Kind::kConverted : RevisionOutcome::Kind::kNeedsSql;
  return outcome;
}

RevisionOutcome kept(const AlembicRevision& r, const ExistingFile& existing) {
  RevisionOutcome outcome{.revision = r.revision, .source = r.path, .file = existing.path};
  outcome.kind =
      existing.imported_unedited() ? RevisionOutcome::Kind::kUnchanged : RevisionOutcome::Kind::kKeptEdited;
  outcome.source_changed = existing.stamp && existing.stamp->source_sha256 != r.source_sha256;
  outcome.file_needs_sql = existing.needs_sql;
  return outcome;
}

}  // namespace

size_t ImportReport::count(RevisionOutcome::Kind kind) const {
  return static_cast<size_t>(std::count_if(outcomes.begin(), outcomes.end(),
                                           [kind](const RevisionOutcome& o) { return o.kind == kind; }));
}

bool ImportReport::needs_work() const {
  return std::any_of(outcomes.begin(), outcomes.end(), [](const RevisionOutcome& o) {
    return o.kind == RevisionOutcome::Kind::kNeedsSql || o.file_needs_sql;
  });
}

ImportReport import_alembic(const ImportRequest& request, AlembicDriver& driver) {
  check_source(request.source);
  const auto existing = existing_files(request.output_dir);
  AlembicProject project = run_driver(request, driver, driver_request(existing));
  std::error_code ec;
  fs::create_directories(request.output_dir, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot create " + request.output_dir.string() + ": " + ec.message());
  ImportReport report{.alembic_version = project.alembic_version,
                      .sqlalchemy_version = project.sqlalchemy_version};
  // Alembic walks from the heads down; a report reads better from the bases up.
  std::reverse(project.revisions.begin(), project.revisions.end());
  for (const auto& r : project.revisions) {
    const auto found = existing.find(r.revision);
    const ExistingFile* file = found == existing.end() ? nullptr : &found->second;
    if (file != nullptr && (!r.rendered || !file->imported_unedited())) {
      report.outcomes.push_back(kept(r, *file));  // a file edited by hand is never written over
    } else if (r.rendered) {
      report.outcomes.push_back(write_revision(r, file, request.output_dir));
    } else {
      throw Error(ErrorKind::kIo,
                  "the Alembic driver skipped revision " + r.revision + ", which has no file");
    }
  }
  return report;
}

}  // namespace pgrevise::importer
