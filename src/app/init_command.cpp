// `pgrevise init [DIR] [--config toml|yaml]`: starts a project as Alembic's `init` does, with the migrations
// folder and, when asked for, the project's settings file.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/project_config.h"
#include "runner/runner.h"

namespace pgrevise::app {
namespace {

namespace fs = std::filesystem;

cli::CommandSpec init_spec() {
  return cli::CommandSpec{
      .usage = "pgrevise init [DIR] [flags]",
      .summary =
          "Create the migrations folder (DIR, else --dir, else ./migrations) and, with --config, the\n"
          "project's settings file pgrevise.toml or pgrevise.yaml in the current folder.",
      .flags = {{"dir", "DIR", "the migrations folder, when DIR is not given", false, "./migrations"},
                {"config", "toml|yaml", "also write pgrevise.toml or pgrevise.yaml here"},
                {"database-url-env", "VAR", "with --config: the environment variable that holds the URL",
                 false, "DATABASE_URL"},
                {"version-table", "[SCHEMA.]NAME", "with --config: the table of applied heads", false,
                 "alembic_version"},
                cli::output_flag()},
      .max_positional = 1,
      .details =
          "Every command reads pgrevise.toml (or pgrevise.yaml) from the folder it runs in, or the file\n"
          "PGREVISE_CONFIG names; a flag on the command line overrides the file's setting. Example:\n\n" +
          cli::render_project_config({.migrations_dir = "migrations",
                                      .database_url_env = "DATABASE_URL",
                                      .version_table = "alembic_version"},
                                     "toml")};
}

// The settings file --config asks for; refused before anything is written when one exists already.
fs::path settings_file(const cli::ParsedArgs& a) {
  const std::string format = a.get_or("config", "");
  if (format != "toml" && format != "yaml")
    throw_bad_input("--config: expected toml or yaml, got '" + format + "'");
  for (const auto& name : cli::project_config_names())
    if (fs::exists(name)) throw_bad_input("--config: " + name + " already exists; edit it instead");
  return "pgrevise." + format;
}

void write_settings(const cli::ParsedArgs& a, const fs::path& file, const fs::path& dir) {
  const std::string format = a.get_or("config", "");
  const std::string text =
      cli::render_project_config({.migrations_dir = dir.string(),
                                  .database_url_env = a.get_or("database-url-env", "DATABASE_URL"),
                                  .version_table = a.get("version-table")},
                                 format);
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.flush();
  if (!out) throw Error(ErrorKind::kIo, "cannot write " + file.string());
  if (a.get_or("output", "text") == "text")
    std::cout << "Wrote " << file.string() << " (every pgrevise command run in this folder reads it)\n";
}

int run_init(const Args& args) {
  const auto spec = init_spec();
  if (cli::wants_help(args)) {
    std::cout << cli::help_text(spec);
    return kExitOk;
  }
  const auto a = cli::parse(spec, args);
  if (!a.has("config") && a.has("database-url-env"))
    throw_bad_input(
        "--database-url-env is written into the settings file: add --config toml or --config yaml");
  runner::RunnerOptions options;
  options.migrations_dir = a.positional().empty() ? a.get_or("dir", "migrations") : a.positional()[0];
  if (options.migrations_dir.empty()) throw_bad_input("init: expected a folder, got ''");
  if (cli::json_output(a)) options.output = runner::OutputFormat::kJson;
  const fs::path file = a.has("config") ? settings_file(a) : fs::path();
  runner::Runner r(options, SystemClock::instance(), std::cout, std::cerr, PGREVISE_VERSION);
  const int code = r.init();
  if (code == kExitOk && !file.empty()) write_settings(a, file, options.migrations_dir);
  return code;
}

const CommandRegistration init_command("init",
                                       "create the migrations folder and, with --config, pgrevise.toml",
                                       run_init, 9, {},
                                       [] { return cli::CompletionNode{.flags = init_spec().flags}; });

}  // namespace
}  // namespace pgrevise::app
