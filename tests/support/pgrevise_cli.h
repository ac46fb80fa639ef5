#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/process.h"

namespace pgrevise::testing {

// Runs the built `pgrevise` executable (PGREVISE_BINARY) with arguments and extra environment variables, with
// a clean environment as far as database settings go (no DATABASE_URL or PG* leaking in from the caller).
ProcessResult run_pgrevise(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {},
                           std::optional<std::string> stdin_data = std::nullopt);
ProcessSpec pgrevise_spec(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

// A temporary directory removed on destruction, with a helper to write migration files into it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // Writes a file (creating folders) and returns its path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const;
  std::string read(const std::string& relative) const;

 private:
  std::filesystem::path path_;
};

// The text of a migration file in pgrevise's format.
std::string migration(const std::string& revision, const std::string& down_revision,
                      const std::string& upgrade, const std::string& downgrade,
                      const std::string& extra_headers = "");

std::string source_dir();  // PGREVISE_SOURCE_DIR

}  // namespace pgrevise::testing
