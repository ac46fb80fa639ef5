#include "metrics/bind_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise::metrics {
namespace {

TEST(BindAddress, ParsesTheAcceptedForms) {
  EXPECT_EQ(parse_bind_address("metrics-bind-address", ":8080"), (BindAddress{"", 8080}));
  EXPECT_EQ(parse_bind_address("metrics-bind-address", "127.0.0.1:9090"), (BindAddress{"127.0.0.1", 9090}));
  EXPECT_EQ(parse_bind_address("metrics-bind-address", "localhost:0"), (BindAddress{"localhost", 0}));
  EXPECT_EQ(parse_bind_address("metrics-bind-address", "[::1]:8081"), (BindAddress{"::1", 8081}));
  EXPECT_EQ(parse_bind_address("metrics-bind-address", "0"), std::nullopt);
  EXPECT_EQ((BindAddress{"::1", 8081}).text(), "[::1]:8081");
  EXPECT_EQ((BindAddress{"", 8080}).text(), ":8080");
}

TEST(BindAddress, MalformedValuesNameTheFlag) {
  for (const char* bad : {"8080", "host:", ":http", ":70000", ":-1", "::1:80", "a b:80", ""}) {
    try {
      parse_bind_address("health-probe-bind-address", bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_THAT(e.what(), ::testing::HasSubstr("--health-probe-bind-address"));
      EXPECT_THAT(e.what(), ::testing::HasSubstr("\"" + std::string(bad) + "\""));
    }
  }
}

}  // namespace
}  // namespace pgrevise::metrics
