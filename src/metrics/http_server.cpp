#include "metrics/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>

#include "common/error.h"

namespace pgrevise::metrics {

namespace {

using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until fd is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  while (true) {
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// Reads up to the blank line ending the headers. Returns the status to answer with on failure, 0 on success.
int read_head(int fd, std::string& head, const HttpServerLimits& limits, Clock::time_point deadline) {
  char buffer[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > limits.max_request_bytes) return 431;
    if (!wait_ready(fd, POLLIN, deadline)) return 408;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 400;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  return head.size() > limits.max_request_bytes ? 431 : 0;
}

// "GET /path?query HTTP/1.1" into the request; false when the line is not HTTP.
bool parse_request_line(const std::string& head, HttpRequest& request) {
  std::string line = head.substr(0, head.find_first_of("\r\n"));
  std::size_t first = line.find(' ');
  std::size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
  if (second == std::string::npos || line.compare(second + 1, 5, "HTTP/") != 0) return false;
  request.method = line.substr(0, first);
  std::string target = line.substr(first + 1, second - first - 1);
  request.path = target.substr(0, target.find('?'));
  return !request.method.empty() && !request.path.empty() && request.path.front() == '/';
}

void write_all(int fd, const std::string& data, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    if (!wait_ready(fd, POLLOUT, deadline)) return;
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string render_response(const HttpResponse& response, bool with_body) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (response.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (with_body) out += response.body;
  return out;
}

// Every interface, both families: one IPv6 socket on [::] that takes IPv4 as mapped addresses too. A host
// without IPv6 gets 0.0.0.0 alone.
int open_any(int port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  const int zero = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_any;
  any.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) == 0 &&
      ::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0 && ::listen(fd, 64) == 0) {
    return fd;
  }
  const int error = errno;
  ::close(fd);
  if (error == EADDRINUSE) {
    throw Error(ErrorKind::kIo, "cannot listen on :" + std::to_string(port) + ": " + std::strerror(error));
  }
  return -1;
}

int open_listener(const BindAddress& address) {
  if (address.host.empty()) {
    if (int fd = open_any(address.port); fd >= 0) return fd;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(address.port);
  const char* host = address.host.empty() ? "0.0.0.0" : address.host.c_str();
  int rc = ::getaddrinfo(host, port.c_str(), &hints, &found);
  if (rc != 0) throw Error(ErrorKind::kIo, "cannot listen on " + address.text() + ": " + ::gai_strerror(rc));
  std::string last_error = "no usable address";
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw Error(ErrorKind::kIo, "cannot listen on " + address.text() + ": " + last_error);
  return fd;
}

int local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

HttpServer::HttpServer(BindAddress address, HttpHandler handler, HttpServerLimits limits)
    : address_(std::move(address)), handler_(std::move(handler)), limits_(limits) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  if (thread_.joinable()) return;
  listen_fd_ = open_listener(address_);
  bound_port_ = local_port(listen_fd_);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw Error(ErrorKind::kIo, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { serve(); });
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    char byte = 1;
    while (::write(wake_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HttpServer::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;  // the peer gave up (ECONNABORTED) or descriptors ran out: keep serving
    handle_connection(client);
    ::close(client);
  }
}

void HttpServer::handle_connection(int fd) {
  Clock::time_point deadline = Clock::now() + limits_.io_timeout;
  std::string head;
  HttpRequest request;
  HttpResponse response;
  int failure = read_head(fd, head, limits_, deadline);
  if (failure == 0 && !parse_request_line(head, request)) failure = 400;
  if (failure != 0) {
    response = {failure, "text/plain; charset=utf-8", std::string(reason_phrase(failure)) + "\n"};
  } else if (request.method != "GET" && request.method != "HEAD") {
    response = {405, "text/plain; charset=utf-8", "method not allowed\n"};
  } else {
    try {
      response = handler_(request);
    } catch (const std::exception& e) {
      response = {500, "text/plain; charset=utf-8", "internal error\n"};
    }
  }
  write_all(fd, render_response(response, request.method != "HEAD"), deadline);
  ::shutdown(fd, SHUT_WR);
}

}  // namespace pgrevise::metrics
