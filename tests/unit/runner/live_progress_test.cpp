#include "runner/live_progress.h"

#include <sstream>

#include <gtest/gtest.h>

#include "common/log.h"

namespace pgrevise::runner {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LiveProgressTest : public ::testing::Test {
 protected:
  ManualClock clock;
  std::ostringstream out;
  ExecStep step{.revision = "002", .message = "add index"};
  std::optional<db::BackendActivity> sample;

  LiveProgress make(bool terminal) {
    return LiveProgress(out, clock, {.terminal = terminal, .interval = seconds(30), .width = 200},
                        [this] { return sample; });
  }
  StepEvent started() { return {.index = 2, .count = 3, .step = &step}; }
  StepEvent finished(bool failed) {
    return {.index = 2,
            .count = 3,
            .step = &step,
            .finished = true,
            .failed = failed,
            .duration = milliseconds(1234)};
  }
};

TEST_F(LiveProgressTest, OffATerminalTheStartLineThenALineEveryInterval) {
  auto live = make(false);
  live.on_step(started());
  EXPECT_EQ(out.str(), "[2/3] 002 add index ...\n");
  live.on_statement("SELECT pg_sleep(100);");
  clock.advance(seconds(29));
  live.tick();
  EXPECT_EQ(out.str(), "[2/3] 002 add index ...\n");
  clock.advance(seconds(1));
  live.tick();
  live.tick();  // nothing new until the next interval
  clock.advance(seconds(30));
  live.tick();
  live.on_step(finished(false));
  EXPECT_EQ(out.str(),
            "[2/3] 002 add index ...\n"
            "[2/3] 002 add index: still running after 30.0s: SELECT pg_sleep(100)\n"
            "[2/3] 002 add index: still running after 1m00s: SELECT pg_sleep(100)\n"
            "[2/3] 002 add index ... 1234 ms\n");
}

TEST_F(LiveProgressTest, AFailedStepGetsItsLine) {
  auto live = make(false);
  live.on_step(started());
  live.on_step(finished(true));
  EXPECT_EQ(out.str(), "[2/3] 002 add index ...\n[2/3] 002 add index ... failed after 1234 ms\n");
}

TEST_F(LiveProgressTest, OnATerminalOneLineIsKeptUpToDateWithTheIndexBuild) {
  auto live = make(true);
  live.on_step(started());
  live.on_statement("CREATE INDEX CONCURRENTLY orders_idx ON orders (user_id)");
  live.tick();  // too early to draw
  EXPECT_EQ(out.str(), "[2/3] 002 add index ...");
  sample =
      db::BackendActivity{.pid = 7,
                          .index_build = db::IndexBuildProgress{.command = "CREATE INDEX CONCURRENTLY",
                                                                .phase = "building index: scanning table",
                                                                .blocks_done = 25,
                                                                .blocks_total = 100}};
  clock.advance(milliseconds(2500));
  live.tick();
  live.on_step(finished(false));
  EXPECT_EQ(out.str(),
            "[2/3] 002 add index ..."
            "\r\033[K[2/3] 002 add index ... 2.5s  CREATE INDEX CONCURRENTLY orders_idx ON orders (user_id)  "
            "building index: scanning table [#####---------------] 25% 25/100 blocks"
            "\r\033[K[2/3] 002 add index ... 1234 ms\n");
}

TEST_F(LiveProgressTest, OnATerminalALogLineGoesAboveTheLiveLine) {
  auto live = make(true);
  live.start();
  live.on_step(started());
  log::warn("lock timeout, retrying");
  live.stop();
  log::warn("after the run");  // the default sink again
  const std::string text = out.str();
  const auto warning = text.find("\r\033[K");
  ASSERT_NE(warning, std::string::npos) << text;
  EXPECT_EQ(text.substr(0, warning), "[2/3] 002 add index ...");
  EXPECT_NE(text.find("warn lock timeout, retrying\n[2/3] 002 add index ...", warning), std::string::npos)
      << text;
  EXPECT_EQ(text.find("after the run"), std::string::npos) << text;
}

TEST_F(LiveProgressTest, NothingIsDrawnBetweenStatements) {
  auto live = make(false);
  live.on_step(started());
  live.on_statement("SELECT 1");
  live.on_step(finished(false));
  clock.advance(seconds(60));
  live.tick();
  EXPECT_EQ(out.str(), "[2/3] 002 add index ...\n[2/3] 002 add index ... 1234 ms\n");
}

}  // namespace
}  // namespace pgrevise::runner
