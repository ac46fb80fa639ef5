#pragma once

#include <chrono>
#include <mutex>

#include "common/clock.h"

namespace pgrevise::kube {

// Token bucket: `burst` requests at once, then `qps` per second on average. Waiting happens on the injected
// clock, so tests run on virtual time. qps <= 0 disables the limit.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock& clock);
  // Takes a token, sleeping on the clock until one is available. Returns how long it waited.
  std::chrono::milliseconds acquire();
  // Takes a token if one is available now.
  bool try_acquire();

 private:
  void refill();

  double qps_;
  double burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace pgrevise::kube
