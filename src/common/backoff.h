#pragma once

#include <chrono>
#include <functional>
#include <random>

namespace pgrevise {

// Exponential backoff with full jitter in [base*2^n / 2, base*2^n], capped. The random source is injected so
// that tests are deterministic.
class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  Backoff(Duration initial, Duration max, std::uint64_t seed = std::random_device{}());

  Duration next();  // the delay before the next attempt; grows until reset()
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  Duration initial_;
  Duration max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace pgrevise
