#include "kube/retry.h"

#include <gtest/gtest.h>

#include "kube_test_support.h"

namespace pgrevise::kube {
namespace {

// Against a server that throttles 60% of gets (seeded): every get eventually succeeds, each wait honours the
// server's Retry-After on virtual time, and a permanent error is not retried.
TEST(RetryTest, RetriesTransientErrorsHonouringRetryAfter) {
  testing::FakeApiServer server(test::default_server_options());
  auto client = test::client_for(server);
  client->create(resources::config_maps(), "default", test::config_map("a"));
  server.set_faults({.seed = 3, .throttle_share = {{"get", 0.6}}, .retry_after_seconds = 2});
  ManualClock clock;
  for (int i = 0; i < 10; ++i) {
    const Json got = retry_transient(clock, {.max_attempts = 50, .seed = 9},
                                     [&] { return client->get(resources::config_maps(), "default", "a"); });
    EXPECT_EQ(got["metadata"]["name"], "a");
  }
  std::size_t throttled = 0;
  for (const auto& r : server.requests()) throttled += r.code == 429;
  EXPECT_GT(throttled, 0u);
  EXPECT_GE(clock.total_slept(), std::chrono::seconds(2) * static_cast<int>(throttled));

  server.clear_faults();
  int calls = 0;
  EXPECT_THROW(retry_transient(clock, {.seed = 9},
                               [&] {
                                 ++calls;
                                 return client->get(resources::config_maps(), "default", "missing");
                               }),
               ApiError);
  EXPECT_EQ(calls, 1);
}

TEST(RetryTest, ConflictsAreRetriedOnlyWhenAllowedAndAttemptsAreBounded) {
  ManualClock clock;
  int calls = 0;
  const auto conflict = [&]() -> int {
    ++calls;
    throw ApiError(ApiReason::kConflict, 409, "conflict");
  };
  EXPECT_THROW(retry_transient(clock, {.seed = 1}, conflict), ApiError);
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_THROW(retry_transient(clock, {.max_attempts = 4, .retry_conflicts = true, .seed = 1}, conflict),
               ApiError);
  EXPECT_EQ(calls, 4);
}

}  // namespace
}  // namespace pgrevise::kube
