#include "controller/events.h"

#include "api/conditions.h"
#include "api/reasons.h"
#include "common/strings.h"

namespace pgrevise::controller {
namespace {

namespace reason = api::reason;
namespace condition = api::condition;

bool phase_is(const api::Status& s, api::Phase phase) {
  return s.phase && *s.phase == phase;
}

const api::Condition* true_condition(const api::Status& s, std::string_view type) {
  const api::Condition* c = api::find_condition(s.conditions, type);
  return c != nullptr && c->status == api::kConditionTrue ? c : nullptr;
}

// A condition that is now False with `why`, and was not (or was for another reason or message) before.
const api::Condition* newly_false(const api::Status& before, const api::Status& after, std::string_view type,
                                  std::string_view why) {
  const api::Condition* now = api::find_condition(after.conditions, type);
  if (now == nullptr || now->status != api::kConditionFalse || now->reason != why) return nullptr;
  const api::Condition* was = api::find_condition(before.conditions, type);
  if (was != nullptr && was->status == now->status && was->reason == now->reason &&
      was->message == now->message) {
    return nullptr;
  }
  return now;
}

// A condition that is now True, and was not (or was for another reason or message) before.
const api::Condition* newly_true(const api::Status& before, const api::Status& after, std::string_view type) {
  const api::Condition* now = true_condition(after, type);
  if (now == nullptr) return nullptr;
  const api::Condition* was = true_condition(before, type);
  if (was != nullptr && was->reason == now->reason && was->message == now->message) return nullptr;
  return now;
}

void started_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  if (after.active_job.empty() || after.active_job == before.active_job) return;
  if (phase_is(after, api::Phase::kBackingUp)) {
    out.push_back({EventType::kNormal, event::kBackupStarted, "backup Job " + after.active_job + " started"});
  } else if (phase_is(after, api::Phase::kMigrating)) {
    out.push_back({EventType::kNormal, event::kMigrationStarted,
                   "migrate Job " + after.active_job +
                       " started: " + std::to_string(after.pending_revisions.size()) +
                       " revision(s) to apply (" + join(after.pending_revisions, ", ") + ")"});
  }
}

void backup_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  if (after.last_backup && after.last_backup != before.last_backup) {
    const auto& b = *after.last_backup;
    std::string message = "backup succeeded";
    if (!b.file.empty())
      message += ": " + b.file + " (" + std::to_string(b.size_bytes) + " bytes, sha256 " + b.sha256 + ")";
    out.push_back({EventType::kNormal, event::kBackupSucceeded, message});
  }
  // A server newer than the Job's pg_dump is a failed backup too, counted and announced as one.
  for (std::string_view failed : {reason::kBackupFailed, reason::kPgDumpTooOld}) {
    if (const auto* c = newly_false(before, after, condition::kBackupSucceeded, failed)) {
      out.push_back({EventType::kWarning, event::kBackupFailed, c->message});
    }
  }
}

void run_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  if (!after.last_run || after.last_run == before.last_run) return;
  const auto& run = *after.last_run;
  if (run.result == api::kRunSucceeded) {
    out.push_back({EventType::kNormal, event::kMigrated, run.message});
    return;
  }
  std::string message = "migration failed";
  if (!run.revision.empty()) message += " at revision " + run.revision;
  if (!run.sqlstate.empty()) message += " (SQLSTATE " + run.sqlstate + ")";
  out.push_back({EventType::kWarning, event::kMigrationFailed, message + ": " + run.message});
}

void blocked_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  const api::Condition* now = newly_true(before, after, condition::kStalled);
  // A failed Job's own event (BackupFailed, MigrationFailed) already says it.
  if (now == nullptr || now->reason == reason::kBackupFailed || now->reason == reason::kPgDumpTooOld ||
      now->reason == reason::kMigrationFailed || now->reason == reason::kJobDeadlineExceeded)
    return;
  if (now->reason == reason::kJobPodNotStarting) {
    out.push_back({EventType::kWarning, event::kJobPodNotStarting, now->message});
    return;
  }
  out.push_back({EventType::kWarning, event::kBlocked, now->reason + ": " + now->message});
}

// A Job of the run vanished before its result was read and was created again: someone or something
// (a person, ttlSecondsAfterFinished) removed it, which the people watching the resource should hear of.
void disappeared_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  const api::Condition* now = newly_true(before, after, condition::kReconciling);
  if (now == nullptr || now->reason != reason::kJobDisappeared) return;
  out.push_back({EventType::kWarning, event::kJobDisappeared, now->message});
}

// The safety analysis of a plan not reported before: one event with its counts and its most severe finding.
void lint_events(const api::Status& before, const api::Status& after, std::vector<Event>& out) {
  if (!after.lint || after.lint->findings.empty()) return;
  if (before.lint && before.lint->plan_hash == after.lint->plan_hash) return;
  int counts[3] = {0, 0, 0};
  for (const auto& f : after.lint->findings)
    ++counts[f.severity == "error" ? 0 : f.severity == "warning" ? 1 : 2];
  const auto& first = after.lint->findings.front();
  const std::string message = std::to_string(after.lint->total) + " lint finding(s) in plan " +
                              after.lint->plan_hash + " (" + std::to_string(counts[0]) + " error, " +
                              std::to_string(counts[1]) + " warning, " + std::to_string(counts[2]) +
                              " info shown in status.lint); first: revision " + first.revision + " line " +
                              std::to_string(first.line) + " [" + first.rule + "]: " + first.message;
  out.push_back(
      {counts[0] + counts[1] > 0 ? EventType::kWarning : EventType::kNormal, event::kLintFindings, message});
}

}  // namespace

std::vector<Event> transition_events(const api::Status& before, const api::Status& after) {
  std::vector<Event> out;
  backup_events(before, after, out);
  run_events(before, after, out);
  started_events(before, after, out);
  blocked_events(before, after, out);
  disappeared_events(before, after, out);
  lint_events(before, after, out);
  const api::Condition* ready = true_condition(after, condition::kReady);
  const api::Condition* was_ready = true_condition(before, condition::kReady);
  if (ready != nullptr && ready->reason == reason::kDryRunComplete &&
      (was_ready == nullptr || was_ready->reason != ready->reason || was_ready->message != ready->message)) {
    out.push_back({EventType::kNormal, event::kDryRunComplete, ready->message});
  }
  return out;
}

}  // namespace pgrevise::controller
