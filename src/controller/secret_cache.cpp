#include "controller/secret_cache.h"

#include <algorithm>

namespace pgrevise::controller {

SecretCachingCluster::SecretCachingCluster(Cluster& inner, const Clock& clock, std::chrono::milliseconds ttl,
                                           std::size_t max_entries)
    : inner_(inner), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

std::optional<Json> SecretCachingCluster::get_secret(const std::string& ns, const std::string& name) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return inner_.get_secret(ns, name);
  const std::string key = ns + "/" + name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = kept_.find(key);
    if (it != kept_.end()) {
      if (clock_.steady_now() - it->second.read_at < ttl_) return it->second.secret;
      kept_.erase(it);
    }
  }
  // Read outside the lock: other reconciles' Secrets are not held up by this request. The time is taken
  // before the request, so that a Secret is never kept longer than `ttl` after it was asked for.
  const auto asked_at = clock_.steady_now();
  auto secret = inner_.get_secret(ns, name);
  if (secret) keep(key, *secret, asked_at);
  return secret;
}

void SecretCachingCluster::keep(const std::string& key, const Json& secret,
                                std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (kept_.size() >= max_entries_ && kept_.find(key) == kept_.end()) {
    std::erase_if(kept_, [&](const auto& entry) { return now - entry.second.read_at >= ttl_; });
    if (kept_.size() >= max_entries_) {
      auto oldest = std::min_element(kept_.begin(), kept_.end(), [](const auto& a, const auto& b) {
        return a.second.read_at < b.second.read_at;
      });
      kept_.erase(oldest);
    }
  }
  kept_[key] = Kept{secret, now};
}

}  // namespace pgrevise::controller
