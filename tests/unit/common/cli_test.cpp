#include "common/cli.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise::cli {
namespace {

CommandSpec history_spec() {
  return CommandSpec{.usage = "pgrevise migrate history [flags]",
                     .summary = "list revisions",
                     .flags = {{"database-url", "URL", "the database"},
                               {"rev-range", "[FROM]:[TO]", "only revisions in this range", false, "", 'r'},
                               {"verbose", "", "more detail", false, "", 'v'}}};
}

std::string bad_input_message(const std::vector<std::string>& args) {
  try {
    parse(history_spec(), args);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.what();
  }
  return "(accepted)";
}

TEST(CliTest, EditDistanceCountsASwapOfNeighboursOnce) {
  EXPECT_EQ(edit_distance("upgrade", "upgrade"), 0u);
  EXPECT_EQ(edit_distance("upgarde", "upgrade"), 1u);
  EXPECT_EQ(edit_distance("migrat", "migrate"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(CliTest, ClosestMatchOnlyWhenNearEnoughToBeATypo) {
  const std::vector<std::string> commands = {"migrate", "new", "backup", "restore", "operator", "apply"};
  EXPECT_EQ(closest_match("migrat", commands), "migrate");
  EXPECT_EQ(closest_match("backpu", commands), "backup");
  EXPECT_EQ(closest_match("nwe", commands), "new");
  EXPECT_EQ(closest_match("kubectl", commands), std::nullopt);
  EXPECT_EQ(did_you_mean("aply", commands), " (did you mean 'apply'?)");
  EXPECT_EQ(did_you_mean("zzz", commands), "");
}

TEST(CliTest, UnknownFlagSuggestsTheNearestOne) {
  EXPECT_EQ(bad_input_message({"--databse-url", "x"}),
            "unknown flag '--databse-url' (did you mean '--database-url'?) (see --help)");
  EXPECT_EQ(bad_input_message({"--colour"}), "unknown flag '--colour' (see --help)");
}

TEST(CliTest, ShortAliasesAreTheirLongFlags) {
  const auto parsed = parse(history_spec(), {"-r", "a1:b2", "-v"});
  EXPECT_EQ(parsed.get("rev-range"), "a1:b2");
  EXPECT_TRUE(parsed.has("verbose"));
  EXPECT_EQ(bad_input_message({"-x"}), "unknown flag '-x' (see --help)");
  EXPECT_NE(help_text(history_spec()).find("  -r, --rev-range [FROM]:[TO]"), std::string::npos)
      << help_text(history_spec());
}

}  // namespace
}  // namespace pgrevise::cli
