#include "metrics/recorder.h"

namespace pgrevise::metrics {

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::kPending:
      return "Pending";
    case Phase::kBackingUp:
      return "BackingUp";
    case Phase::kMigrating:
      return "Migrating";
    case Phase::kSucceeded:
      return "Succeeded";
    case Phase::kFailed:
      return "Failed";
    case Phase::kBlocked:
      return "Blocked";
  }
  return "Pending";
}

const char* to_string(RunResult result) {
  return result == RunResult::kSucceeded ? "succeeded" : "failed";
}

}  // namespace pgrevise::metrics
