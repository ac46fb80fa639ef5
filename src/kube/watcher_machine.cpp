#include "kube/watcher_machine.h"

#include <stdexcept>

#include "common/enum_names.h"

namespace pgrevise::kube {
namespace {

WatcherStep list_step() {
  return {WatcherStep::Action::kList, "", std::chrono::milliseconds(0)};
}

}  // namespace

const char* to_string(WatcherState state) {
  static constexpr auto kNames = enum_names<WatcherState>({
      {WatcherState::kEmpty, "Empty"},
      {WatcherState::kListing, "Listing"},
      {WatcherState::kWatching, "Watching"},
      {WatcherState::kBackoff, "Backoff"},
  });
  return kNames.name(state, "Unknown");
}

WatcherMachine::WatcherMachine(Backoff backoff) : backoff_(std::move(backoff)) {}

WatcherStep WatcherMachine::start() {
  if (state_ != WatcherState::kEmpty) throw std::logic_error("watcher already started");
  state_ = WatcherState::kListing;
  return list_step();
}

WatcherStep WatcherMachine::list_succeeded(const std::string& list_resource_version) {
  if (state_ != WatcherState::kListing) throw std::logic_error("list result while not listing");
  if (listed_once_) ++relists_;
  listed_once_ = true;
  backoff_.reset();
  resource_version_ = list_resource_version;
  state_ = WatcherState::kWatching;
  events_since_open_ = false;
  return {WatcherStep::Action::kWatch, resource_version_, std::chrono::milliseconds(0)};
}

WatcherStep WatcherMachine::list_failed() {
  if (state_ != WatcherState::kListing) throw std::logic_error("list failure while not listing");
  return wait(true);
}

void WatcherMachine::event_seen(const std::string& resource_version) {
  if (state_ != WatcherState::kWatching) return;
  if (!resource_version.empty()) resource_version_ = resource_version;
  events_since_open_ = true;
  backoff_.reset();
}

WatcherStep WatcherMachine::watch_ended() {
  if (state_ != WatcherState::kWatching) throw std::logic_error("watch end while not watching");
  // A stream that closes before delivering anything may be a server refusing us: do not hammer it.
  if (!events_since_open_) return wait(false);
  ++restarts_;
  events_since_open_ = false;
  return {WatcherStep::Action::kWatch, resource_version_, std::chrono::milliseconds(0)};
}

WatcherStep WatcherMachine::watch_failed() {
  if (state_ != WatcherState::kWatching) throw std::logic_error("watch failure while not watching");
  return wait(false);
}

WatcherStep WatcherMachine::watch_expired() {
  if (state_ != WatcherState::kWatching) throw std::logic_error("expiry while not watching");
  state_ = WatcherState::kListing;
  resource_version_.clear();
  return list_step();
}

WatcherStep WatcherMachine::backoff_elapsed() {
  if (state_ != WatcherState::kBackoff) throw std::logic_error("backoff elapsed while not backing off");
  if (relist_after_backoff_) {
    state_ = WatcherState::kListing;
    return list_step();
  }
  state_ = WatcherState::kWatching;
  ++restarts_;
  events_since_open_ = false;
  return {WatcherStep::Action::kWatch, resource_version_, std::chrono::milliseconds(0)};
}

WatcherStep WatcherMachine::wait(bool then_list) {
  state_ = WatcherState::kBackoff;
  relist_after_backoff_ = then_list;
  return {WatcherStep::Action::kWait, "", backoff_.next()};
}

}  // namespace pgrevise::kube
