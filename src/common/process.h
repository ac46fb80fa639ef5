#pragma once

#include <sys/types.h>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace pgrevise {

struct ProcessSpec {
  std::vector<std::string> argv;               // argv[0] is looked up on PATH when it has no slash
  std::map<std::string, std::string> env_set;  // added to (or replacing in) the inherited environment
  std::vector<std::string> env_unset;          // removed from the inherited environment
  bool inherit_env = true;
  std::string working_dir;                // empty: the current one
  std::optional<std::string> stdin_data;  // empty optional: /dev/null
  std::string stdout_file;                // non-empty: stdout goes to this file instead of being captured
  std::optional<std::chrono::milliseconds> timeout;  // killed with SIGKILL when exceeded
  // >= 0: the child's stdin / stdout is this descriptor (e.g. one end of a pipe the caller streams through)
  // instead of stdin_data / capture. The caller keeps ownership and closes its copy after the child ends.
  int stdin_fd = -1;
  int stdout_fd = -1;
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  bool timed_out = false;
  std::string out;  // captured stdout (unless redirected to a file)
  std::string err;  // captured stderr
  bool ok() const { return exit_code == 0; }
};

// A running child. Output is captured through pipes read on wait(); for long-running children whose output is
// large, redirect stdout to a file.
class ChildProcess {
 public:
  // The timeout is measured on `clock`.
  explicit ChildProcess(const ProcessSpec& spec, const Clock& clock = SystemClock::instance());
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void kill(int signal);
  // Called with each chunk of stderr as it arrives (for live progress); set before wait().
  void on_stderr(std::function<void(const std::string&)> callback) { on_stderr_ = std::move(callback); }
  ProcessResult wait();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  std::optional<std::string> stdin_data_;
  std::optional<std::chrono::milliseconds> timeout_;
  const Clock& clock_;
  std::function<void(const std::string&)> on_stderr_;
  bool waited_ = false;
};

// Spawns, feeds stdin, waits and collects output. Throws Error(kIo) when the program cannot be started.
ProcessResult run_process(const ProcessSpec& spec, const Clock& clock = SystemClock::instance());

// Injected wherever a module starts child processes, so tests can substitute a fake.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  virtual ProcessResult run(const ProcessSpec& spec) = 0;
};

class SystemProcessRunner final : public ProcessRunner {
 public:
  explicit SystemProcessRunner(const Clock& clock = SystemClock::instance()) : clock_(clock) {}
  ProcessResult run(const ProcessSpec& spec) override { return run_process(spec, clock_); }

 private:
  const Clock& clock_;
};

}  // namespace pgrevise
