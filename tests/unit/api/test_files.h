#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/yaml.h"

namespace pgrevise::api::testing {

inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("PGREVISE_SOURCE_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path(PGREVISE_SOURCE_DIR_FALLBACK);
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::vector<Json> load_yaml(const std::filesystem::path& path) {
  return parse_yaml_documents(read_text(path));
}

inline Json load_crd() {
  return load_yaml(source_dir() / "crds" / "postgresmigrations.pgrevise.dev.yaml").at(0);
}

}  // namespace pgrevise::api::testing
