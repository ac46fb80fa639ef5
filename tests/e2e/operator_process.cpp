#include "e2e/operator_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/operator_launch.h"

namespace pgrevise::e2e {

std::optional<HttpAnswer> http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const auto space = response.find(' ');
  const auto body = response.find("\r\n\r\n");
  if (space == std::string::npos || body == std::string::npos) return std::nullopt;
  return HttpAnswer{std::atoi(response.c_str() + space + 1), response.substr(body + 4)};
}

OperatorProcess::OperatorProcess(const std::filesystem::path& kubeconfig,
                                 const std::filesystem::path& log_file, std::vector<std::string> extra_args)
    : log_file_(log_file) {
  const char* binary = std::getenv("PGREVISE_BINARY");
  if (binary == nullptr)
    throw std::runtime_error("PGREVISE_BINARY is not set: run the e2e tests through ctest");
  const auto child = testing::launch_operator(binary, kubeconfig, log_file, extra_args);
  pid_ = child.pid;
  metrics_port_ = child.metrics_port;
  health_port_ = child.health_port;
}

OperatorProcess::~OperatorProcess() {
  if (running()) stop(SIGKILL);
}

std::optional<int> OperatorProcess::reap(bool block) {
  if (exit_code_) return exit_code_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r != pid_) return std::nullopt;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

bool OperatorProcess::running() {
  return !reap(false).has_value();
}

bool OperatorProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until && running()) {
    auto answer = http_get(health_port_, "/readyz");
    if (answer && answer->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::optional<int> OperatorProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  ::kill(pid_, signal);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto code = reap(false)) return code;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::string OperatorProcess::log() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace pgrevise::e2e
