#pragma once

#include <string>
#include <vector>

#include "runner/executor.h"
#include "runner/options.h"

namespace pgrevise::runner {

// The complete SQL a run would execute, as one script for psql (Alembic's --sql): the version and history
// tables created if missing, then each revision with its version-table change and history row, each
// transactional revision in its own BEGIN/COMMIT (or the whole script in one with --transaction all), each
// non-transactional one statement by statement outside any transaction. Running it with psql on the database
// it was planned from leaves the state an online run leaves (history rows carry the time psql ran them).
// `version_table_width` is the width of version_num should the script create the version table.
std::string sql_script(const std::vector<ExecStep>& steps, const RunnerOptions& options,
                       const std::string& header_comment, const std::string& pgrevise_version,
                       size_t version_table_width);

}  // namespace pgrevise::runner
