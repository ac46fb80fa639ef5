#include "common/clock.h"

#include <ctime>
#include <string>
#include <thread>

namespace pgrevise {

void SystemClock::sleep_for(Duration d) {
  std::this_thread::sleep_for(d);
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock()
    : wall_(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}), steady_(std::chrono::hours(1)) {}

std::chrono::system_clock::time_point ManualClock::now() const {
  std::lock_guard lock(mu_);
  return wall_;
}

std::chrono::steady_clock::time_point ManualClock::steady_now() const {
  std::lock_guard lock(mu_);
  return steady_;
}

void ManualClock::advance(Duration d) {
  std::lock_guard lock(mu_);
  wall_ += d;
  steady_ += d;
  slept_ += d;
}

Clock::Duration ManualClock::total_slept() const {
  std::lock_guard lock(mu_);
  return slept_;
}

namespace {
std::string format_utc(std::chrono::system_clock::time_point t, bool millis) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf);
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    char frac[24];
    std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
    out += frac;
  }
  return out + "Z";
}
}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  return format_utc(t, false);
}
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  return format_utc(t, true);
}

}  // namespace pgrevise
