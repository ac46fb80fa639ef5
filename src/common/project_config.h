#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::cli {

// A project's optional settings file, Alembic's alembic.ini for pgrevise: `pgrevise.toml` or `pgrevise.yaml`
// in the folder a command runs in (or the file PGREVISE_CONFIG names). It holds flat string settings:
//
//   migrations_dir = "db/migrations"       # --dir
//   database_url_env = "APP_DATABASE_URL"  # the environment variable that holds the URL (--database-url)
//   version_table = "app.alembic_version"  # --version-table
//
// (YAML: `migrations_dir: db/migrations`, ...). A flag given on the command line overrides the file; the
// file overrides the environment (PGREVISE_MIGRATIONS_DIR, DATABASE_URL).
struct ProjectConfig {
  std::string file;  // where it was read from
  std::optional<std::string> migrations_dir;
  std::optional<std::string> database_url_env;
  std::optional<std::string> version_table;
};

// The names looked for, in order, in the current folder.
const std::vector<std::string>& project_config_names();

// Parses a file's text; the format follows the name's extension (.toml, else YAML). A TOML file may put the
// settings under a [pgrevise] table. Throws a bad-input Error naming file:line for anything else: another
// table, a nested value, a value that is no string, an unknown key (with the nearest known one).
ProjectConfig parse_project_config(std::string_view text, const std::string& file);

// The text `pgrevise init --config FORMAT` writes ("toml" or "yaml").
std::string render_project_config(const ProjectConfig& config, const std::string& format);

// The flag defaults the file gives a command: dir, version-table, and database-url from the variable
// database_url_env names when `getenv` finds it set.
std::map<std::string, std::string> project_flag_defaults(
    const ProjectConfig& config, const std::function<std::optional<std::string>(const std::string&)>& getenv);

}  // namespace pgrevise::cli
