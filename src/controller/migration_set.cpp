#include "controller/migration_set.h"

#include <algorithm>
#include <map>

#include "common/base64.h"
#include "revision/errors.h"
#include "revision/script.h"

namespace pgrevise::controller {
namespace {

bool is_migration_key(const std::string& key) {
  return key.size() > 4 && key.compare(key.size() - 4, 4, ".sql") == 0;
}

// key -> file text, from data and binaryData.
std::map<std::string, std::string> migration_files(const nlohmann::json& config_map,
                                                   std::vector<revision::Problem>& problems) {
  std::map<std::string, std::string> files;
  auto refuse = [&](const std::string& key, std::string message) {
    problems.push_back({key, 0, revision::RevisionErrorCode::kParse, std::move(message)});
  };
  for (const char* field : {"data", "binaryData"}) {
    auto it = config_map.find(field);
    if (it != config_map.end() && !it->is_null() && !it->is_object()) {
      refuse("", std::string(field) + " is not a map of file names to contents");
    }
  }
  if (auto it = config_map.find("data"); it != config_map.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!is_migration_key(key)) continue;
      if (value.is_string()) {
        files[key] = value.get<std::string>();
      } else {
        refuse(key, "the value under data is not text");
      }
    }
  }
  if (auto it = config_map.find("binaryData"); it != config_map.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!is_migration_key(key)) continue;
      if (!value.is_string()) {
        refuse(key, "the value under binaryData is not base64 text");
        continue;
      }
      try {
        files[key] = base64_decode(value.get<std::string>(), "binaryData." + key);
      } catch (const Error& e) {
        problems.push_back({key, 0, revision::RevisionErrorCode::kParse, e.what()});
      }
    }
  }
  return files;
}

}  // namespace

MigrationSet load_migration_set(const nlohmann::json& config_map) {
  std::vector<revision::Problem> problems;
  auto files = migration_files(config_map, problems);
  std::vector<revision::Script> scripts;
  std::vector<std::string> keys;
  for (const auto& [key, text] : files) {
    keys.push_back(key);
    if (auto script = revision::parse_script(text, key, problems)) scripts.push_back(std::move(*script));
  }
  if (files.empty() && problems.empty()) {
    problems.push_back(
        {"", 0, revision::RevisionErrorCode::kParse, "the ConfigMap holds no *.sql migration file"});
  }
  if (!problems.empty()) throw revision::RevisionError(std::move(problems));
  return MigrationSet{revision::RevisionGraph::build(std::move(scripts)), std::move(keys)};
}

}  // namespace pgrevise::controller
