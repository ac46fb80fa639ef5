#pragma once

#include <string>
#include <vector>

#include "common/cli.h"

namespace pgrevise::cli {

// One command as shell completion sees it: its name, its flags (the CommandSpec `--help` prints) and its
// subcommands. The executable builds the tree from the same command table as `pgrevise --help`.
struct CompletionNode {
  std::string name;
  std::string summary;
  std::vector<FlagSpec> flags;
  std::vector<CompletionNode> subcommands;
};

// A bash completion script for `pgrevise` (source it, or put it in bash-completion's completions folder):
// commands, subcommands and each one's flags; a flag's value completes as a file name where it names a
// FILE, DIR or PATH, and as its listed words where its value names them (text|json).
std::string bash_completion(const std::vector<CompletionNode>& commands);

// The same for zsh (`#compdef pgrevise`; put it on $fpath as _pgrevise, or source it after compinit), with
// each command's and flag's summary shown beside it.
std::string zsh_completion(const std::vector<CompletionNode>& commands);

}  // namespace pgrevise::cli
