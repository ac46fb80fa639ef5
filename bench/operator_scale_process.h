#pragma once

// `pgrevise operator` as a child process of the benchmark, with what /proc says about it.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pgrevise::bench {

class OperatorChild {
 public:
  // Starts `BINARY operator --kubeconfig KUBECONFIG` with metrics and health on free loopback ports and
  // `extra_args`, its output appended to `log_file`.
  OperatorChild(const std::string& binary, const std::filesystem::path& kubeconfig,
                const std::filesystem::path& log_file, const std::vector<std::string>& extra_args);
  ~OperatorChild();  // SIGKILL when still running
  OperatorChild(const OperatorChild&) = delete;
  OperatorChild& operator=(const OperatorChild&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then SIGKILL after 60 s; true when it exited with status 0 on SIGTERM.
  bool stop();
  // User plus system CPU time so far, from /proc/PID/stat.
  double cpu_seconds() const;
  // A "kB" field of /proc/PID/status (VmRSS, VmHWM, ...); 0 when unknown.
  long memory_kb(const std::string& field) const;

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace pgrevise::bench
