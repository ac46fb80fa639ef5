#pragma once

// For tests that make a PKI of their own with the openssl command: the command, run in a folder, and the
// files it writes, read whole.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/process.h"

namespace pgrevise::testing {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void openssl(const std::filesystem::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  const ProcessResult r =
      run_process({.argv = args, .working_dir = dir.string(), .timeout = std::chrono::seconds(120)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace pgrevise::testing
