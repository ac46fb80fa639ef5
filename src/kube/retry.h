#pragma once

#include <chrono>
#include <functional>
#include <random>

#include "common/backoff.h"
#include "common/clock.h"
#include "kube/errors.h"

namespace pgrevise::kube {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{10000};
  bool retry_conflicts =
      false;               // a Conflict needs a fresh read first, so only callers that re-read may retry it
  std::uint64_t seed = 0;  // 0: random
};

// Runs fn, retrying transient API errors (TooManyRequests, ServerError, Timeout, Unavailable, Gone, and
// Conflict when allowed) with jittered exponential backoff on the injected clock; a Retry-After from the
// server is honoured as a minimum. The last error is rethrown when the attempts run out; other errors are
// rethrown at once.
template <typename F>
auto retry_transient(Clock& clock, const RetryPolicy& policy, F&& fn) -> decltype(fn()) {
  Backoff backoff(policy.initial, policy.max, policy.seed != 0 ? policy.seed : std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    try {
      return fn();
    } catch (const ApiError& e) {
      const bool retryable = e.transient() && (policy.retry_conflicts || e.reason() != ApiReason::kConflict);
      if (!retryable || attempt >= policy.max_attempts) throw;
      auto delay = backoff.next();
      if (e.retry_after()) {
        delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after()));
      }
      clock.sleep_for(delay);
    }
  }
}

}  // namespace pgrevise::kube
