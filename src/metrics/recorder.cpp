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

const char* to_string(ReconcileResult result) {
  switch (result) {
    case ReconcileResult::kSuccess:
      return "success";
    case ReconcileResult::kError:
      return "error";
    case ReconcileResult::kRequeue:
      return "requeue";
  }
  return "error";
}

}  // namespace pgrevise::metrics
