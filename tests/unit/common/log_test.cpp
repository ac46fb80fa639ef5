#include "common/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/redact.h"

namespace pgrevise {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_sink([this](const std::string& line) { lines.push_back(line); });
  }
  void TearDown() override {
    log::reset_sink();
    log::configure(log::Level::kInfo, log::Format::kText);
  }
  std::vector<std::string> lines;
};

TEST_F(LogTest, TextLineCarriesFieldsAndRedacts) {
  log::configure(log::Level::kInfo, log::Format::kText);
  log::info("connecting", {{"url", "postgresql://u:topsecret@h/d"}, {"revision", "018"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("info connecting"), std::string::npos);
  EXPECT_NE(lines[0].find("revision=018"), std::string::npos);
  EXPECT_EQ(lines[0].find("topsecret"), std::string::npos);
}

TEST_F(LogTest, JsonLineIsValidJson) {
  log::configure(log::Level::kDebug, log::Format::kJson);
  log::debug("step \"done\"", {{"durationMs", "41"}});
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["level"], "debug");
  EXPECT_EQ(j["msg"], "step \"done\"");
  EXPECT_EQ(j["durationMs"], "41");
}

TEST_F(LogTest, BelowLevelIsDropped) {
  log::configure(log::Level::kWarn, log::Format::kText);
  log::info("quiet");
  log::error("loud");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("loud"), std::string::npos);
}

TEST_F(LogTest, RegisteredSecretNeverWritten) {
  register_secret("canary-log-secret");
  log::configure(log::Level::kDebug, log::Format::kJson);
  log::error("auth failed for canary-log-secret", {{"detail", "pw=canary-log-secret"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("canary-log-secret"), std::string::npos);
}

}  // namespace
}  // namespace pgrevise
