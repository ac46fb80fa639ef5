#include "support/operator_launch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

extern char** environ;

namespace pgrevise::testing {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("no free port");
  return ntohs(addr.sin_port);
}

LaunchedOperator launch_operator(const std::string& binary, const std::filesystem::path& kubeconfig,
                                 const std::filesystem::path& log_file,
                                 const std::vector<std::string>& extra_args) {
  LaunchedOperator child;
  child.metrics_port = free_port();
  child.health_port = free_port();
  std::vector<std::string> args = {binary,
                                   "operator",
                                   "--kubeconfig",
                                   kubeconfig.string(),
                                   "--metrics-bind-address",
                                   "127.0.0.1:" + std::to_string(child.metrics_port),
                                   "--health-probe-bind-address",
                                   "127.0.0.1:" + std::to_string(child.health_port)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawn(&child.pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + binary);
  return child;
}

}  // namespace pgrevise::testing
