#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace pgrevise::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(std::max(1, burst)), clock_(clock), tokens_(burst_), last_(clock.steady_now()) {}

void TokenBucket::refill() {
  const auto now = clock_.steady_now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
}

bool TokenBucket::try_acquire() {
  if (qps_ <= 0) return true;
  std::lock_guard lock(mu_);
  refill();
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds TokenBucket::acquire() {
  if (qps_ <= 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard lock(mu_);
    refill();
    tokens_ -= 1.0;  // reserve now, so concurrent callers queue up behind each other
    if (tokens_ < 0) wait = std::chrono::milliseconds(static_cast<long>(std::ceil(-tokens_ / qps_ * 1000.0)));
  }
  if (wait.count() > 0) clock_.sleep_for(wait);
  return wait;
}

}  // namespace pgrevise::kube
