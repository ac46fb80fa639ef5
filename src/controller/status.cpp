#include "controller/status.h"

#include "api/conditions.h"
#include "api/reasons.h"
#include "common/redact.h"

namespace pgrevise::controller {
namespace {

namespace condition = api::condition;

// The length at which `text` can be cut without splitting a UTF-8 sequence (at most `limit`).
std::size_t utf8_cut(std::string_view text, std::size_t limit) {
  std::size_t cut = std::min(limit, text.size());
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

// A condition message as written: redacted, and at most kMaxConditionMessage bytes, so that a migration set
// of hundreds of broken files or an enormous value cannot bloat the resource (and every event copying it).
std::string condition_message(std::string_view message) {
  if (message.size() <= kMaxConditionMessage) return redact(message);
  // Cut with a margin first (redacting an enormous text is slow), then redact, then cut to size: a secret
  // straddling the first cut is masked or dropped by the second.
  std::string text = redact(message.substr(0, utf8_cut(message, kMaxConditionMessage + 1024)));
  const std::string suffix = " ... (" + std::to_string(message.size()) + " bytes in all, shortened)";
  text.resize(utf8_cut(text, kMaxConditionMessage - suffix.size()));
  return text + suffix;
}

void set_kstatus(api::Status& status, const Outcome& outcome, std::int64_t generation, std::string_view now) {
  const bool ready = outcome.kind == OutcomeKind::kReady;
  const bool reconciling =
      outcome.kind == OutcomeKind::kProgressing || outcome.kind == OutcomeKind::kRetrying;
  const bool stalled = outcome.kind == OutcomeKind::kStalled;
  const std::string message = condition_message(outcome.message);
  auto set = [&](std::string_view type, bool value) {
    // The true condition explains itself; the false ones carry the same reason so that each condition read
    // alone still says why (kstatus readers look at Ready first).
    api::set_condition(status.conditions, type, value, outcome.reason, message, generation, now);
  };
  set(condition::kReady, ready);
  set(condition::kReconciling, reconciling);
  set(condition::kStalled, stalled);
}

void set_stage(api::Status& status, std::string_view type, const std::optional<StageState>& stage,
               std::int64_t generation, std::string_view now) {
  if (stage) {
    api::set_condition(status.conditions, type, stage->status, stage->reason,
                       condition_message(stage->message), generation, now);
    return;
  }
  // Kept as it was, but observed at this generation (kstatus "current" needs every condition to say so).
  if (api::Condition* existing = api::find_condition(status.conditions, type)) {
    existing->observed_generation = generation;
  }
}

// Blocked, the safety gate's own condition (spec.safety.lint: block). True with LintBlocked while the gate
// holds the plan; False with LintApproved on the reconcile that lets an approved plan through, kept while
// that run goes on; removed by the next analysis that holds nothing, and when a block lifts without an
// approval (new files or target, another mode, nothing left to do), so that it never outlives what it says.
void set_blocked(api::Status& status, const Facts& facts, const Outcome& outcome, std::int64_t generation,
                 std::string_view now) {
  if (outcome.reason == api::reason::kLintBlocked) {
    api::set_condition(status.conditions, condition::kBlocked, true, outcome.reason,
                       condition_message(outcome.message), generation, now);
  } else if (facts.lint_approved) {
    api::set_condition(status.conditions, condition::kBlocked, false, api::reason::kLintApproved,
                       "plan " + *facts.lint_approved + " has findings at error severity (status.lint) and " +
                           "runs as approved by " + std::string(api::kApproveAnnotation),
                       generation, now);
  } else if (facts.lint || api::is_true(status.conditions, condition::kBlocked)) {
    api::remove_condition(status.conditions, condition::kBlocked);
  } else if (api::Condition* existing = api::find_condition(status.conditions, condition::kBlocked)) {
    existing->observed_generation = generation;
  }
}

}  // namespace

api::Status compute_status(const api::Status& old, const Facts& facts, const Outcome& outcome,
                           std::int64_t generation, std::string_view now) {
  api::Status status = old;
  status.observed_generation = generation;
  if (outcome.phase) status.phase = outcome.phase;
  if (!status.phase) status.phase = api::Phase::kPending;
  if (facts.current_heads) status.current_heads = *facts.current_heads;
  if (facts.target_heads) status.target_heads = *facts.target_heads;
  if (facts.pending_revisions) status.pending_revisions = *facts.pending_revisions;
  status.active_job = facts.active_job;
  status.progress = facts.progress;
  if (facts.last_run) status.last_run = facts.last_run;
  if (facts.last_backup) status.last_backup = facts.last_backup;
  if (facts.dry_run_config_map) status.dry_run_config_map = *facts.dry_run_config_map;
  if (facts.failed_plan_hash) status.failed_plan_hash = *facts.failed_plan_hash;
  if (facts.applied_plan_hash) status.applied_plan_hash = *facts.applied_plan_hash;
  if (facts.last_retry_token) status.last_retry_token = *facts.last_retry_token;
  if (facts.lint) status.lint = facts.lint;
  set_kstatus(status, outcome, generation, now);
  set_stage(status, condition::kBackupSucceeded, facts.backup_stage, generation, now);
  set_stage(status, condition::kMigrationSucceeded, facts.migration_stage, generation, now);
  set_blocked(status, facts, outcome, generation, now);
  return status;
}

}  // namespace pgrevise::controller
