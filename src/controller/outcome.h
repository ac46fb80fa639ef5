#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/reasons.h"
#include "api/types.h"

namespace pgrevise::controller {

// How a reconcile ended, in kstatus terms: which of Ready / Reconciling / Stalled is true.
enum class OutcomeKind {
  kReady,        // at target (or the dry run published): Ready=True
  kProgressing,  // a Job runs or is about to: Reconciling=True
  kRetrying,     // something outside is unavailable (the database): Reconciling=True, requeued with backoff
  kStalled,      // needs a person (spec, Secret, ConfigMap, failed run): Stalled=True
  kSuspended,    // spec.suspend: nothing starts, nothing is wrong
};

// The decision of the first step that stopped the pipeline: every step maps its result to one Reason
// (api/reasons.h).
struct Outcome {
  OutcomeKind kind = OutcomeKind::kProgressing;
  std::optional<api::Phase> phase;  // nullopt keeps the phase the status had (e.g. database unreachable)
  std::string reason;
  std::string message;
  // When to look again without an event; nullopt: the reconciler's resync interval.
  std::optional<std::chrono::milliseconds> requeue_after;

  static Outcome ready(std::string_view reason, std::string message, api::Phase phase) {
    return {OutcomeKind::kReady, phase, std::string(reason), std::move(message), std::nullopt};
  }
  static Outcome progressing(api::Phase phase, std::string_view reason, std::string message) {
    return {OutcomeKind::kProgressing, phase, std::string(reason), std::move(message), std::nullopt};
  }
  static Outcome stalled(api::Phase phase, std::string_view reason, std::string message) {
    return {OutcomeKind::kStalled, phase, std::string(reason), std::move(message), std::nullopt};
  }
  static Outcome retrying(std::string_view reason, std::string message) {
    return {OutcomeKind::kRetrying, std::nullopt, std::string(reason), std::move(message), std::nullopt};
  }
  static Outcome suspended(std::string message) {
    return {OutcomeKind::kSuspended, api::Phase::kPending, std::string(api::reason::kSuspended),
            std::move(message), std::nullopt};
  }
};

}  // namespace pgrevise::controller
