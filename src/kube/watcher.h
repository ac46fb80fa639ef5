#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "kube/rest_client.h"
#include "kube/store.h"
#include "kube/watcher_machine.h"

namespace pgrevise::kube {

struct WatcherOptions {
  std::string label_selector;
  std::string field_selector;
  bool metadata_only = false;  // the store keeps each object's metadata only (see ListOptions)
  // Each page is parsed whole before its objects are kept as text: 100 objects of a few KiB each bound the
  // list's transient memory however many objects there are (a relist of 1,000 resources is 10 requests).
  int list_page_size = 100;
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds backoff_initial{800};
  std::chrono::milliseconds backoff_max{30000};
  std::uint64_t seed = 0;  // 0: random
};

// Keeps a Store in step with the server for one resource type (and namespace, "" for all), driving a
// WatcherMachine on its own thread: list, watch, resume, relist, back off.
class Watcher {
 public:
  Watcher(RestClient& client, ResourceType type, std::string ns, Store& store, Clock& clock,
          WatcherOptions options = {});
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  void start();
  void stop();                                                  // cancels the open watch and joins the thread
  bool wait_for_sync(std::chrono::milliseconds timeout) const;  // real time
  WatcherState state() const;
  int relists() const;
  int restarts() const;

 private:
  void run();
  WatcherStep do_list();
  WatcherStep do_watch(const std::string& resource_version);
  void interruptible_sleep(std::chrono::milliseconds delay);
  // Logs a failed list or watch: a warning when it is not one worth retrying as is (forbidden, bad
  // request, ...) or when it is the third in a row, else info.
  void note_failure(const std::string& what, const std::string& error, bool transient);

  RestClient& client_;
  ResourceType type_;
  std::string ns_;
  Store& store_;
  Clock& clock_;
  WatcherOptions options_;
  mutable std::mutex mu_;
  WatcherMachine machine_;
  std::atomic<bool> stopping_{false};
  Cancellation* current_cancel_ = nullptr;
  std::thread thread_;
  int failures_in_a_row_ = 0;  // lists and watches that failed since the last success; the run thread's
};

}  // namespace pgrevise::kube
