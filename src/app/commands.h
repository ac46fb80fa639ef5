#pragma once

#include <string>
#include <vector>

namespace pgrevise::app {

// Each top-level command takes the arguments after its name and returns the process exit code.
// Exit codes shared by every command (documented in `pgrevise --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the work failed: a migration or a backup the database refused
inline constexpr int kExitBadInput = 2;  // files, graph, target, flags, spec
inline constexpr int kExitLockNotAcquired = 3;
inline constexpr int kExitConnection = 4;  // database unreachable or authentication failed

using Args = std::vector<std::string>;

}  // namespace pgrevise::app
