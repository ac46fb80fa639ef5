#include "common/backoff.h"

#include <gtest/gtest.h>

namespace pgrevise {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsWithinJitterBoundsAndCaps) {
  Backoff b(milliseconds(800), milliseconds(30000), 42);
  std::int64_t ceiling = 800;
  for (int i = 0; i < 12; ++i) {
    auto d = b.next().count();
    EXPECT_GE(d, ceiling / 2) << "attempt " << i;
    EXPECT_LE(d, ceiling) << "attempt " << i;
    ceiling = std::min<std::int64_t>(ceiling * 2, 30000);
  }
  EXPECT_EQ(b.attempts(), 12);
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(milliseconds(100), milliseconds(10000), 1);
  for (int i = 0; i < 5; ++i) b.next();
  b.reset();
  EXPECT_LE(b.next().count(), 100);
}

TEST(Backoff, SameSeedSameSequence) {
  Backoff a(milliseconds(100), milliseconds(10000), 7), b(milliseconds(100), milliseconds(10000), 7);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, HugeAttemptCountDoesNotOverflow) {
  Backoff b(milliseconds(1000), milliseconds(5000), 3);
  for (int i = 0; i < 200; ++i) {
    auto d = b.next().count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 5000);
  }
}

}  // namespace
}  // namespace pgrevise
