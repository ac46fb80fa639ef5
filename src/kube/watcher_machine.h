#pragma once

#include <chrono>
#include <string>

#include "common/backoff.h"

namespace pgrevise::kube {

enum class WatcherState {
  kEmpty,     // nothing listed yet
  kListing,   // a list (or relist) is in progress
  kWatching,  // a watch from resource_version() is open or about to be reopened
  kBackoff,   // waiting after an error before listing or watching again
};
const char* to_string(WatcherState state);

// What the driver must do next.
struct WatcherStep {
  enum class Action { kList, kWatch, kWait };
  Action action;
  std::string resource_version;        // for kWatch: where to resume
  std::chrono::milliseconds delay{0};  // for kWait
  bool operator==(const WatcherStep&) const = default;
};

// The watcher's decisions as a pure state machine: list, then watch from the list's resourceVersion; remember
// the resourceVersion of every event and bookmark; reopen a closed watch from there; relist when the server
// says the resourceVersion is gone (410, as an HTTP status or an ERROR event); back off (jittered,
// exponential) after errors.
class WatcherMachine {
 public:
  explicit WatcherMachine(Backoff backoff);

  WatcherState state() const { return state_; }
  const std::string& resource_version() const { return resource_version_; }
  int relists() const { return relists_; }    // lists after the first
  int restarts() const { return restarts_; }  // watches reopened

  WatcherStep start();
  WatcherStep list_succeeded(const std::string& list_resource_version);
  WatcherStep list_failed();
  void event_seen(const std::string& resource_version);  // an object event or a bookmark
  WatcherStep watch_ended();    // the stream ended (server timeout or dropped connection)
  WatcherStep watch_failed();   // the watch could not be opened or broke with an error other than 410
  WatcherStep watch_expired();  // 410 Gone / Expired
  WatcherStep backoff_elapsed();

 private:
  WatcherStep wait(bool then_list);

  Backoff backoff_;
  WatcherState state_ = WatcherState::kEmpty;
  std::string resource_version_;
  bool listed_once_ = false;
  bool relist_after_backoff_ = false;
  bool events_since_open_ = false;
  int relists_ = 0;
  int restarts_ = 0;
};

}  // namespace pgrevise::kube
