#pragma once

#include <optional>
#include <string>

#include "api/types.h"
#include "common/job_report.h"
#include "controller/database_probe.h"
#include "controller/job_view.h"
#include "revision/plan.h"

namespace pgrevise::controller {

// Pure translations from what finished Jobs and the history table say into status fields.

// A finished migrate Job: its steps, and on failure the revision, SQLSTATE and message from the report (or
// the Job's own failure message when the Pod left no readable report).
api::LastRun last_run_from(const JobView& job, const std::optional<JobReport>& report);

// A succeeded backup Job's report: file, size, checksum, and the heads it was taken at.
api::LastBackup last_backup_from(const JobView& job, const std::optional<JobReport>& report);

// Why a Job failed, for a condition message: the report's error, else the Job's Failed condition.
std::string failure_message(const JobView& job, const std::optional<JobReport>& report);

// Whether a record that started at `started_at` (RFC 3339; the history table and reports write milliseconds)
// can be the record of `job`: it did not start before the Job, compared to the second since a Job's startTime
// has whole seconds. False while the Job has no startTime.
bool may_be_record_of(const std::string& started_at, const JobView& job);

// The version table's heads as messages name them: "base" when there is none, else "a, b".
std::string heads_text(const std::vector<std::string>& heads);

// Live progress while the migrate Job runs. `run` is the history table's latest run; one that started before
// the Job did belongs to an earlier run and is ignored. `plan` is the plan from the current heads, so its
// first step is the revision being applied. The statement the runner runs now (run->statement) is copied
// whatever run the history table shows.
api::Progress live_progress(const JobView& job, const std::optional<MigrationProgress>& run,
                            const revision::Plan& plan);

}  // namespace pgrevise::controller
