#include "kube/watcher_machine.h"

#include <gtest/gtest.h>

namespace pgrevise::kube {
namespace {

using Action = WatcherStep::Action;
using std::chrono::milliseconds;

WatcherMachine machine() {
  return WatcherMachine(Backoff(milliseconds(800), milliseconds(30000), 42));
}

TEST(WatcherMachineTest, ListsThenWatchesFromTheListsResourceVersion) {
  auto m = machine();
  EXPECT_EQ(m.state(), WatcherState::kEmpty);
  EXPECT_EQ(m.start().action, Action::kList);
  EXPECT_EQ(m.state(), WatcherState::kListing);
  const WatcherStep watch = m.list_succeeded("500");
  EXPECT_EQ(watch.action, Action::kWatch);
  EXPECT_EQ(watch.resource_version, "500");
  EXPECT_EQ(m.state(), WatcherState::kWatching);
}

TEST(WatcherMachineTest, ResumesFromTheLastEventOrBookmark) {
  auto m = machine();
  m.start();
  m.list_succeeded("500");
  m.event_seen("503");
  m.event_seen("510");  // a bookmark
  const WatcherStep resume = m.watch_ended();
  EXPECT_EQ(resume, (WatcherStep{Action::kWatch, "510", milliseconds(0)}));
  EXPECT_EQ(m.restarts(), 1);
  EXPECT_EQ(m.relists(), 0);
}

TEST(WatcherMachineTest, RelistsOnExpiry) {
  auto m = machine();
  m.start();
  m.list_succeeded("500");
  m.event_seen("501");
  EXPECT_EQ(m.watch_expired().action, Action::kList);
  EXPECT_EQ(m.state(), WatcherState::kListing);
  EXPECT_EQ(m.resource_version(), "");
  EXPECT_EQ(m.list_succeeded("900").resource_version, "900");
  EXPECT_EQ(m.relists(), 1);
}

TEST(WatcherMachineTest, BacksOffExponentiallyWithJitterAndResetsOnProgress) {
  auto m = machine();
  m.start();
  m.list_succeeded("500");
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) {
    const WatcherStep wait = m.watch_failed();
    EXPECT_EQ(wait.action, Action::kWait);
    EXPECT_EQ(m.state(), WatcherState::kBackoff);
    delays.push_back(wait.delay.count());
    const WatcherStep again = m.backoff_elapsed();
    EXPECT_EQ(again, (WatcherStep{Action::kWatch, "500", milliseconds(0)}));
  }
  EXPECT_GE(delays[0], 400);
  EXPECT_LE(delays[0], 800);
  EXPECT_GE(delays[3], 3200);
  EXPECT_LE(delays[3], 6400);
  EXPECT_LE(delays[7], 30000);
  EXPECT_GE(delays[7], 15000);
  m.event_seen("501");
  const WatcherStep after_progress = m.watch_failed();
  EXPECT_LE(after_progress.delay.count(), 800);
}

TEST(WatcherMachineTest, FailedListBacksOffThenRelists) {
  auto m = machine();
  m.start();
  EXPECT_EQ(m.list_failed().action, Action::kWait);
  EXPECT_EQ(m.backoff_elapsed().action, Action::kList);
  EXPECT_EQ(m.state(), WatcherState::kListing);
}

TEST(WatcherMachineTest, EmptyStreamEndBacksOffInsteadOfSpinning) {
  auto m = machine();
  m.start();
  m.list_succeeded("500");
  EXPECT_EQ(m.watch_ended().action, Action::kWait);
  EXPECT_EQ(m.backoff_elapsed(), (WatcherStep{Action::kWatch, "500", milliseconds(0)}));
}

TEST(WatcherMachineTest, RejectsEventsOutOfOrder) {
  auto m = machine();
  EXPECT_THROW(m.list_succeeded("1"), std::logic_error);
  m.start();
  EXPECT_THROW(m.watch_ended(), std::logic_error);
  EXPECT_THROW(m.backoff_elapsed(), std::logic_error);
  EXPECT_THROW(m.start(), std::logic_error);
}

}  // namespace
}  // namespace pgrevise::kube
