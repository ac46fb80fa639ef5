#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

namespace pgrevise::kube {
namespace {

TEST(TokenBucketTest, BurstThenQpsOnVirtualTime) {
  ManualClock clock;
  TokenBucket bucket(10, 5, clock);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(bucket.acquire().count(), 0) << i;
  EXPECT_FALSE(bucket.try_acquire());
  // The sixth waits a tenth of a second; the clock advances by exactly that.
  const auto before = clock.total_slept();
  EXPECT_EQ(bucket.acquire().count(), 100);
  EXPECT_EQ((clock.total_slept() - before).count(), 100);
  // 100 more requests take 10 s of virtual time at 10 QPS.
  const auto start = clock.steady_now();
  for (int i = 0; i < 100; ++i) bucket.acquire();
  EXPECT_NEAR(std::chrono::duration<double>(clock.steady_now() - start).count(), 10.0, 0.2);
  clock.advance(std::chrono::seconds(60));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_acquire());  // refilled to the burst, not beyond
  EXPECT_FALSE(bucket.try_acquire());
}

TEST(TokenBucketTest, ZeroQpsDisablesTheLimit) {
  ManualClock clock;
  TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(bucket.acquire().count(), 0);
  EXPECT_EQ(clock.total_slept().count(), 0);
}

}  // namespace
}  // namespace pgrevise::kube
