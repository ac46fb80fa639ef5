#include "bench/operator_scale_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/operator_launch.h"

namespace pgrevise::bench {

OperatorChild::OperatorChild(const std::string& binary, const std::filesystem::path& kubeconfig,
                             const std::filesystem::path& log_file,
                             const std::vector<std::string>& extra_args)
    : pid_(testing::launch_operator(binary, kubeconfig, log_file, extra_args).pid) {}

OperatorChild::~OperatorChild() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool OperatorChild::running() {
  if (exited_) return false;
  exited_ = ::waitpid(pid_, &status_, WNOHANG) == pid_;
  return !exited_;
}

bool OperatorChild::stop() {
  if (!running()) return false;
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (running() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (running()) {
    ::kill(pid_, SIGKILL);
    exited_ = ::waitpid(pid_, &status_, 0) == pid_;
    return false;
  }
  return WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

double OperatorChild::cpu_seconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are
  // fields 14 and 15.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long OperatorChild::memory_kb(const std::string& field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

}  // namespace pgrevise::bench
