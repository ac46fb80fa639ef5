#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/command_names.h"
#include "common/error.h"
#include "common/project_config.h"
#include "common/redact.h"
#include "common/terminal.h"

namespace pgrevise::app {

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}

namespace {

int run_version(const Args& args) {
  const cli::CommandSpec spec{.usage = "pgrevise version [--output text|json]",
                              .summary = "Print the version.",
                              .flags = {cli::output_flag()}};
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(spec).c_str());
    return kExitOk;
  }
  const auto parsed = cli::parse(spec, args);
  if (cli::json_output(parsed))
    std::printf("{\"version\":\"%s\"}\n", PGREVISE_VERSION);
  else
    std::printf("pgrevise %s\n", PGREVISE_VERSION);
  return kExitOk;
}

const CommandRegistration version_command("version", "print the version", run_version, 1000);

std::vector<Command> commands() {
  auto list = command_registry();
  std::stable_sort(list.begin(), list.end(),
                   [](const Command& a, const Command& b) { return a.order < b.order; });
  return list;
}

const cli::CommandSpec kCompletionSpec{
    .usage = "pgrevise completion bash|zsh",
    .summary = "Print a shell completion script for pgrevise's commands, subcommands and flags.",
    .max_positional = 1,
    .details =
        "bash: source <(pgrevise completion bash), e.g. in ~/.bashrc; or save it as\n"
        "  ~/.local/share/bash-completion/completions/pgrevise\n"
        "zsh:  pgrevise completion zsh > \"${fpath[1]}/_pgrevise\" (then start a new shell), or\n"
        "  source <(pgrevise completion zsh) after compinit"};

int run_completion(const Args& args) {
  if (cli::wants_help(args)) {
    std::printf("%s", cli::help_text(kCompletionSpec).c_str());
    return kExitOk;
  }
  const auto parsed = cli::parse(kCompletionSpec, args);
  const std::string shell = parsed.positional().empty() ? "" : parsed.positional()[0];
  if (shell != "bash" && shell != "zsh")
    throw_bad_input("expected the shell: `pgrevise completion bash` or `pgrevise completion zsh`");
  std::vector<cli::CompletionNode> nodes;
  for (const auto& c : commands()) {
    cli::CompletionNode node = c.completion ? c.completion() : cli::CompletionNode{};
    node.name = c.name;
    node.summary = c.summary;
    nodes.push_back(std::move(node));
  }
  const std::string script = shell == "bash" ? cli::bash_completion(nodes) : cli::zsh_completion(nodes);
  std::fwrite(script.data(), 1, script.size(), stdout);
  return kExitOk;
}

const CommandRegistration completion_command(
    "completion", "print a bash or zsh completion script", run_completion, 900, {}, [] {
      return cli::CompletionNode{.subcommands = {{.name = "bash"}, {.name = "zsh"}}};
    });

void print_help() {
  std::printf(
      "pgrevise keeps PostgreSQL databases at the schema revision a PostgresMigration resource declares.\n"
      "It is the operator, the migration runner inside its Jobs, and a command-line tool.\n\n"
      "Usage: pgrevise COMMAND [ARGS] [--help]\n\nCommands:\n");
  for (const auto& c : commands()) std::printf("  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::printf(
      "\nExit codes:\n"
      "  0  success\n"
      "  1  the work failed (a migration or backup the database refused; details on stderr and in --report)\n"
      "  2  bad input (migration files, revision graph, target, flags, resource spec)\n"
      "  3  the migration lock is held by another runner (see --lock-wait)\n"
      "  4  the database is unreachable or refused the credentials\n"
      "  5  import alembic: some revisions need their SQL written by hand\n");
}

// The project's settings file (common/project_config.h): the one PGREVISE_CONFIG names, else the first of
// pgrevise.toml, pgrevise.yaml and pgrevise.yml in the current folder. Its settings become flag defaults.
void load_project_settings() {
  std::string file;
  if (const char* named = std::getenv("PGREVISE_CONFIG"); named != nullptr && *named != '\0') {
    file = named;
    if (!std::filesystem::is_regular_file(file))
      throw_bad_input("PGREVISE_CONFIG names " + file + ", which is no file");
  } else {
    for (const auto& name : cli::project_config_names()) {
      if (std::filesystem::exists(name)) {
        file = name;
        break;
      }
    }
  }
  if (file.empty()) return;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + file);
  const auto config = cli::parse_project_config(text.str(), file);
  cli::set_project_defaults(cli::project_flag_defaults(config, [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  }));
}

int exit_code_for(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kBadInput:
      return kExitBadInput;
    case ErrorKind::kLockNotAcquired:
      return kExitLockNotAcquired;
    case ErrorKind::kConnection:
      return kExitConnection;
    default:
      return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] == "--version") args[0] = "version";
  for (const auto& c : commands()) {
    if (args[0] != c.name) continue;
    try {
      if (c.name != "version" && c.name != "completion") load_project_settings();
      return c.run(Args(args.begin() + 1, args.end()));
    } catch (const Error& e) {
      const auto prefix = cli::paint("pgrevise " + c.name + ":", cli::Colour::kRed, cli::colour_wanted(2));
      std::fprintf(stderr, "%s %s\n", prefix.c_str(), redact(e.what()).c_str());
      return exit_code_for(e);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pgrevise %s: internal error: %s\n", c.name.c_str(), redact(e.what()).c_str());
      return kExitFailed;
    }
  }
  std::vector<std::string> names, migrate_subcommands;
  for (const auto& c : commands()) {
    names.push_back(c.name);
    if (c.name == "migrate") migrate_subcommands = c.subcommands;
  }
  std::fprintf(stderr, "pgrevise: %s\n",
               cli::unknown_command_message(args[0], names, migrate_subcommands).c_str());
  return kExitBadInput;
}

}  // namespace pgrevise::app

int main(int argc, char** argv) {
  return pgrevise::app::main(argc, argv);
}
