#pragma once

// Starting the real `pgrevise operator` as a child process, for the end-to-end tests and the benchmarks:
// one command line and one way of capturing its output.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pgrevise::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

struct LaunchedOperator {
  pid_t pid = -1;
  int metrics_port = 0;
  int health_port = 0;
};

// Starts `binary operator --kubeconfig KUBECONFIG --metrics-bind-address 127.0.0.1:M
// --health-probe-bind-address 127.0.0.1:H EXTRA_ARGS...` on free ports, with stdin from /dev/null and stdout
// and stderr appended to `log_file`. Throws std::runtime_error when it cannot be started. The caller reaps
// the child.
LaunchedOperator launch_operator(const std::string& binary, const std::filesystem::path& kubeconfig,
                                 const std::filesystem::path& log_file,
                                 const std::vector<std::string>& extra_args);

}  // namespace pgrevise::testing
