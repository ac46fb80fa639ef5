#pragma once

#include <vector>

#include "revision/graph.h"
#include "revision/plan.h"
#include "runner/executor.h"

namespace pgrevise::runner {

// Turns a plan into what the executor runs: each step's SQL section with its file location, the version-table
// changes, and for non-transactional revisions the statements one by one. Checks the whole plan first, so a
// downgrade through a revision without a `-- +downgrade` section is refused before anything runs.
std::vector<ExecStep> exec_steps(const revision::RevisionGraph& graph, const revision::Plan& plan);

}  // namespace pgrevise::runner
