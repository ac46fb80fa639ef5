#include "e2e/e2e_support.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "support/fake_api_schema.h"

namespace pgrevise::e2e {

std::filesystem::path example_migrations() {
  const char* source = std::getenv("PGREVISE_SOURCE_DIR");
  return std::filesystem::path(source == nullptr ? "." : source) / "migrations";
}

Json migrations_config_map(const std::string& ns, const std::string& name, const std::filesystem::path& dir) {
  Json data = Json::object();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    data[entry.path().filename().string()] = text.str();
  }
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", data}};
}

namespace {

// YAML as the API server reads it: plain scalars that look like booleans, numbers or null are typed,
// quoted ones stay strings.
Json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = yaml_to_json(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      for (const auto& item : node) array.push_back(yaml_to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() == "!") return text;
      if (text == "true" || text == "false") return text == "true";
      if (text == "null" || text == "~") return nullptr;
      char* end = nullptr;
      const long long integer = std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && end != nullptr && *end == '\0') return integer;
      const double number = std::strtod(text.c_str(), &end);
      if (!text.empty() && end != nullptr && *end == '\0' &&
          text.find_first_of("0123456789") != std::string::npos)
        return number;
      return text;
    }
    default:
      return nullptr;
  }
}

}  // namespace

std::optional<Json> load_crd(const std::string& file_name) {
  const char* source = std::getenv("PGREVISE_SOURCE_DIR");
  const auto path = std::filesystem::path(source == nullptr ? "." : source) / "crds" / file_name;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return yaml_to_json(YAML::LoadFile(path.string()));
}

void register_crd(testing::FakeApiServer& server) {
  if (auto crd = load_crd("postgresmigrations.pgrevise.dev.yaml"))
    server.register_resource(testing::resource_from_crd(*crd));
}

}  // namespace pgrevise::e2e
