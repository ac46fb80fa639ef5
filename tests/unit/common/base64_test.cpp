#include "common/base64.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise {
namespace {

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\n"), "foobar");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n < all.size(); n += 37)
    EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
}

TEST(Base64, RejectsGarbageNamingTheValue) {
  try {
    base64_decode("not*base64", "secret app-db key url");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("secret app-db key url"), std::string::npos);
  }
  EXPECT_THROW(base64_decode("Zg==Zg"), Error);
  EXPECT_THROW(base64_decode("Z"), Error);
}

}  // namespace
}  // namespace pgrevise
