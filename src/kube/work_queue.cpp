#include "kube/work_queue.h"

#include <algorithm>

namespace pgrevise::kube {

WorkQueue::WorkQueue(Clock& clock, WorkQueueOptions options) : clock_(clock), options_(options) {}

void WorkQueue::add(const std::string& key, Priority priority) {
  std::lock_guard lock(mu_);
  add_locked(key, priority);
}

void WorkQueue::add_locked(const std::string& key, Priority priority) {
  if (shutting_down_) return;
  ++stats_.adds_total;
  const bool raised = priority == Priority::kHigh && urgent_.insert(key).second;
  if (!dirty_.insert(key).second) {
    // Already queued (or waiting for done): a raised key moves from the normal line to the high one.
    if (!raised || processing_.count(key) != 0) return;
    normal_.erase(std::find(normal_.begin(), normal_.end(), key));
    high_.push_back(key);
    return;
  }
  ready_since_[key] = clock_.steady_now();
  if (processing_.count(key) != 0) return;  // queued again when done
  push_ready_locked(key);
}

void WorkQueue::push_ready_locked(const std::string& key) {
  (urgent_.count(key) != 0 ? high_ : normal_).push_back(key);
  cv_.notify_one();
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    add_locked(key);
    return;
  }
  const auto due = clock_.steady_now() + delay;
  const auto it = delayed_.find(key);
  if (it != delayed_.end() && it->second <= due) return;  // the earliest request wins
  if (it != delayed_.end()) due_order_.erase({it->second, key});
  delayed_[key] = due;
  due_order_.emplace(due, key);
  cv_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    const int failures = failures_[key]++;
    ++stats_.retries_total;
    const int shift = std::min(failures, 30);
    const auto scaled = options_.base_delay.count() * (std::int64_t{1} << shift);
    delay = std::chrono::milliseconds(std::min<std::int64_t>(scaled, options_.max_delay.count()));
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_due_locked() {
  const auto now = clock_.steady_now();
  while (!due_order_.empty() && due_order_.begin()->first <= now) {
    const std::string key = due_order_.begin()->second;
    due_order_.erase(due_order_.begin());
    delayed_.erase(key);
    add_locked(key);
  }
}

std::optional<std::string> WorkQueue::pop_locked() {
  if (shutting_down_ || (high_.empty() && normal_.empty())) return std::nullopt;
  auto& line = high_.empty() ? normal_ : high_;
  std::string key = line.front();
  line.pop_front();
  dirty_.erase(key);
  urgent_.erase(key);
  processing_.insert(key);
  const auto latency =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - ready_since_[key]);
  ready_since_.erase(key);
  ++stats_.gets_total;
  stats_.queue_latency_total += latency;
  stats_.queue_latency_max = std::max(stats_.queue_latency_max, latency);
  return key;
}

std::optional<std::string> WorkQueue::try_get() {
  std::lock_guard lock(mu_);
  promote_due_locked();
  return pop_locked();
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutting_down_) return std::nullopt;
    promote_due_locked();
    if (auto key = pop_locked()) return key;
    // Delayed keys are re-checked at least every 50 ms, so a manual clock advanced elsewhere is noticed.
    auto wait = std::chrono::milliseconds(50);
    if (!due_order_.empty()) {
      const auto due = due_order_.begin()->first;
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(due - clock_.steady_now()));
    }
    cv_.wait_for(lock, std::max(wait, std::chrono::milliseconds(1)));
  }
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) != 0 && !shutting_down_) push_ready_locked(key);
  cv_.notify_all();
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

void WorkQueue::shut_down_with_drain() {
  std::unique_lock lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return processing_.empty(); });
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

void WorkQueue::wake() {
  std::lock_guard lock(mu_);
  promote_due_locked();
  cv_.notify_all();
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mu_);
  WorkQueueStats s = stats_;
  s.depth = high_.size() + normal_.size();
  s.waiting = delayed_.size();
  s.in_flight = processing_.size();
  return s;
}

WorkerPool::WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile, ErrorHandler on_error)
    : queue_(queue),
      workers_(std::max(1, workers)),
      reconcile_(std::move(reconcile)),
      on_error_(std::move(on_error)) {}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
}

void WorkerPool::stop() {
  queue_.shut_down_with_drain();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::work() {
  while (auto key = queue_.get()) {
    try {
      const ReconcileResult result = reconcile_(*key);
      if (result.requeue_after) {
        queue_.forget(*key);
        queue_.add_after(*key, *result.requeue_after);
      } else if (result.error) {
        queue_.add_rate_limited(*key);
      } else {
        queue_.forget(*key);
      }
    } catch (const std::exception& e) {
      if (on_error_) on_error_(*key, e);
      queue_.add_rate_limited(*key);
    }
    queue_.done(*key);
  }
}

}  // namespace pgrevise::kube
