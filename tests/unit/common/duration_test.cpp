#include "common/duration.h"

#include <gtest/gtest.h>

namespace pgrevise {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesGoStyle) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
}

TEST(Duration, RejectsGarbage) {
  for (const char* bad : {"", "5", "s", "-5s", "5 s", "5x", "1..5s", ".s", "5sm", "1e3s"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatRoundTrips) {
  for (long ms : {0L, 250L, 5000L, 90000L, 7200000L, 3723000L}) {
    auto text = format_duration(milliseconds(ms));
    EXPECT_EQ(parse_duration(text), milliseconds(ms)) << text;
  }
  EXPECT_EQ(format_duration(milliseconds(90000)), "1m30s");
}

}  // namespace
}  // namespace pgrevise
