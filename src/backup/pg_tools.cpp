#include "backup/pg_tools.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "common/error.h"
#include "common/strings.h"

namespace pgrevise::backup {

std::string PgVersion::major_text() const {
  if (major_code >= 1000) return std::to_string(major_code / 100);
  return std::to_string(major_code / 100) + "." + std::to_string(major_code % 100);
}

std::optional<PgVersion> parse_tool_version(std::string_view out) {
  static const std::regex re(R"(\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?([A-Za-z0-9]*))");
  std::string text(out);
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  PgVersion v;
  const int first = std::stoi(m[1].str());
  const int second = m[2].matched ? std::stoi(m[2].str()) : 0;
  v.major_code = first >= 10 ? first * 100 : first * 100 + second;
  v.text = m[1].str() + (m[2].matched ? "." + m[2].str() : "") + (m[3].matched ? "." + m[3].str() : "") +
           m[4].str();
  return v;
}

PgVersion server_version(int num, const std::string& text) {
  PgVersion v;
  v.major_code = num >= 100000 ? (num / 10000) * 100 : num / 100;
  v.text = text.empty() ? std::to_string(num) : std::string(trim(text.substr(0, text.find(' '))));
  return v;
}

std::string ClientTools::tool(std::string_view name) const {
  return bindir.empty() ? std::string(name) : bindir + "/" + std::string(name);
}

std::string ClientTools::where() const {
  return bindir.empty() ? "pg_dump on PATH" : tool("pg_dump");
}

std::vector<std::string> installed_client_dirs(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "pg_dump", ec)) found.emplace_back(std::stoi(name), bin.string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> dirs;
  for (auto& [major, dir] : found) dirs.push_back(std::move(dir));
  return dirs;
}

std::optional<ClientTools> choose_client_tools(const std::vector<ClientTools>& available,
                                               const PgVersion& server) {
  const ClientTools* oldest_newer = nullptr;
  for (const ClientTools& tools : available) {
    if (tools.version.major_code == server.major_code) return tools;
    if (tools.version.major_code > server.major_code &&
        (oldest_newer == nullptr || tools.version.major_code < oldest_newer->version.major_code)) {
      oldest_newer = &tools;
    }
  }
  if (oldest_newer == nullptr) return std::nullopt;
  return *oldest_newer;
}

void refuse_newer_server(const std::vector<ClientTools>& available, const PgVersion& server) {
  std::string found = "no pg_dump was found";
  const auto newest = std::max_element(available.begin(), available.end(), [](const auto& a, const auto& b) {
    return a.version.major_code < b.version.major_code;
  });
  if (newest != available.end()) {
    found = "the newest pg_dump here is " + newest->version.text + " (" + newest->where() + ")";
  }
  throw PgDumpTooOld(
      "PostgreSQL " + server.text + " is newer than every pg_dump available: " + found +
      ", and pg_dump cannot dump a newer server. Use a pgrevise image whose client tools are " +
      server.major_text() + " or newer (spec.job.image), or install the PostgreSQL " + server.major_text() +
      " client tools (Debian: postgresql-client-" + server.major_text() +
      ") and put them first on PATH or in /usr/lib/postgresql/" + server.major_text() + "/bin");
}

void add_connection_environment(ProcessSpec& spec, const ChildConnection& c,
                                const std::string& application_name) {
  if (c.password) spec.env_set["PGPASSWORD"] = *c.password;
  spec.env_set["PGCONNECT_TIMEOUT"] = std::to_string(std::max(1, c.connect_timeout_s));
  spec.env_set["PGAPPNAME"] = application_name;
}

namespace {
void add_dbname(ProcessSpec& spec, const ChildConnection& c) {
  // --dbname takes a whole conninfo; it holds no password (that is in the environment only).
  if (!c.conninfo.empty()) spec.argv.push_back("--dbname=" + c.conninfo);
}
}  // namespace

ProcessSpec pg_dump_spec(const DumpPlan& plan, const ChildConnection& c) {
  ProcessSpec spec;
  spec.argv = {plan.pg_dump, std::string("--format=") + to_string(plan.format)};
  if (!plan.output.empty()) spec.argv.push_back("--file=" + plan.output);
  spec.argv.push_back("--no-password");
  if (plan.format != Format::kPlain || plan.compress > 0) {
    spec.argv.push_back("--compress=" + std::to_string(plan.compress));
  }
  if (plan.format == Format::kDirectory && plan.jobs > 1)
    spec.argv.push_back("--jobs=" + std::to_string(plan.jobs));
  add_dbname(spec, c);
  add_connection_environment(spec, c, "pgrevise-backup");
  spec.timeout = plan.timeout;
  return spec;
}

ProcessSpec pg_dump_version_spec(const std::string& pg_dump) {
  ProcessSpec spec;
  spec.argv = {pg_dump, "--version"};
  spec.timeout = std::chrono::seconds(30);
  return spec;
}

ProcessSpec pg_restore_list_spec(const std::string& pg_restore, const std::string& archive) {
  ProcessSpec spec;
  spec.argv = {pg_restore, "--list", archive};
  return spec;
}

ProcessSpec pg_restore_read_all_spec(const std::string& pg_restore, const std::string& archive) {
  ProcessSpec spec;
  spec.argv = {pg_restore, "--file=/dev/null", archive};
  return spec;
}

ProcessSpec pg_restore_list_stdin_spec(const std::string& pg_restore) {
  ProcessSpec spec;
  spec.argv = {pg_restore, "--list"};
  return spec;
}

ProcessSpec pg_restore_read_stdin_spec(const std::string& pg_restore) {
  ProcessSpec spec;
  spec.argv = {pg_restore, "--file=/dev/null"};
  return spec;
}

void validate_restore_plan(const RestorePlan& plan) {
  if (plan.jobs > 1 && plan.format != Format::kDirectory) {
    throw_bad_input("--jobs: parallel restore needs a directory-format backup; this one is " +
                    std::string(to_string(plan.format)));
  }
  if (plan.jobs > 1 && plan.single_transaction) {
    throw_bad_input("--jobs cannot be combined with a single transaction; add --no-single-transaction");
  }
  if (plan.clean && plan.jobs > 1) {
    throw_bad_input("--clean restores everything in one transaction and cannot run with --jobs");
  }
}

ProcessSpec restore_spec(const RestorePlan& plan, const ChildConnection& c) {
  validate_restore_plan(plan);
  ProcessSpec spec;
  if (plan.format == Format::kPlain) {
    spec.argv = {plan.psql,       "--no-psqlrc",           "--quiet",
                 "--no-password", "--set=ON_ERROR_STOP=1", "--file=" + plan.archive};
    if (plan.single_transaction) spec.argv.push_back("--single-transaction");
  } else {
    spec.argv = {plan.pg_restore, "--no-password", "--exit-on-error"};
    if (plan.single_transaction) spec.argv.push_back("--single-transaction");
    if (plan.jobs > 1) spec.argv.push_back("--jobs=" + std::to_string(plan.jobs));
  }
  add_dbname(spec, c);
  if (plan.format != Format::kPlain) spec.argv.push_back(plan.archive);
  add_connection_environment(spec, c, "pgrevise-restore");
  spec.timeout = plan.timeout;
  return spec;
}

const char* const kDropEverythingSql = R"SQL(
DO $pgrevise$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  IF current_setting('server_version_num')::int >= 150000 THEN
    EXECUTE 'CREATE SCHEMA public AUTHORIZATION pg_database_owner';
    EXECUTE 'GRANT USAGE ON SCHEMA public TO PUBLIC';
  ELSE
    EXECUTE 'CREATE SCHEMA public';
    EXECUTE 'GRANT ALL ON SCHEMA public TO PUBLIC';
  END IF;
  EXECUTE 'COMMENT ON SCHEMA public IS ''standard public schema''';
END
$pgrevise$;
)SQL";

ProcessSpec pg_restore_script_spec(const std::string& pg_restore, const std::string& archive,
                                   const std::string& script) {
  ProcessSpec spec;
  spec.argv = {pg_restore, "--file=" + script, archive};
  return spec;
}

ProcessSpec clean_restore_spec(const RestorePlan& plan, const std::string& drop_sql,
                               const std::string& script, const ChildConnection& c) {
  ProcessSpec spec;
  spec.argv = {plan.psql,
               "--no-psqlrc",
               "--quiet",
               "--no-password",
               "--set=ON_ERROR_STOP=1",
               "--single-transaction",
               "--file=" + drop_sql,
               "--file=" + script};
  add_dbname(spec, c);
  add_connection_environment(spec, c, "pgrevise-restore");
  spec.timeout = plan.timeout;
  return spec;
}

TocSummary parse_toc_list(std::string_view out) {
  TocSummary s;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    std::string_view line =
        out.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? out.size() : end + 1;
    line = trim(line);
    if (line.empty() || line[0] == ';') continue;
    ++s.entries;
    // "3345; 0 16390 TABLE DATA public users postgres"
    if (line.find(" TABLE DATA ") != std::string_view::npos) {
      ++s.table_data;
    } else if (line.find(" TABLE ") != std::string_view::npos) {
      ++s.tables;
    }
  }
  return s;
}

bool plain_dump_trailer_present(std::string_view tail) {
  return tail.find("-- PostgreSQL database dump complete") != std::string_view::npos;
}

}  // namespace pgrevise::backup
