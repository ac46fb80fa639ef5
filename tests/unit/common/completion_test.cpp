#include "common/completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/terminal.h"

namespace pgrevise::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<CompletionNode> table() {
  return {{.name = "migrate",
           .summary = "runner",
           .subcommands = {{.name = "upgrade",
                            .summary = "apply revisions.\nMore.",
                            .flags = {{"dir", "DIR", "directory [of files]"},
                                      {"output", "text|json", "format"},
                                      {"sql", "", "print it: don't run"}}}}},
          {.name = "version", .summary = "print the version"}};
}

TEST(Completion, BashOffersCommandsSubcommandsFlagsAndValues) {
  const std::string script = bash_completion(table());
  EXPECT_THAT(script, HasSubstr("\"\") opts=\"--help --version migrate version\" ;;"));
  EXPECT_THAT(script, HasSubstr("\"migrate\") opts=\"--help upgrade\" ;;"));
  EXPECT_THAT(script, HasSubstr("\"migrate upgrade\") opts=\"--help --dir --output --sql\" ;;"));
  EXPECT_THAT(script, HasSubstr("\"migrate upgrade --output\") COMPREPLY=($(compgen -W \"text json\""));
  EXPECT_THAT(script, HasSubstr("\"migrate upgrade --dir\") COMPREPLY=($(compgen -f"));
  EXPECT_THAT(script, Not(HasSubstr("--sql\") COMPREPLY")));  // a switch takes no value
  EXPECT_THAT(script, HasSubstr("complete -o default -F _pgrevise pgrevise\n"));
}

TEST(Completion, ZshDescribesEachCommandAndFlag) {
  const std::string script = zsh_completion(table());
  EXPECT_EQ(script.rfind("#compdef pgrevise\n", 0), 0u);
  EXPECT_THAT(script, HasSubstr("    'migrate:runner'\n"));
  EXPECT_THAT(script, HasSubstr("    'upgrade:apply revisions'\n"));  // the first line, no full stop
  EXPECT_THAT(script, HasSubstr("_pgrevise_migrate_upgrade() {"));
  EXPECT_THAT(script, HasSubstr("'--dir[directory \\[of files\\]]:DIR:_files'"));
  EXPECT_THAT(script, HasSubstr("'--output[format]:text|json:(text json)'"));
  EXPECT_THAT(script, HasSubstr("'--sql[print it: don'\\''t run]'"));
}

TEST(Terminal, ColourOnlyOnATerminalAndNeverWithNoColor) {
  EXPECT_TRUE(colour_wanted(true, nullptr, nullptr, "xterm-256color"));
  EXPECT_FALSE(colour_wanted(false, nullptr, nullptr, "xterm"));  // a pipe or a file
  EXPECT_FALSE(colour_wanted(true, "1", nullptr, "xterm"));
  EXPECT_FALSE(colour_wanted(true, "1", "1", "xterm"));    // NO_COLOR wins
  EXPECT_TRUE(colour_wanted(true, "", nullptr, "xterm"));  // an empty NO_COLOR is unset
  EXPECT_TRUE(colour_wanted(false, nullptr, "1", nullptr));
  EXPECT_FALSE(colour_wanted(false, nullptr, "0", nullptr));
  EXPECT_FALSE(colour_wanted(true, nullptr, nullptr, "dumb"));
  EXPECT_EQ(paint("failed", Colour::kRed, true), "\033[1;31mfailed\033[0m");
  EXPECT_EQ(paint("failed", Colour::kRed, false), "failed");
}

}  // namespace
}  // namespace pgrevise::cli
