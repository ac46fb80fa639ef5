#include "kube/watcher.h"

#include <random>

#include "common/log.h"

namespace pgrevise::kube {
namespace {

// A transient failure or two in a row is routine (an API server restarting, a connection reset); more are
// worth a warning.
constexpr int kWarnAfterFailures = 3;

bool is_transient_failure(const std::exception& e) {
  const auto* api = dynamic_cast<const ApiError*>(&e);
  return api != nullptr && api->transient();
}

}  // namespace

Watcher::Watcher(RestClient& client, ResourceType type, std::string ns, Store& store, Clock& clock,
                 WatcherOptions options)
    : client_(client),
      type_(std::move(type)),
      ns_(std::move(ns)),
      store_(store),
      clock_(clock),
      options_(options),
      machine_(Backoff(options.backoff_initial, options.backoff_max,
                       options.seed != 0 ? options.seed : std::random_device{}())) {}

Watcher::~Watcher() {
  stop();
}

void Watcher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Watcher::stop() {
  stopping_.store(true);
  {
    std::lock_guard lock(mu_);
    if (current_cancel_ != nullptr) current_cancel_->cancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool Watcher::wait_for_sync(std::chrono::milliseconds timeout) const {
  // The watcher's own thread fills the store, in real time even when the watcher runs on virtual time; the
  // wait counts its pauses instead of reading a clock.
  constexpr std::chrono::milliseconds kPoll(5);
  for (std::chrono::milliseconds waited(0); !store_.synced(); waited += kPoll) {
    if (waited >= timeout) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

WatcherState Watcher::state() const {
  std::lock_guard lock(mu_);
  return machine_.state();
}

int Watcher::relists() const {
  std::lock_guard lock(mu_);
  return machine_.relists();
}

int Watcher::restarts() const {
  std::lock_guard lock(mu_);
  return machine_.restarts();
}

void Watcher::run() {
  WatcherStep step;
  {
    std::lock_guard lock(mu_);
    step = machine_.start();
  }
  while (!stopping_.load()) {
    switch (step.action) {
      case WatcherStep::Action::kList:
        step = do_list();
        break;
      case WatcherStep::Action::kWatch:
        step = do_watch(step.resource_version);
        break;
      case WatcherStep::Action::kWait: {
        interruptible_sleep(step.delay);
        std::lock_guard lock(mu_);
        step = machine_.backoff_elapsed();
        break;
      }
    }
  }
}

WatcherStep Watcher::do_list() {
  try {
    const ListOptions options{.label_selector = options_.label_selector,
                              .field_selector = options_.field_selector,
                              .limit = options_.list_page_size,
                              .metadata_only = options_.metadata_only};
    Store::Listing listing = store_.new_listing();
    const std::string resource_version =
        client_.for_each_page(type_, ns_, options, [&listing](ListPage& page) {
          for (const auto& item : page.items) listing.add(item);
        });
    store_.replace(std::move(listing));
    failures_in_a_row_ = 0;
    std::lock_guard lock(mu_);
    return machine_.list_succeeded(resource_version);
  } catch (const std::exception& e) {
    note_failure("list failed", e.what(), is_transient_failure(e));
    std::lock_guard lock(mu_);
    return machine_.list_failed();
  }
}

WatcherStep Watcher::do_watch(const std::string& resource_version) {
  Cancellation cancel;
  {
    std::lock_guard lock(mu_);
    if (stopping_.load()) cancel.cancel();
    current_cancel_ = &cancel;
  }
  bool expired = false;
  bool failed = false;
  bool delivered = false;  // the stream was open and carried something
  bool transient = true;
  std::string error;
  const auto on_event = [&](const WatchEvent& event) {
    if (event.type == WatchEvent::Type::kError) {
      // The event carries a Status: classified and redacted as any other answer of the server.
      const ApiError status = api_error_from_status(event.object.dump(), "watch " + type_.resource);
      expired = status.reason() == ApiReason::kGone;
      failed = !expired;
      transient = status.transient();
      error = status.what();
      return false;
    }
    delivered = true;
    failures_in_a_row_ = 0;
    if (event.type != WatchEvent::Type::kBookmark) store_.apply(event);
    std::lock_guard lock(mu_);
    machine_.event_seen(resource_version_of(event.object));
    return true;
  };
  try {
    client_.watch(type_, ns_,
                  {.resource_version = resource_version,
                   .allow_bookmarks = true,
                   .label_selector = options_.label_selector,
                   .field_selector = options_.field_selector,
                   .timeout_seconds = options_.watch_timeout_seconds,
                   .metadata_only = options_.metadata_only},
                  on_event, cancel);
  } catch (const ApiError& e) {
    expired = e.reason() == ApiReason::kGone;
    // The server (or something on the way) closing an open watch is routine in Kubernetes: resume from the
    // last resourceVersion at once, as when the stream ends cleanly.
    const bool cut = delivered && e.reason() == ApiReason::kUnavailable;
    failed = !expired && !cut;
    transient = e.transient();
    error = e.what();
    if (cut)
      log::debug("watch connection closed; resuming", {{"resource", type_.resource}, {"error", error}});
  } catch (const std::exception& e) {
    failed = true;
    transient = false;
    error = e.what();
  }
  if (expired) {
    log::info("watch resourceVersion expired; listing again", {{"resource", type_.resource}});
  } else if (failed) {
    note_failure("watch failed", error, transient);
  }
  std::lock_guard lock(mu_);
  current_cancel_ = nullptr;
  if (expired) return machine_.watch_expired();
  if (failed) return machine_.watch_failed();
  return machine_.watch_ended();
}

void Watcher::note_failure(const std::string& what, const std::string& error, bool transient) {
  ++failures_in_a_row_;
  const log::Fields fields = {
      {"resource", type_.resource}, {"error", error}, {"failuresInARow", std::to_string(failures_in_a_row_)}};
  if (!transient || failures_in_a_row_ >= kWarnAfterFailures)
    log::warn(what, fields);
  else
    log::info(what, fields);
}

void Watcher::interruptible_sleep(std::chrono::milliseconds delay) {
  const std::chrono::milliseconds slice(50);
  while (delay.count() > 0 && !stopping_.load()) {
    const auto step = std::min(delay, slice);
    clock_.sleep_for(step);
    delay -= step;
  }
}

}  // namespace pgrevise::kube
