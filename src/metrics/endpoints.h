#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metrics/bind_address.h"
#include "metrics/http_server.h"

namespace pgrevise::metrics {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Named conditions that must all hold for /readyz to answer 200 (e.g. "caches-synced"). Checks are added by
// the composition root and evaluated on every probe, from the HTTP thread: they must be cheap and
// thread-safe.
class Readiness {
 public:
  void add_check(std::string name, std::function<bool()> check);
  // The names of the checks that fail now, in the order they were added; empty when ready.
  std::vector<std::string> failing() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::function<bool()>>> checks_;
};

// What each path answers, apart from the sockets so it can be tested directly.
//   /metrics  200 with render_metrics() (only when serve_metrics)
//   /healthz  200 "ok" while the process is alive (only when serve_health)
//   /readyz   200 "ok", or 503 "not ready: check, ..." (only when serve_health)
//   other     404
struct Routes {
  bool serve_metrics = false;
  bool serve_health = false;
  std::function<std::string()> render_metrics;
  const Readiness* readiness = nullptr;
  HttpResponse answer(const HttpRequest& request) const;
};

struct EndpointOptions {
  std::optional<BindAddress> metrics;  // nullopt: /metrics disabled
  std::optional<BindAddress> health;   // nullopt: /healthz and /readyz disabled
};

// The operator's HTTP endpoints: /metrics on one address and the probes on another, or all on one server when
// both flags name the same address.
class Endpoints {
 public:
  Endpoints(EndpointOptions options, std::function<std::string()> render_metrics, const Readiness& readiness);
  ~Endpoints();

  // Starts listening. Throws Error(kIo) naming the address when one cannot be bound (nothing is left
  // running).
  void start();
  void stop();
  std::optional<int> metrics_port() const;  // bound ports after start(); nullopt when disabled
  std::optional<int> health_port() const;

 private:
  EndpointOptions options_;
  std::function<std::string()> render_metrics_;
  const Readiness& readiness_;
  std::unique_ptr<HttpServer> metrics_server_;
  std::unique_ptr<HttpServer> health_server_;  // null when it is the metrics server
};

}  // namespace pgrevise::metrics
