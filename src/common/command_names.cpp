#include "common/command_names.h"

#include <algorithm>
#include <map>

#include "common/cli.h"

namespace pgrevise::cli {

namespace {

struct Renamed {
  std::string tool;     // whose verb it is
  std::string instead;  // the pgrevise command
};

// Alembic's and Flask-Migrate's verbs whose pgrevise command has another name.
const std::map<std::string, Renamed, std::less<>>& renamed_verbs() {
  static const std::map<std::string, Renamed, std::less<>> table = {
      {"revision", {"Alembic", "pgrevise new -m MESSAGE"}},
      // `flask db migrate` autogenerates a revision; pgrevise revisions are SQL written by hand.
      {"migrate", {"Flask-Migrate", "pgrevise new -m MESSAGE"}},
      {"merge", {"Alembic", "pgrevise new --merge -m MESSAGE"}},
      {"edit", {"Alembic", "pgrevise migrate show REV (it prints the file's path)"}},
  };
  return table;
}

}  // namespace

std::string unknown_subcommand_message(std::string_view word, const std::vector<std::string>& subcommands) {
  const std::string typed(word);
  if (auto it = renamed_verbs().find(word); it != renamed_verbs().end())
    return "'" + typed + "' is " + it->second.tool + "'s name; in pgrevise it is `" + it->second.instead +
           "`";
  return "unknown subcommand '" + typed + "'" + cli::did_you_mean(word, subcommands) +
         " (see pgrevise migrate --help)";
}

std::string unknown_command_message(std::string_view word, const std::vector<std::string>& commands,
                                    const std::vector<std::string>& migrate_subcommands) {
  const std::string typed(word);
  if (auto it = renamed_verbs().find(word); it != renamed_verbs().end())
    return "unknown command '" + typed + "'; " + it->second.tool + "'s `" + typed + "` is `" +
           it->second.instead + "` in pgrevise";
  if (typed == "db") return "unknown command 'db'; Flask-Migrate's `flask db …` is `pgrevise migrate …`";
  if (std::find(migrate_subcommands.begin(), migrate_subcommands.end(), typed) != migrate_subcommands.end())
    return "unknown command '" + typed + "'; did you mean `pgrevise migrate " + typed + "`?";
  return "unknown command '" + typed + "'" + cli::did_you_mean(word, commands) + " (see pgrevise --help)";
}

}  // namespace pgrevise::cli
