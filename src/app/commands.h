#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/completion.h"

namespace pgrevise::app {

// Exit codes shared by every command (documented in `pgrevise --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the work failed: a migration or a backup the database refused
inline constexpr int kExitBadInput = 2;  // files, graph, target, flags, spec
inline constexpr int kExitLockNotAcquired = 3;
inline constexpr int kExitConnection = 4;  // database unreachable or authentication failed
// `pgrevise import alembic`: every file was written, but some revisions need their SQL written by hand.
inline constexpr int kExitImportNeedsWork = 5;

using Args = std::vector<std::string>;
using CommandFn = std::function<int(const Args&)>;
// A command's flags and subcommands for shell completion: the same CommandSpecs its --help prints.
using CompletionFn = std::function<cli::CompletionNode()>;

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
  int order = 100;                            // position in `pgrevise --help`
  std::vector<std::string> subcommands = {};  // named when one is typed without its command
  CompletionFn completion = {};               // none: the command's name alone completes
};

// Each command's file registers itself with a static CommandRegistration, so adding a command touches only
// its own file and the source list in CMakeLists.txt.
std::vector<Command>& command_registry();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string summary, CommandFn run, int order = 100,
                      std::vector<std::string> subcommands = {}, CompletionFn completion = {}) {
    command_registry().push_back({std::move(name), std::move(summary), std::move(run), order,
                                  std::move(subcommands), std::move(completion)});
  }
};

// `pgrevise new`, also reachable as `pgrevise migrate new`, and its flags.
int run_new(const Args& args);
cli::CommandSpec new_spec();

}  // namespace pgrevise::app
