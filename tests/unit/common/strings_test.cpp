#include "common/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace pgrevise {
namespace {

bool refuse_nul(unsigned char c) {
  return c == 0;
}

TEST(FirstUnfitUtf8, WellFormedTextHasNone) {
  EXPECT_EQ(first_unfit_utf8("", refuse_nul), std::string_view::npos);
  EXPECT_EQ(first_unfit_utf8("plain ascii", refuse_nul), std::string_view::npos);
  EXPECT_EQ(first_unfit_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", refuse_nul),
            std::string_view::npos);
}

TEST(FirstUnfitUtf8, FindsTheLeadByteOfABrokenSequence) {
  EXPECT_EQ(first_unfit_utf8("ab\xC3", refuse_nul), 2u);                // cut short
  EXPECT_EQ(first_unfit_utf8("ab\xC3(", refuse_nul), 2u);               // no continuation byte
  EXPECT_EQ(first_unfit_utf8("a\x80", refuse_nul), 1u);                 // a lone continuation byte
  EXPECT_EQ(first_unfit_utf8("a\xC0\xAF", refuse_nul), 1u);             // overlong
  EXPECT_EQ(first_unfit_utf8("a\xE0\x80\xAF", refuse_nul), 1u);         // overlong, three bytes
  EXPECT_EQ(first_unfit_utf8("a\xED\xA0\x80", refuse_nul), 1u);         // a surrogate
  EXPECT_EQ(first_unfit_utf8("a\xF4\x90\x80\x80", refuse_nul), 1u);     // above U+10FFFF
  EXPECT_EQ(first_unfit_utf8("\xE2\x82\xAC\xE2\x82", refuse_nul), 3u);  // after a good sequence
}

TEST(FirstUnfitUtf8, FindsTheAsciiTheCallerRefuses) {
  const std::string with_nul("ab\0c", 4);
  EXPECT_EQ(first_unfit_utf8(with_nul, refuse_nul), 2u);
  EXPECT_EQ(first_unfit_utf8("a\tb", [](unsigned char c) { return c < 0x20; }), 1u);
  EXPECT_EQ(first_unfit_utf8("a\tb", refuse_nul), std::string_view::npos);
}

}  // namespace
}  // namespace pgrevise
