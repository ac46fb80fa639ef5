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

// Live progress while the migrate Job runs. `run` is the history table's latest run; one that started before
// the Job did belongs to an earlier run and is ignored. `plan` is the plan from the current heads, so its
// first step is the revision being applied.
api::Progress live_progress(const JobView& job, const std::optional<MigrationProgress>& run,
                            const revision::Plan& plan);

}  // namespace pgrevise::controller
