#include "common/backoff.h"

#include <algorithm>

namespace pgrevise {

Backoff::Backoff(Duration initial, Duration max, std::uint64_t seed)
    : initial_(initial), max_(max), rng_(seed) {}

Backoff::Duration Backoff::next() {
  // Doubling past 2^20 cannot matter against any sane cap and would overflow.
  const int shift = std::min(attempt_, 20);
  ++attempt_;
  const auto ceiling = std::min<std::int64_t>(initial_.count() << shift, max_.count());
  const auto floor = ceiling / 2;
  std::uniform_int_distribution<std::int64_t> dist(floor, std::max(floor, ceiling));
  return Duration(dist(rng_));
}

}  // namespace pgrevise
