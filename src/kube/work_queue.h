#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/reconcile_result.h"

namespace pgrevise::kube {

struct WorkQueueOptions {
  std::chrono::milliseconds base_delay{5};  // first retry after an error; doubles per consecutive failure
  std::chrono::milliseconds max_delay{std::chrono::seconds(1000)};
};

// Figures a metrics layer reads (the queue itself exports nothing).
struct WorkQueueStats {
  std::size_t depth = 0;      // keys ready to be handed out
  std::size_t waiting = 0;    // keys scheduled for later (RequeueAfter or backoff)
  std::size_t in_flight = 0;  // keys handed out and not yet done
  std::uint64_t adds_total = 0;
  std::uint64_t retries_total = 0;
  std::uint64_t gets_total = 0;
  std::chrono::milliseconds queue_latency_total{0};  // summed time from ready to handed out
  std::chrono::milliseconds queue_latency_max{0};
};

// Which keys a worker takes first. A key asked for by a change of what its object wants (a new resource, a
// new spec) goes before keys queued by the churn of what the controller itself started (its Jobs' progress,
// its resync): the user waiting on a bump should not wait behind a hundred Job status updates.
enum class Priority { kNormal, kHigh };

// A work queue of object keys, as controllers use it: a key is queued at most once however often it is added;
// a key handed out is never handed out again until done() (adds meanwhile are deferred until then); failures
// requeue with per-key exponential backoff; add_after delays a key. Time comes from the injected clock: with
// a ManualClock, advance it and call wake() (or try_get()) to release delayed keys.
class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock, WorkQueueOptions options = {});

  // Adding a queued key again with kHigh moves it ahead; adding it with kNormal never moves it back.
  void add(const std::string& key, Priority priority = Priority::kNormal);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  void add_rate_limited(const std::string& key);  // after base_delay * 2^failures, capped; counts a failure
  void forget(const std::string& key);            // success: the key's failure count starts again from zero
  int failures(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down.
  std::optional<std::string> get();
  // Does not block.
  std::optional<std::string> try_get();
  void done(const std::string& key);

  // Stops handing out keys and ignores adds; keys in flight can still be marked done.
  void shut_down();
  // shut_down(), then waits until every key in flight is done.
  void shut_down_with_drain();
  bool shutting_down() const;
  void wake();  // re-check delayed keys now (after advancing a manual clock)

  WorkQueueStats stats() const;

 private:
  void add_locked(const std::string& key, Priority priority = Priority::kNormal);
  void push_ready_locked(const std::string& key);
  void promote_due_locked();
  std::optional<std::string> pop_locked();

  Clock& clock_;
  WorkQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> high_;      // ready keys of Priority::kHigh, handed out first
  std::deque<std::string> normal_;    // the other ready keys
  std::set<std::string> dirty_;       // queued or to be queued when done
  std::set<std::string> urgent_;      // the dirty keys of Priority::kHigh
  std::set<std::string> processing_;  // handed out
  std::map<std::string, std::chrono::steady_clock::time_point> ready_since_;
  std::map<std::string, std::chrono::steady_clock::time_point> delayed_;  // key -> when it becomes ready
  // delayed_ ordered by due time, so that waking up costs nothing however many keys wait (an operator at rest
  // has every resource waiting for its resync).
  std::set<std::pair<std::chrono::steady_clock::time_point, std::string>> due_order_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
  WorkQueueStats stats_;
};

// Runs `workers` threads taking keys from the queue. A reconcile that throws is requeued with backoff; one
// that returns is forgotten (and requeued as it asks). stop() drains: keys in flight finish, nothing new
// starts.
class WorkerPool {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;
  using ErrorHandler = std::function<void(const std::string& key, const std::exception& error)>;

  WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile, ErrorHandler on_error = {});
  ~WorkerPool();
  void start();
  void stop();

 private:
  void work();

  WorkQueue& queue_;
  int workers_;
  Reconcile reconcile_;
  ErrorHandler on_error_;
  std::vector<std::thread> threads_;
};

}  // namespace pgrevise::kube
