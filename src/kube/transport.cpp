#include "kube/transport.h"

#include "common/strings.h"

namespace pgrevise::kube {

std::string HttpResponse::header(std::string_view name) const {
  const auto it = headers.find(to_lower(name));
  return it == headers.end() ? std::string() : it->second;
}

void Cancellation::cancel() {
  std::map<int, std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    if (cancelled_.exchange(true)) return;
    callbacks.swap(callbacks_);
  }
  for (auto& [id, fn] : callbacks) fn();
}

int Cancellation::on_cancel(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (!cancelled_.load()) {
      callbacks_[next_id_] = std::move(fn);
      return next_id_++;
    }
  }
  fn();
  return -1;
}

void Cancellation::remove(int id) {
  std::lock_guard lock(mu_);
  callbacks_.erase(id);
}

std::vector<std::string> LineSplitter::feed(std::string_view chunk) {
  std::vector<std::string> lines;
  pending_.append(chunk);
  std::size_t start = 0;
  for (std::size_t nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
    std::string line = pending_.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = nl + 1;
  }
  pending_.erase(0, start);
  return lines;
}

}  // namespace pgrevise::kube
