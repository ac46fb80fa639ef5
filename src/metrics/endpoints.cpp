#include "metrics/endpoints.h"

#include "common/strings.h"

namespace pgrevise::metrics {

void Readiness::add_check(std::string name, std::function<bool()> check) {
  std::lock_guard lock(mutex_);
  checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<std::string> Readiness::failing() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, check] : checks_) {
    if (!check()) names.push_back(name);
  }
  return names;
}

HttpResponse Routes::answer(const HttpRequest& request) const {
  if (serve_metrics && request.path == "/metrics") {
    return {200, kMetricsContentType, render_metrics ? render_metrics() : std::string()};
  }
  if (serve_health && request.path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (serve_health && request.path == "/readyz") {
    std::vector<std::string> failing =
        readiness != nullptr ? readiness->failing() : std::vector<std::string>{};
    if (failing.empty()) return {200, "text/plain; charset=utf-8", "ok\n"};
    return {503, "text/plain; charset=utf-8", "not ready: " + join(failing, ", ") + "\n"};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

Endpoints::Endpoints(EndpointOptions options, std::function<std::string()> render_metrics,
                     const Readiness& readiness)
    : options_(std::move(options)), render_metrics_(std::move(render_metrics)), readiness_(readiness) {}

Endpoints::~Endpoints() {
  stop();
}

void Endpoints::start() {
  // Port 0 asks for a fresh port each time, so two ":0" addresses are two servers.
  bool shared = options_.metrics && options_.health && *options_.metrics == *options_.health &&
                options_.metrics->port != 0;
  auto server_for = [&](const BindAddress& address, bool metrics, bool health) {
    Routes routes{metrics, health, render_metrics_, &readiness_};
    return std::make_unique<HttpServer>(address, [routes](const HttpRequest& r) { return routes.answer(r); });
  };
  if (options_.metrics) metrics_server_ = server_for(*options_.metrics, true, shared);
  if (options_.health && !shared) health_server_ = server_for(*options_.health, false, true);
  try {
    if (metrics_server_) metrics_server_->start();
    if (health_server_) health_server_->start();
  } catch (...) {
    stop();
    throw;
  }
}

void Endpoints::stop() {
  if (metrics_server_) metrics_server_->stop();
  if (health_server_) health_server_->stop();
}

std::optional<int> Endpoints::metrics_port() const {
  if (!metrics_server_) return std::nullopt;
  return metrics_server_->port();
}

std::optional<int> Endpoints::health_port() const {
  if (health_server_) return health_server_->port();
  if (options_.health && metrics_server_) return metrics_server_->port();
  return std::nullopt;
}

}  // namespace pgrevise::metrics
