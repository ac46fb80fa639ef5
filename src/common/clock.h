#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace pgrevise {

// Time is injected everywhere so that retries, backoff and leases run on virtual time in tests.
class Clock {
 public:
  using Duration = std::chrono::milliseconds;
  virtual ~Clock() = default;
  // Wall time, for timestamps shown to people and stored in status.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for measuring and for deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  virtual void sleep_for(Duration d) = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  void sleep_for(Duration d) override;
  static SystemClock& instance();
};

// Virtual time: sleep_for advances the clock instead of waiting.
class ManualClock final : public Clock {
 public:
  ManualClock();
  std::chrono::system_clock::time_point now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;
  void sleep_for(Duration d) override { advance(d); }
  void advance(Duration d);
  Duration total_slept() const;

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point steady_;
  Duration slept_{0};
};

// RFC 3339 UTC with second precision, the form Kubernetes uses for timestamps ("2026-11-22T20:40:00Z").
std::string format_rfc3339(std::chrono::system_clock::time_point t);
// Same with milliseconds, for reports where ordering within a second matters.
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

}  // namespace pgrevise
