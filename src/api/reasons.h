#pragma once

#include <string_view>

// Condition types and Reason constants for PostgresMigration status. Every step of the reconciler maps its
// outcome to one Reason, so that `kubectl get pgm -o yaml`, events and alerts speak the same words.
namespace pgrevise::api {

// Condition types (kstatus: Ready, Reconciling, Stalled; plus the two pipeline stages, and the safety gate).
namespace condition {
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kReconciling = "Reconciling";
inline constexpr std::string_view kStalled = "Stalled";
inline constexpr std::string_view kBackupSucceeded = "BackupSucceeded";
inline constexpr std::string_view kMigrationSucceeded = "MigrationSucceeded";
// The safety gate (spec.safety.lint: block) holds the plan until it is approved: True with LintBlocked while
// it does (Stalled is True too), False with LintApproved once an approved plan goes ahead; absent otherwise.
inline constexpr std::string_view kBlocked = "Blocked";
}  // namespace condition

inline constexpr std::string_view kConditionTrue = "True";
inline constexpr std::string_view kConditionFalse = "False";
inline constexpr std::string_view kConditionUnknown = "Unknown";

namespace reason {
// The spec itself is wrong (the user must edit the resource).
inline constexpr std::string_view kInvalidSpec = "InvalidSpec";
inline constexpr std::string_view kInvalidTarget = "InvalidTarget";
inline constexpr std::string_view kDowngradeNotAllowed = "DowngradeNotAllowed";
// Referenced objects and their content.
inline constexpr std::string_view kSecretNotFound = "SecretNotFound";
inline constexpr std::string_view kSecretKeyNotFound = "SecretKeyNotFound";
inline constexpr std::string_view kConfigMapNotFound = "ConfigMapNotFound";
inline constexpr std::string_view kInvalidMigrations = "InvalidMigrations";  // unreadable files, broken graph
// The database.
inline constexpr std::string_view kDatabaseUnreachable = "DatabaseUnreachable";
// TLS to the database failed on a certificate: the server's is not signed by the CA of spec.database.tls or
// does not name the host (verify-full), or the server refused ours. Retrying cannot help until one of them
// changes.
inline constexpr std::string_view kDatabaseCertificateRejected = "DatabaseCertificateRejected";
inline constexpr std::string_view kVersionTableUnreadable = "VersionTableUnreadable";
inline constexpr std::string_view kOutOfBandChange = "OutOfBandChange";  // heads moved outside the operator
// Backup stage.
inline constexpr std::string_view kBackupRunning = "BackupRunning";
inline constexpr std::string_view kBackupFailed = "BackupFailed";
inline constexpr std::string_view kBackupSucceeded = "BackupSucceeded";
inline constexpr std::string_view kBackupDisabled = "BackupDisabled";
// The server is newer than every pg_dump the backup Job had: pg_dump cannot dump it, so retrying cannot help;
// client tools as new as the server can (an image that has them).
inline constexpr std::string_view kPgDumpTooOld = "PgDumpTooOld";
// Migration stage.
inline constexpr std::string_view kMigrationRunning = "MigrationRunning";
inline constexpr std::string_view kMigrationFailed = "MigrationFailed";
inline constexpr std::string_view kMigrated = "Migrated";
inline constexpr std::string_view kUpToDate = "UpToDate";
inline constexpr std::string_view kMigrationPending = "MigrationPending";
// Dry run.
inline constexpr std::string_view kDryRunRunning = "DryRunRunning";
inline constexpr std::string_view kDryRunComplete = "DryRunComplete";
inline constexpr std::string_view kDryRunFailed = "DryRunFailed";
// Control.
inline constexpr std::string_view kSuspended = "Suspended";
inline constexpr std::string_view kRetryRequested = "RetryRequested";
inline constexpr std::string_view kAwaitingRetry =
    "AwaitingRetry";  // the failed plan is not re-run by itself
// The safety analysis (spec.safety.lint: block) found an error in the plan: nothing starts until the resource
// is annotated pgrevise.dev/approve with the plan's hash (status.lint.planHash).
inline constexpr std::string_view kLintBlocked = "LintBlocked";
// The plan had findings at error severity and goes ahead because pgrevise.dev/approve holds its hash.
inline constexpr std::string_view kLintApproved = "LintApproved";
// Jobs.
inline constexpr std::string_view kJobCreateFailed = "JobCreateFailed";
inline constexpr std::string_view kJobDeadlineExceeded = "JobDeadlineExceeded";
inline constexpr std::string_view kJobReportInvalid = "JobReportInvalid";  // termination message unreadable
inline constexpr std::string_view kJobDisappeared = "JobDisappeared";
// A Job's Pod could not start: its image cannot be pulled, no node can take it, or the API refused to create
// it (a quota, PodSecurity admission). The message carries Kubernetes' own reason and message; the Job is
// deleted.
inline constexpr std::string_view kJobPodNotStarting = "JobPodNotStarting";
// Generic progress and transient trouble.
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kTransientError = "TransientError";
inline constexpr std::string_view kDeleting = "Deleting";

// The Stalled reasons that say the input is wrong (the spec, its Secret or ConfigMap, the migration files, a
// refused downgrade, a Job the API refused, heads moved outside the operator, a Job image whose pg_dump is
// older than the server): changing the input clears them, waiting does not. `pgrevise apply` exits 2 (bad
// input) on these and 1 on any other.
inline constexpr std::string_view kBadInputReasons[] = {
    kInvalidSpec,       kInvalidTarget,     kDowngradeNotAllowed, kSecretNotFound,  kSecretKeyNotFound,
    kConfigMapNotFound, kInvalidMigrations, kJobCreateFailed,     kOutOfBandChange, kPgDumpTooOld};
inline constexpr bool is_bad_input(std::string_view reason) {
  for (std::string_view bad_input : kBadInputReasons)
    if (reason == bad_input) return true;
  return false;
}
}  // namespace reason

}  // namespace pgrevise::api
