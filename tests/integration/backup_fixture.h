#pragma once

// Shared helpers for the backup integration tests: a seeded database, a scratch directory, the pgrevise
// binary run as a child process, and fake pg_dump scripts put first on PATH.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process.h"
#include "support/test_postgres.h"

namespace pgrevise::testing {

namespace fs = std::filesystem;

inline std::string pgrevise_binary() {
  const char* b = std::getenv("PGREVISE_BINARY");
  if (b == nullptr) throw std::runtime_error("PGREVISE_BINARY is not set: run through ctest");
  return b;
}

inline std::string find_on_path(const std::string& tool) {
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin");
  std::string dir;
  while (std::getline(path, dir, ':')) {
    if (::access((dir + "/" + tool).c_str(), X_OK) == 0) return dir + "/" + tool;
  }
  throw std::runtime_error(tool + " not found on PATH");
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The seeded schema: several tables with foreign keys, an index, a view, data in every table and a version
// table with two heads.
inline void seed(const TestDatabase& db, int entries = 200) {
  db.exec(
      "CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text);"
      "CREATE TABLE projects (id serial PRIMARY KEY, owner_id int NOT NULL REFERENCES users(id),"
      "  title text NOT NULL, budget numeric(10,2));"
      "CREATE TABLE time_entries (id bigserial PRIMARY KEY, project_id int REFERENCES projects(id),"
      "  minutes int CHECK (minutes > 0), note text, at timestamptz NOT NULL DEFAULT '2026-01-01');"
      "CREATE INDEX time_entries_project ON time_entries (project_id);"
      "CREATE VIEW project_minutes AS SELECT project_id, sum(minutes) AS minutes FROM time_entries GROUP BY "
      "1;"
      "INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'User ' || g FROM "
      "generate_series(1, 20) g;"
      "INSERT INTO projects (owner_id, title, budget) SELECT 1 + g % 20, 'Project ' || g, g * 10.5"
      "  FROM generate_series(1, 30) g;"
      "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL,"
      "  CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
      "INSERT INTO alembic_version VALUES ('0014a'), ('0013b');");
  db.exec(
      "INSERT INTO time_entries (project_id, minutes, note) SELECT 1 + g % 30, 1 + g % 480, md5(g::text)"
      " FROM generate_series(1, " +
      std::to_string(entries) + ") g;");
}

inline const std::vector<std::string> kSeededTables = {"users", "projects", "time_entries",
                                                       "alembic_version"};

// Count and an order-independent checksum of every row of each table.
inline std::string row_checksums(const TestDatabase& db, const std::vector<std::string>& tables) {
  std::string out;
  for (const auto& t : tables) {
    out += t + "=" +
           db.query(
               "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
               " FROM " +
               t + " t") +
           "\n";
  }
  return out;
}

inline std::string row_checksums(const TestDatabase& db) {
  return row_checksums(db, kSeededTables);
}

// pg_dump --schema-only without the per-run random \restrict key lines.
inline std::string schema_dump(const TestDatabase& db) {
  ProcessSpec spec;
  spec.argv = {"pg_dump", "--schema-only", "--dbname=" + db.url()};
  ProcessResult r = run_process(spec);
  EXPECT_TRUE(r.ok()) << r.err;
  std::stringstream in(r.out);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    scratch =
        fs::temp_directory_path() / ("pgrevise-backup-it-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(scratch);
    out = scratch / "out";
    fakebin = scratch / "bin";
    fs::create_directories(out);
    fs::create_directories(fakebin);
  }
  void TearDown() override { fs::remove_all(scratch); }

  ProcessSpec cli_spec(std::vector<std::string> args) const {
    ProcessSpec spec;
    spec.argv = {pgrevise_binary()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env_unset = {"DATABASE_URL", "PGPASSWORD",         "PGHOST", "PGPORT", "PGUSER",
                      "PGDATABASE",   "PGREVISE_BACKUP_DIR"};
    spec.env_set["PATH"] =
        fakebin.string() + ":" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin");
    spec.timeout = std::chrono::seconds(120);
    return spec;
  }
  ProcessResult cli(std::vector<std::string> args) const { return run_process(cli_spec(std::move(args))); }

  ProcessResult backup(const TestDatabase& db, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"backup", "--database-url", db.url(), "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  }

  nlohmann::json list_json() const {
    ProcessResult r = cli({"backup", "list", "--out", out.string(), "--output", "json"});
    EXPECT_TRUE(r.ok()) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  // A fake tool first on PATH; `body` is a bash script body, $REAL is the real tool.
  void fake_tool(const std::string& tool, const std::string& body) const {
    const fs::path p = fakebin / tool;
    std::ofstream(p) << "#!/bin/bash\nREAL=" << find_on_path(tool) << "\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
  }

  fs::path scratch, out, fakebin;
};

}  // namespace pgrevise::testing
