#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "metrics/bind_address.h"

namespace pgrevise::metrics {

struct HttpRequest {
  std::string method;  // "GET" or "HEAD": other methods are answered 405 before reaching the handler
  std::string path;    // without the query string
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerLimits {
  std::size_t max_request_bytes = 8192;        // request line and headers; larger requests get 431
  std::chrono::milliseconds io_timeout{5000};  // to read a whole request and to write a whole response
};

// A minimal HTTP/1.1 server for scrapes and probes: one thread, one request per connection (answered with
// Connection: close), requests bounded in size and time so a slow or hostile client cannot hold it for long.
class HttpServer {
 public:
  HttpServer(BindAddress address, HttpHandler handler, HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Throws Error(kIo) naming the address when it cannot listen there.
  void start();
  // Stops accepting and joins the thread; idempotent, also run by the destructor.
  void stop();
  // The port actually bound (the chosen one when the address asked for port 0); valid after start().
  int port() const { return bound_port_; }

 private:
  void serve();
  void handle_connection(int fd);

  BindAddress address_;
  HttpHandler handler_;
  HttpServerLimits limits_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int bound_port_ = 0;
  std::thread thread_;
};

}  // namespace pgrevise::metrics
