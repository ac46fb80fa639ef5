#include "common/process.h"

#include <csignal>

#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise {
namespace {

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_process({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Process, FeedsStdinAndSetsEnvironment) {
  ProcessSpec spec{.argv = {"sh", "-c", "cat; echo \"$X\""}};
  spec.env_set["X"] = "value";
  spec.stdin_data = "hello\n";
  auto r = run_process(spec);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "hello\nvalue\n");
}

TEST(Process, UnsetsEnvironment) {
  ::setenv("PGREVISE_PROCESS_TEST", "present", 1);
  ProcessSpec spec{.argv = {"sh", "-c", "echo \"[${PGREVISE_PROCESS_TEST}]\""}};
  spec.env_unset.push_back("PGREVISE_PROCESS_TEST");
  EXPECT_EQ(run_process(spec).out, "[]\n");
}

TEST(Process, TimeoutKills) {
  ProcessSpec spec{.argv = {"sleep", "30"}};
  spec.timeout = std::chrono::milliseconds(200);
  auto r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
}

// A clock that moves on by a step each time it is read, so that time passes only when the code under test
// looks.
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(std::chrono::milliseconds step) : step_(step) {}
  std::chrono::system_clock::time_point now() const override { return {}; }
  std::chrono::steady_clock::time_point steady_now() const override { return at_ += step_; }
  void sleep_for(Duration) override {}

 private:
  std::chrono::milliseconds step_;
  mutable std::chrono::steady_clock::time_point at_{};
};

TEST(Process, TheTimeoutRunsOnTheInjectedClock) {
  SteppingClock fast(std::chrono::seconds(10));
  ProcessSpec spec{.argv = {"sleep", "30"}};
  spec.timeout = std::chrono::seconds(15);
  auto r = run_process(spec, fast);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
}

TEST(Process, NoTimeoutWhileTheInjectedClockStandsStill) {
  ManualClock still;
  ProcessSpec spec{.argv = {"sh", "-c", "sleep 0.5; echo done"}};
  spec.timeout = std::chrono::milliseconds(1);
  auto r = SystemProcessRunner(still).run(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "done\n");
}

TEST(Process, MissingProgramIsAnError) {
  EXPECT_THROW(run_process({.argv = {"/nonexistent/program"}}), Error);
}

}  // namespace
}  // namespace pgrevise
