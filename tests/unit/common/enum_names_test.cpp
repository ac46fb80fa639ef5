#include "common/enum_names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgrevise {
namespace {

enum class Colour { kRed, kGreen, kBlue };
struct Light {
  enum class State : unsigned char { kOff, kOn };
};
enum class Sparse { kA = 1, kB = 5, kAlias = 5 };

constexpr auto kColourNames =
    enum_names<Colour>({{Colour::kRed, "red"}, {Colour::kGreen, "green"}, {Colour::kBlue, "blue"}});

TEST(EnumNames, NamesAValue) {
  EXPECT_STREQ(kColourNames.name(Colour::kGreen), "green");
  static_assert(std::string_view(kColourNames.name(Colour::kBlue)) == "blue");
}

TEST(EnumNames, AValueThatIsNoEnumeratorGetsTheFallback) {
  EXPECT_STREQ(kColourNames.name(static_cast<Colour>(7), "unknown"), "unknown");
  EXPECT_STREQ(kColourNames.name(static_cast<Colour>(7)), "");
}

TEST(EnumNames, ParsesANameBackToItsValue) {
  EXPECT_EQ(kColourNames.parse("red"), Colour::kRed);
  EXPECT_EQ(kColourNames.parse("blue"), Colour::kBlue);
  static_assert(kColourNames.parse("green") == Colour::kGreen);
}

TEST(EnumNames, ParsesOnlyTheExactName) {
  EXPECT_EQ(kColourNames.parse("Red"), std::nullopt);
  EXPECT_EQ(kColourNames.parse("re"), std::nullopt);
  EXPECT_EQ(kColourNames.parse(""), std::nullopt);
}

TEST(EnumNames, IteratesInTheTablesOrder) {
  std::vector<std::string> names;
  for (const auto& [value, name] : kColourNames) names.emplace_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(kColourNames.size(), 3u);
}

// What enum_names() checks at compile time, so that a table missing an enumerator does not build.
TEST(EnumNames, ATableMustNameEveryEnumeratorOnce) {
  static_assert(kColourNames.names_every_enumerator());
  static_assert(
      !EnumNames<Colour, 2>({{Colour::kRed, "red"}, {Colour::kGreen, "green"}}).names_every_enumerator(),
      "an enumerator left out");
  static_assert(
      !EnumNames<Colour, 3>({{Colour::kRed, "red"}, {Colour::kRed, "rouge"}, {Colour::kBlue, "blue"}})
           .names_every_enumerator(),
      "a value named twice");
  static_assert(
      !EnumNames<Colour, 3>({{Colour::kRed, "red"}, {Colour::kGreen, "red"}, {Colour::kBlue, "blue"}})
           .names_every_enumerator(),
      "a name given twice");
  static_assert(!EnumNames<Colour, 4>({{Colour::kRed, "red"},
                                       {Colour::kGreen, "green"},
                                       {Colour::kBlue, "blue"},
                                       {static_cast<Colour>(3), "cast"}})
                     .names_every_enumerator(),
                "a value that is no enumerator");
}

TEST(EnumNames, CountsEnumeratorsOfNestedAndSparseEnums) {
  static_assert(enum_names<Light::State>({{Light::State::kOff, "off"}, {Light::State::kOn, "on"}})
                    .names_every_enumerator());
  // An alias shares its value's entry.
  static_assert(enum_names<Sparse>({{Sparse::kA, "a"}, {Sparse::kB, "b"}}).names_every_enumerator());
  static_assert(!EnumNames<Sparse, 1>({{Sparse::kA, "a"}}).names_every_enumerator());
}

}  // namespace
}  // namespace pgrevise
