#include "common/command_names.h"

#include <gtest/gtest.h>

namespace pgrevise::cli {
namespace {

const std::vector<std::string> kCommands = {"migrate",  "new",   "backup", "restore",
                                            "operator", "apply", "version"};
const std::vector<std::string> kSubcommands = {"upgrade", "downgrade", "current",  "history", "heads",
                                               "stamp",   "show",      "branches", "init"};

TEST(CommandNamesTest, AlembicVerbsAnswerWithPgrevisesName) {
  EXPECT_EQ(unknown_subcommand_message("revision", kSubcommands),
            "'revision' is Alembic's name; in pgrevise it is `pgrevise new -m MESSAGE`");
  EXPECT_EQ(unknown_subcommand_message("merge", kSubcommands),
            "'merge' is Alembic's name; in pgrevise it is `pgrevise new --merge -m MESSAGE`");
  EXPECT_EQ(unknown_command_message("revision", kCommands, kSubcommands),
            "unknown command 'revision'; Alembic's `revision` is `pgrevise new -m MESSAGE` in pgrevise");
}

TEST(CommandNamesTest, FlaskHabitsPointAtMigrate) {
  EXPECT_EQ(unknown_command_message("upgrade", kCommands, kSubcommands),
            "unknown command 'upgrade'; did you mean `pgrevise migrate upgrade`?");
  EXPECT_EQ(unknown_command_message("db", kCommands, kSubcommands),
            "unknown command 'db'; Flask-Migrate's `flask db …` is `pgrevise migrate …`");
}

TEST(CommandNamesTest, TyposGetTheNearestName) {
  EXPECT_EQ(unknown_command_message("migrat", kCommands, kSubcommands),
            "unknown command 'migrat' (did you mean 'migrate'?) (see pgrevise --help)");
  EXPECT_EQ(unknown_subcommand_message("upgarde", kSubcommands),
            "unknown subcommand 'upgarde' (did you mean 'upgrade'?) (see pgrevise migrate --help)");
  EXPECT_EQ(unknown_subcommand_message("frobnicate", kSubcommands),
            "unknown subcommand 'frobnicate' (see pgrevise migrate --help)");
}

}  // namespace
}  // namespace pgrevise::cli
