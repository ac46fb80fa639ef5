// Watches, the Watcher and the Store against the fake API server over real HTTP on loopback.
#include "kube/watcher.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "common/log.h"
#include "kube_test_support.h"

namespace pgrevise::kube {
namespace {

using test::config_map;

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

class WatchTest : public ::testing::Test {
 protected:
  testing::FakeApiServer server{test::default_server_options()};
  std::unique_ptr<RestClient> client = test::client_for(server);
  const ResourceType cms = resources::config_maps();

  // Collects events of one watch until `stop_after` of them (bookmarks excluded unless asked) have arrived.
  std::vector<WatchEvent> collect(const WatchOptions& options, std::size_t stop_after,
                                  bool count_bookmarks = false) {
    std::vector<WatchEvent> events;
    Cancellation cancel;
    std::size_t counted = 0;
    client->watch(
        cms, "default", options,
        [&](const WatchEvent& e) {
          events.push_back(e);
          if (count_bookmarks || e.type != WatchEvent::Type::kBookmark) ++counted;
          return counted < stop_after;
        },
        cancel);
    return events;
  }
};

TEST_F(WatchTest, StreamsEventsFromAResourceVersion) {
  const ListPage start = client->list(cms, "default");
  client->create(cms, "default", config_map("a"));
  client->patch(cms, "default", "a", PatchType::kMerge, {{"data", {{"k", "2"}}}});
  client->patch(cms, "default", "a", PatchType::kMerge, {{"data", {{"k", "2"}}}});  // no-op: no event
  client->remove(cms, "default", "a");
  client->create(cms, "default", config_map("b"));
  server.set_faults({.split_watch_lines = true});
  const auto events = collect({.resource_version = start.resource_version}, 4);
  std::vector<std::string> seen;
  for (const auto& e : events) {
    if (e.type != WatchEvent::Type::kBookmark)
      seen.push_back(std::string(to_string(e.type)) + " " + object_key(e.object));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED default/a", "MODIFIED default/a", "DELETED default/a",
                                            "ADDED default/b"}));
}

TEST_F(WatchTest, BookmarksCarryTheCurrentResourceVersion) {
  client->create(cms, "default", config_map("a"));
  const ListPage page = client->list(cms, "default");
  const auto events = collect({.resource_version = page.resource_version, .allow_bookmarks = true}, 1, true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kBookmark);
  EXPECT_EQ(resource_version_of(events[0].object), page.resource_version);
}

TEST_F(WatchTest, TooOldResourceVersionIsAnErrorEventNotAnHttpStatus) {
  const ListPage start = client->list(cms, "default");
  client->create(cms, "default", config_map("a"));
  server.expire_history();
  const auto events = collect({.resource_version = start.resource_version}, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kError);
  EXPECT_EQ(events[0].object["code"], 410);
  EXPECT_EQ(events[0].object["reason"], "Expired");
}

TEST_F(WatchTest, LabelSelectorTransitionsAreAddedAndDeleted) {
  const ListPage start = client->list(cms, "default");
  client->create(cms, "default", config_map("a", "default", {{"app", "x"}}));
  client->patch(cms, "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"app", "y"}}}}}});
  client->patch(cms, "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"app", "x"}}}}}});
  const auto events = collect({.resource_version = start.resource_version, .label_selector = "app=x"}, 3);
  std::vector<WatchEvent::Type> types;
  for (const auto& e : events) {
    if (e.type != WatchEvent::Type::kBookmark) types.push_back(e.type);
  }
  EXPECT_EQ(types, (std::vector<WatchEvent::Type>{WatchEvent::Type::kAdded, WatchEvent::Type::kDeleted,
                                                  WatchEvent::Type::kAdded}));
}

TEST_F(WatchTest, CancelStopsABlockedWatch) {
  Cancellation cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.cancel();
  });
  const ListPage page = client->list(cms, "default");
  client->watch(
      cms, "default", {.resource_version = page.resource_version, .allow_bookmarks = false},
      [](const WatchEvent&) { return true; }, cancel);
  canceller.join();
  EXPECT_TRUE(cancel.cancelled());
}

// Every change reaches the store exactly once per resourceVersion, across dropped connections, expired
// history and relists, and the store ends equal to the server's state.
TEST_F(WatchTest, StoreConvergesAcrossDropsAndExpiry) {
  std::mutex mu;
  std::map<std::string, std::uint64_t> last_rv;
  int duplicates = 0;
  const auto note = [&](const std::string& key, const Json& object) {
    std::lock_guard lock(mu);
    const auto rv = std::stoull(resource_version_of(object));
    if (last_rv.count(key) != 0 && last_rv[key] >= rv) ++duplicates;
    last_rv[key] = rv;
  };
  Store store({[&](const std::string& k, const Json& o) { note(k, o); },
               [&](const std::string& k, const Json&, const Json& o) { note(k, o); },
               [&](const std::string&, const Json&) {}});
  server.set_faults({.seed = 11, .drop_watch_after_events = 7, .split_watch_lines = true});
  Watcher watcher(*client, cms, "", store, SystemClock::instance(),
                  {.list_page_size = 4,
                   .backoff_initial = std::chrono::milliseconds(10),
                   .backoff_max = std::chrono::milliseconds(100),
                   .seed = 5});
  watcher.start();
  ASSERT_TRUE(watcher.wait_for_sync(std::chrono::seconds(10)));
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    const std::string ns = rng() % 2 ? "a" : "b";
    const std::string name = "cm-" + std::to_string(rng() % 20);
    try {
      switch (rng() % 4) {
        case 0:
        case 1:
          client->create(cms, ns, config_map(name, ns));
          break;
        case 2:
          client->patch(cms, ns, name, PatchType::kMerge, {{"data", {{"i", std::to_string(i)}}}});
          break;
        case 3:
          client->remove(cms, ns, name);
          break;
      }
    } catch (const ApiError& e) {
      ASSERT_TRUE(e.reason() == ApiReason::kNotFound || e.reason() == ApiReason::kAlreadyExists) << e.what();
    }
    if (i % 60 == 30) {
      server.expire_history();
      server.drop_watches();
    }
  }
  // Whether the expiries above found the watcher behind depends on timing. This one does for sure: its watch
  // is refused while a change is made and the history expires, so it resumes from a version that is gone
  // (410).
  server.set_faults({.error_share = {{"watch", 1.0}}});
  server.drop_watches();
  client->create(cms, "a", config_map("made-while-behind", "a"));
  server.expire_history();
  server.set_faults({});
  const auto server_state = [&] {
    std::map<std::string, std::string> out;
    for (const auto& o : server.state().snapshot("/configmaps", ""))
      out[object_key(o)] = resource_version_of(o);
    return out;
  };
  const auto store_state = [&] {
    std::map<std::string, std::string> out;
    for (const auto& o : store.list()) out[object_key(o)] = resource_version_of(o);
    return out;
  };
  EXPECT_TRUE(eventually([&] { return server_state() == store_state(); }));
  EXPECT_EQ(duplicates, 0);
  EXPECT_GE(watcher.relists(), 1);
  EXPECT_GE(watcher.restarts(), 3);
  watcher.stop();
}

TEST_F(WatchTest, WatcherBacksOffWhileTheServerFails) {
  Store store;
  server.set_faults({.error_share = {{"list", 1.0}}});
  Watcher watcher(
      *client, cms, "", store, SystemClock::instance(),
      {.backoff_initial = std::chrono::milliseconds(10), .backoff_max = std::chrono::milliseconds(40)});
  watcher.start();
  EXPECT_TRUE(eventually([&] { return server.count("list") >= 3; }));
  EXPECT_FALSE(store.synced());
  server.clear_faults();
  EXPECT_TRUE(watcher.wait_for_sync(std::chrono::seconds(10)));
  watcher.stop();
}

// Captures the log lines written while it lives, at every level.
class CapturedLog {
 public:
  CapturedLog() {
    log::configure(log::Level::kDebug, log::Format::kText);
    log::set_sink([this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    });
  }
  ~CapturedLog() {
    log::reset_sink();
    log::configure(log::Level::kInfo, log::Format::kText);
  }
  bool contains(const std::string& text) const {
    std::lock_guard lock(mu_);
    for (const auto& line : lines_)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
  // Lines holding "<level> <message>".
  std::size_t count(const std::string& level, const std::string& message) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& line : lines_)
      if (line.find(level + " " + message) != std::string::npos) ++n;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// The server cutting open watches is routine: the watcher resumes with a debug line, no warning. Watches
// refused again and again are trouble: the first failures are info, the third in a row a warning.
TEST_F(WatchTest, CutWatchesAreNoWarningButRepeatedFailuresAre) {
  CapturedLog log;
  Store store;
  server.set_faults({.drop_watch_after_events = 2});
  Watcher watcher(
      *client, cms, "default", store, SystemClock::instance(),
      {.backoff_initial = std::chrono::milliseconds(10), .backoff_max = std::chrono::milliseconds(40)});
  watcher.start();
  ASSERT_TRUE(watcher.wait_for_sync(std::chrono::seconds(10)));
  for (int i = 0; i < 12; ++i) {
    client->create(cms, "default", config_map("cm-" + std::to_string(i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(eventually([&] { return store.list().size() == 12u; }));
  EXPECT_GE(watcher.restarts(), 3);
  EXPECT_GE(log.count("debug", "watch connection closed; resuming"), 3u);
  EXPECT_EQ(log.count("warn", "watch failed"), 0u);
  EXPECT_EQ(log.count("warn", "list failed"), 0u);

  server.set_faults({.error_share = {{"watch", 1.0}}});
  server.drop_watches();
  EXPECT_TRUE(eventually([&] { return log.count("warn", "watch failed") >= 1u; }));
  EXPECT_GE(log.count("info", "watch failed"), 2u);
  watcher.stop();
}

// A watch's ERROR event carries a Status, classified and redacted as any other answer of the server: a 500 is
// transient (info until the third failure in a row) and a password in its message never reaches the log.
TEST_F(WatchTest, ErrorEventsAreClassifiedAndRedactedLikeOtherAnswers) {
  CapturedLog log;
  Store store;
  server.set_faults(
      {.watch_error_code = 500, .watch_error_message = "storage at postgresql://app:hunter2@etcd/db failed"});
  Watcher watcher(
      *client, cms, "default", store, SystemClock::instance(),
      {.backoff_initial = std::chrono::milliseconds(10), .backoff_max = std::chrono::milliseconds(40)});
  watcher.start();
  EXPECT_TRUE(eventually([&] { return log.count("warn", "watch failed") >= 1u; }));
  watcher.stop();
  EXPECT_GE(log.count("info", "watch failed"), 2u);
  EXPECT_TRUE(log.contains("ServerError: storage at postgresql://app:******@etcd/db failed"));
  EXPECT_FALSE(log.contains("hunter2"));
}

}  // namespace
}  // namespace pgrevise::kube
