#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/types.h"
#include "controller/context.h"
#include "controller/outcome.h"

namespace pgrevise::controller {

// Condition messages longer than this are shortened (with their full length said at the end).
inline constexpr std::size_t kMaxConditionMessage = 4096;

// The status a reconcile writes, computed from the status read, what the steps learned and how they ended.
// Pure: the same inputs give the same status, so a reconcile that learns nothing new computes the status it
// read and skips the write.
//  - kstatus: Ready, Reconciling and Stalled are always present, each with observedGeneration = `generation`;
//    exactly one of them is True (none for a suspended resource), carrying the outcome's reason and message.
//  - BackupSucceeded and MigrationSucceeded follow the facts' stages and otherwise keep their last value.
//  - Blocked (the safety gate): True with LintBlocked while the outcome is LintBlocked (Stalled is True too:
//    nothing moves until a person acts); False with LintApproved when the facts say an approved plan went
//    ahead; removed when a new analysis holds nothing or a block lifted otherwise; else kept as it was.
//  - condition messages pass through redact() and are at most kMaxConditionMessage bytes;
//  - lastTransitionTime changes only when a condition's status does (`now` is RFC 3339).
api::Status compute_status(const api::Status& old, const Facts& facts, const Outcome& outcome,
                           std::int64_t generation, std::string_view now);

}  // namespace pgrevise::controller
