#pragma once

// The real `pgrevise operator` as a child process of the test: started with a kubeconfig for the fake API
// server, its stdout and stderr in a log file, stopped with SIGTERM or SIGKILL.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/operator_launch.h"

namespace pgrevise::e2e {

using testing::free_port;  // a TCP port on 127.0.0.1 that was free a moment ago

// GET http://127.0.0.1:port/path; nullopt when nothing answers. Returns the status code and the body.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
std::optional<HttpAnswer> http_get(int port, const std::string& path);

class OperatorProcess {
 public:
  // Starts `PGREVISE_BINARY operator --kubeconfig KUBECONFIG --metrics-bind-address 127.0.0.1:M
  // --health-probe-bind-address 127.0.0.1:H ARGS...`, logging to `log_file`.
  OperatorProcess(const std::filesystem::path& kubeconfig, const std::filesystem::path& log_file,
                  std::vector<std::string> extra_args = {});
  ~OperatorProcess();  // SIGKILL when still running
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  pid_t pid() const { return pid_; }
  int metrics_port() const { return metrics_port_; }
  int health_port() const { return health_port_; }
  bool running();
  // Waits until /readyz answers 200 (or the timeout passes, or the process exits).
  bool wait_ready(std::chrono::milliseconds timeout);
  // Sends the signal and waits for the exit; the exit code, 128 + signal when a signal ended it, or nullopt
  // when it did not end within the timeout.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  std::string log() const;

 private:
  std::optional<int> reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  int metrics_port_ = 0;
  int health_port_ = 0;
  std::filesystem::path log_file_;
};

}  // namespace pgrevise::e2e
