#include "support/pgrevise_cli.h"

#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace pgrevise::testing {

std::string source_dir() {
  const char* dir = std::getenv("PGREVISE_SOURCE_DIR");
  if (dir == nullptr) throw std::runtime_error("PGREVISE_SOURCE_DIR is not set: run tests through ctest");
  return dir;
}

ProcessSpec pgrevise_spec(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  const char* binary = std::getenv("PGREVISE_BINARY");
  if (binary == nullptr) throw std::runtime_error("PGREVISE_BINARY is not set: run tests through ctest");
  ProcessSpec spec;
  spec.argv.push_back(binary);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env_unset = {"DATABASE_URL", "PGHOST",     "PGPORT",    "PGDATABASE",
                    "PGUSER",       "PGPASSWORD", "PGSERVICE", "PGREVISE_MIGRATIONS_DIR",
                    "PGPASSFILE"};
  for (const auto& [k, v] : env) spec.env_set[k] = v;
  spec.timeout = std::chrono::minutes(2);
  return spec;
}

ProcessResult run_pgrevise(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env,
                           std::optional<std::string> stdin_data) {
  auto spec = pgrevise_spec(args, env);
  spec.stdin_data = std::move(stdin_data);
  return run_process(spec);
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("pgrevise-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& relative, const std::string& text) const {
  auto p = path_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  return p;
}

std::string TempDir::read(const std::string& relative) const {
  std::ifstream in(path_ / relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string migration(const std::string& revision, const std::string& down_revision,
                      const std::string& upgrade, const std::string& downgrade,
                      const std::string& extra_headers) {
  std::string text = "-- revision: " + revision + "\n";
  if (!down_revision.empty()) text += "-- down_revision: " + down_revision + "\n";
  text += "-- message: revision " + revision + "\n" + extra_headers + "\n-- +upgrade\n" + upgrade + "\n";
  if (!downgrade.empty()) text += "\n-- +downgrade\n" + downgrade + "\n";
  return text;
}

}  // namespace pgrevise::testing
