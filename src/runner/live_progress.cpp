#include "runner/live_progress.h"

#include <algorithm>
#include <memory>

#include "common/log.h"
#include "common/redact.h"
#include "runner/progress_text.h"

namespace pgrevise::runner {

namespace {

// The terminal's "go to the start of the line and clear it".
constexpr const char* kClearLine = "\r\033[K";

std::string step_text(const StepEvent& event) {
  return "[" + std::to_string(event.index) + "/" + std::to_string(event.count) + "] " + event.step->revision +
         " " + event.step->message + (event.step->direction == Direction::kDowngrade ? " (downgrade)" : "");
}

}  // namespace

ActivitySampler activity_sampler(const db::ConnectionConfig& config, int runner_pid) {
  auto conn = std::make_shared<std::unique_ptr<pqxx::connection>>();
  auto given_up = std::make_shared<bool>(false);
  return [config, runner_pid, conn, given_up]() -> std::optional<db::BackendActivity> {
    if (*given_up) return std::nullopt;
    try {
      if (!*conn) *conn = db::connect(config, std::chrono::seconds(5), "pgrevise-progress");
      return db::backend_activity(**conn, runner_pid);
    } catch (const std::exception& e) {
      *given_up = true;
      log::warn("running without index build progress", {{"error", redact(e.what())}});
      return std::nullopt;
    }
  };
}

LiveProgress::LiveProgress(std::ostream& out, Clock& clock, LiveProgressOptions options,
                           ActivitySampler sampler)
    : out_(out), clock_(clock), options_(options), sampler_(std::move(sampler)) {}

LiveProgress::~LiveProgress() {
  stop();
}

void LiveProgress::start() {
  // On a terminal a log line (a lock-timeout retry, a warning) would land in the middle of the live line:
  // it goes above it instead, and the step's line starts again below.
  if (options_.terminal) {
    log::set_sink([this](const std::string& line) { write_log_line(line); });
    logging_here_ = true;
  }
  const auto period =
      options_.terminal ? options_.redraw : std::min(options_.interval, Clock::Duration(1000));
  thread_ = std::thread([this, period] {
    std::unique_lock lock(mu_);
    while (!quit_) {
      cv_.wait_for(lock, period);
      if (quit_) break;
      lock.unlock();
      tick();
      lock.lock();
    }
  });
}

void LiveProgress::stop() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (options_.terminal && logging_here_) log::reset_sink();
  logging_here_ = false;
}

void LiveProgress::write_log_line(const std::string& line) {
  std::lock_guard lock(mu_);
  out_ << (line_open_ ? kClearLine + line + "\n" + step_ + " ..." : line + "\n") << std::flush;
}

void LiveProgress::on_step(const StepEvent& event) {
  std::lock_guard lock(mu_);
  running_ = false;
  ++generation_;
  write_step_line(event);
}

void LiveProgress::write_step_line(const StepEvent& event) {
  // One write per line: the error stream is unbuffered, and a line in pieces costs a system call each.
  std::string text = options_.terminal && line_open_ ? kClearLine : "";
  if (!event.finished) {
    step_ = step_text(event);
    text += step_ + " ...";
    line_open_ = options_.terminal;
    if (!options_.terminal) text += "\n";
  } else {
    text += step_text(event) + " ... " + (event.failed ? "failed after " : "") +
            std::to_string(event.duration.count()) + " ms\n";
    line_open_ = false;
    step_.clear();
  }
  out_ << text << std::flush;
}

void LiveProgress::on_statement(std::string_view sql) {
  std::lock_guard lock(mu_);
  sql_ = std::string(sql);
  running_ = true;
  ++generation_;
  started_ = clock_.steady_now();
  next_report_ = options_.interval;
}

void LiveProgress::tick() {
  long generation = 0;
  std::string step, sql;
  {
    std::lock_guard lock(mu_);
    if (!running_ || step_.empty()) return;
    const auto elapsed = std::chrono::duration_cast<Clock::Duration>(clock_.steady_now() - started_);
    if (options_.terminal && elapsed < options_.redraw) return;
    if (!options_.terminal) {
      if (elapsed < next_report_) return;
      while (next_report_ <= elapsed) next_report_ += options_.interval;
    }
    generation = generation_;
    step = step_;
    sql = sql_;
  }
  // The query runs outside the lock: the steps' lines never wait for it.
  const auto sample = sampler_ ? sampler_() : std::nullopt;
  RunningStatement running{.step = step};
  if (sample) running.index_build = sample->index_build;
  running.statement = statement_summary(sql, true, running.index_build.has_value());
  std::lock_guard lock(mu_);
  // A statement or step line since the sample supersedes it.
  if (generation != generation_) return;
  running.elapsed = std::chrono::duration_cast<Clock::Duration>(clock_.steady_now() - started_);
  out_ << (options_.terminal
               ? kClearLine + terminal_line(running, std::max<std::size_t>(options_.width, 2) - 1)
               : periodic_line(running) + "\n")
       << std::flush;
}

}  // namespace pgrevise::runner
