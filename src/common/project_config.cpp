#include "common/project_config.h"

#include "common/cli.h"
#include "common/error.h"
#include "common/strings.h"

namespace pgrevise::cli {

namespace {

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"migrations_dir", "database_url_env", "version_table"};
  return keys;
}

[[noreturn]] void refuse(const std::string& file, size_t line, const std::string& message) {
  throw_bad_input(file + ":" + std::to_string(line) + ": " + message);
}

// The text up to a '#' that is outside quotes.
std::string_view without_comment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

// A quoted string ("..." with \" and \\ escapes, or '...' as it stands), or for YAML a bare word.
std::string value_of(std::string_view raw, bool bare_allowed, const std::string& file, size_t line) {
  const std::string_view v = trim(raw);
  if (v.empty()) refuse(file, line, "the value is missing");
  if (v.front() == '\'' || v.front() == '"') {
    if (v.size() < 2 || v.back() != v.front()) refuse(file, line, "the quoted value does not end");
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v.front() == '"' && v[i] == '\\' && i + 2 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  if (!bare_allowed) refuse(file, line, "expected a quoted string, e.g. key = \"value\"");
  if (v.front() == '{' || v.front() == '[' || v.front() == '|' || v.front() == '>')
    refuse(file, line, "expected a string, not a nested value");
  return std::string(v);
}

void set(ProjectConfig& config, const std::string& key, std::string value, const std::string& file,
         size_t line) {
  std::optional<std::string>* slot = key == "migrations_dir"     ? &config.migrations_dir
                                     : key == "database_url_env" ? &config.database_url_env
                                     : key == "version_table"    ? &config.version_table
                                                                 : nullptr;
  if (slot == nullptr) refuse(file, line, "unknown setting '" + key + "'" + did_you_mean(key, known_keys()));
  if (*slot) refuse(file, line, "'" + key + "' is set twice");
  if (value.empty()) refuse(file, line, "'" + key + "' is empty");
  *slot = std::move(value);
}

}  // namespace

const std::vector<std::string>& project_config_names() {
  static const std::vector<std::string> names = {"pgrevise.toml", "pgrevise.yaml", "pgrevise.yml"};
  return names;
}

ProjectConfig parse_project_config(std::string_view text, const std::string& file) {
  const bool toml = file.size() >= 5 && file.substr(file.size() - 5) == ".toml";
  ProjectConfig config{.file = file};
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string_view line = trim(without_comment(raw));
    if (line.empty() || line == "---") continue;
    if (toml && line.front() == '[') {
      if (line != "[pgrevise]")
        refuse(file, number, "unknown table " + std::string(line) + " (only [pgrevise])");
      continue;
    }
    if (!toml && raw.find_first_not_of(" \t") != 0)
      refuse(file, number, "expected `key: value` at the start of the line (settings are not nested)");
    const size_t sep = line.find(toml ? '=' : ':');
    if (sep == std::string_view::npos)
      refuse(file, number, toml ? "expected key = \"value\"" : "expected key: value");
    const std::string key(trim(line.substr(0, sep)));
    set(config, key, value_of(line.substr(sep + 1), !toml, file, number), file, number);
  }
  return config;
}

std::string render_project_config(const ProjectConfig& config, const std::string& format) {
  const bool toml = format == "toml";
  auto line = [&](const std::string& key, const std::optional<std::string>& value, const std::string& note) {
    if (!value) return std::string();
    std::string quoted = "\"";
    for (char c : *value) quoted += (c == '"' || c == '\\') ? std::string{'\\', c} : std::string(1, c);
    quoted += "\"";
    return "# " + note + "\n" + key + (toml ? " = " : ": ") + quoted + "\n";
  };
  return "# pgrevise's settings for this project; a flag on the command line overrides each of them.\n" +
         line("migrations_dir", config.migrations_dir, "the folder of migration files (--dir)") +
         line("database_url_env", config.database_url_env,
              "the environment variable that holds the database URL (--database-url)") +
         line("version_table", config.version_table, "the table of applied heads (--version-table)");
}

std::map<std::string, std::string> project_flag_defaults(
    const ProjectConfig& config,
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::map<std::string, std::string> defaults;
  if (config.migrations_dir) defaults["dir"] = *config.migrations_dir;
  if (config.version_table) defaults["version-table"] = *config.version_table;
  if (config.database_url_env)
    if (auto url = getenv(*config.database_url_env); url && !url->empty()) defaults["database-url"] = *url;
  return defaults;
}

}  // namespace pgrevise::cli
