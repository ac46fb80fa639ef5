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

TEST(Process, MissingProgramIsAnError) {
  EXPECT_THROW(run_process({.argv = {"/nonexistent/program"}}), Error);
}

}  // namespace
}  // namespace pgrevise
