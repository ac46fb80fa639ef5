#include "controller/idle_connections.h"

#include <algorithm>

namespace pgrevise::controller {

IdleConnections::IdleConnections(IdleConnectionOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  if (enabled()) reaper_ = std::thread([this] { reap(); });
}

IdleConnections::~IdleConnections() {
  std::vector<Entry> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    entries.swap(entries_);
  }
  wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

std::unique_ptr<pqxx::connection> IdleConnections::take(const std::string& conninfo,
                                                        const std::string& identity) {
  if (!enabled()) return nullptr;
  Closed closed;
  std::lock_guard<std::mutex> lock(mu_);
  remove_expired(closed);
  remove_other_secrets(conninfo, identity, closed);
  // The most recently used first: it is the least likely to have been closed by the server meanwhile.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->conninfo != conninfo) continue;
    auto connection = std::move(it->connection);
    entries_.erase(std::next(it).base());
    return connection;
  }
  return nullptr;
}

void IdleConnections::put(const std::string& conninfo, const std::string& identity,
                          std::unique_ptr<pqxx::connection> connection) {
  if (!enabled() || connection == nullptr || !connection->is_open()) return;
  Closed closed;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    remove_expired(closed);
    remove_other_secrets(conninfo, identity, closed);
    was_empty = entries_.empty();
    entries_.push_back({conninfo, identity, std::move(connection), clock_.steady_now()});
    while (entries_.size() > options_.max_size) {
      closed.push_back(std::move(entries_.front().connection));
      entries_.erase(entries_.begin());
    }
  }
  if (was_empty) wake_.notify_all();  // the reaper sleeps without a deadline while nothing is idle
}

void IdleConnections::close_expired() {
  Closed closed;
  std::lock_guard<std::mutex> lock(mu_);
  remove_expired(closed);
}

std::size_t IdleConnections::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void IdleConnections::remove_expired(Closed& closed) {
  const auto now = clock_.steady_now();
  auto fresh = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return now - e.last_used < options_.lifetime; });
  for (auto it = entries_.begin(); it != fresh; ++it) closed.push_back(std::move(it->connection));
  entries_.erase(entries_.begin(), fresh);
}

void IdleConnections::remove_other_secrets(const std::string& conninfo, const std::string& identity,
                                           Closed& closed) {
  auto stale = [&](const Entry& e) { return e.identity == identity && e.conninfo != conninfo; };
  for (auto& e : entries_)
    if (stale(e)) closed.push_back(std::move(e.connection));
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), stale), entries_.end());
}

void IdleConnections::reap() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (entries_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto due = entries_.front().last_used + options_.lifetime;
    const auto now = clock_.steady_now();
    if (now < due) {
      // Real time: with a virtual clock this only looks again later, which is all a reaper needs to do.
      wake_.wait_for(lock, due - now);
      continue;
    }
    Closed closed;
    remove_expired(closed);
    lock.unlock();
    closed.clear();
    lock.lock();
  }
}

}  // namespace pgrevise::controller
