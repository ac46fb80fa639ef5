#pragma once

#include <string>
#include <vector>

#include "api/types.h"
#include "controller/cluster.h"

namespace pgrevise::controller {

// Event reasons (the transitions, plus the failures that stop a pipeline).
namespace event {
inline constexpr char kBackupStarted[] = "BackupStarted";
inline constexpr char kBackupSucceeded[] = "BackupSucceeded";
inline constexpr char kBackupFailed[] = "BackupFailed";
inline constexpr char kMigrationStarted[] = "MigrationStarted";
inline constexpr char kMigrated[] = "Migrated";
inline constexpr char kMigrationFailed[] = "MigrationFailed";
inline constexpr char kBlocked[] = "Blocked";
inline constexpr char kDryRunComplete[] = "DryRunComplete";
inline constexpr char kJobDisappeared[] = "JobDisappeared";
inline constexpr char kJobPodNotStarting[] = "JobPodNotStarting";
inline constexpr char kLintFindings[] = "LintFindings";
}  // namespace event

struct Event {
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
  bool operator==(const Event&) const = default;
};

// The events of the transition from `before` to `after` (the status read and the status written). Pure: they
// follow from what changed, so a reconcile that is retried or repeated emits nothing new, and nothing is lost
// when the operator restarts between two reconciles. Messages come from the status, which never holds a
// secret.
std::vector<Event> transition_events(const api::Status& before, const api::Status& after);

}  // namespace pgrevise::controller
