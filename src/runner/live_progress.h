#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "db/activity.h"
#include "db/connection.h"
#include "runner/executor.h"
#include "runner/options.h"

namespace pgrevise::runner {

// Reads the runner's session from another one; nullopt when it cannot.
using ActivitySampler = std::function<std::optional<db::BackendActivity>()>;

// A sampler on its own session ("pgrevise-progress"), opened on the first call: the runner's session is busy
// running the statement. One that cannot connect or read is logged once and then answers nullopt.
ActivitySampler activity_sampler(const db::ConnectionConfig& config, int runner_pid);

// The `[i/n]` lines of a run and, while a statement runs, what it is, for how long and how far. Every write
// to the stream goes through here, so the lines of the steps and the live line never interleave. Time comes
// from the injected clock; tick() does one round of sampling and drawing (the thread calls it, tests may
// too).
class LiveProgress {
 public:
  LiveProgress(std::ostream& out, Clock& clock, LiveProgressOptions options, ActivitySampler sampler);
  ~LiveProgress();
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  // Ticks on a thread of its own until stop() or the destructor. On a terminal, log lines go above the live
  // line meanwhile (log::set_sink).
  void start();
  void stop();

  // A step started ("[1/3] 001 message ..."), finished ("... 12 ms") or failed ("... failed after 12 ms").
  void on_step(const StepEvent& event);
  // The runner sent `sql` (a statement, or a transactional revision's whole SQL) to the server.
  void on_statement(std::string_view sql);
  void tick();

 private:
  void write_step_line(const StepEvent& event);
  void write_log_line(const std::string& line);

  std::ostream& out_;
  Clock& clock_;
  LiveProgressOptions options_;
  ActivitySampler sampler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  bool line_open_ = false;  // on a terminal: the cursor stands at the end of the step's unfinished line
  std::string step_;        // "[1/3] 001 message", "" between steps
  std::string sql_;
  bool running_ = false;
  long generation_ = 0;  // counts statements, so a sample of an earlier one is dropped
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds next_report_{0};
  std::thread thread_;
  bool logging_here_ = false;  // on a terminal, from start() to stop(): log lines go through write_log_line
};

}  // namespace pgrevise::runner
