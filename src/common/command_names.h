#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::cli {

// What pgrevise answers when a word it does not know as a command is one an Alembic or Flask-Migrate user
// types by habit, or a typo. Each answer names the command to type instead; the caller refuses the word as
// bad input (exit 2) with it.

// The message for `pgrevise migrate WORD` when WORD is none of `subcommands`.
std::string unknown_subcommand_message(std::string_view word, const std::vector<std::string>& subcommands);

// The message for `pgrevise WORD` when WORD is none of `commands`: a subcommand of migrate or an Alembic verb
// typed without `migrate` (Flask-Migrate's `flask db upgrade` habit), Flask's `db`, or a typo of a command.
std::string unknown_command_message(std::string_view word, const std::vector<std::string>& commands,
                                    const std::vector<std::string>& migrate_subcommands);

}  // namespace pgrevise::cli
