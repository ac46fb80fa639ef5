#pragma once

// Where one reconcile spent its time, part by part (the Secret get, the database read, the Job create, the
// status write ...), for the operator's debug log. Recording costs two clock reads per part; the text is
// only made when the debug log is on.

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace pgrevise::controller {

class StepTimings {
 public:
  explicit StepTimings(const Clock& clock) : clock_(&clock), started_(clock.steady_now()) {}

  // Runs `fn` and records its duration under `part` (also when it throws).
  template <typename Fn>
  auto time(std::string_view part, Fn&& fn) -> decltype(fn()) {
    Mark mark(*this, part);
    return fn();
  }

  void add(std::string_view part, std::chrono::steady_clock::duration took) {
    parts_.push_back({part, took});
  }

  // "resolve_connection=1.21 read_heads=43.90 create_job=3.02 total=51.20" in milliseconds; parts that took
  // less than `threshold` are left out (the total counts them).
  std::string text(std::chrono::microseconds threshold = std::chrono::microseconds(100)) const {
    std::string out;
    for (const auto& p : parts_) {
      if (p.took < threshold) continue;
      append(out, p.name, p.took);
    }
    append(out, "total", clock_->steady_now() - started_);
    return out;
  }

 private:
  struct Part {
    std::string_view name;  // a constant of the code
    std::chrono::steady_clock::duration took;
  };

  class Mark {
   public:
    Mark(StepTimings& timings, std::string_view part)
        : timings_(timings), part_(part), started_(timings.clock_->steady_now()) {}
    ~Mark() { timings_.add(part_, timings_.clock_->steady_now() - started_); }
    Mark(const Mark&) = delete;
    Mark& operator=(const Mark&) = delete;

   private:
    StepTimings& timings_;
    std::string_view part_;
    std::chrono::steady_clock::time_point started_;
  };

  static void append(std::string& out, std::string_view name, std::chrono::steady_clock::duration took) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.2f", std::chrono::duration<double, std::milli>(took).count());
    if (!out.empty()) out += ' ';
    out.append(name).append("=").append(ms);
  }

  const Clock* clock_;
  std::chrono::steady_clock::time_point started_;
  std::vector<Part> parts_;
};

}  // namespace pgrevise::controller
