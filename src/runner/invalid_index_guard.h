#pragma once

// A non-transactional revision that fails or is interrupted inside CREATE INDEX CONCURRENTLY or REINDEX
// CONCURRENTLY leaves an invalid index behind. Running it again would keep that index: CREATE INDEX ... IF
// NOT EXISTS skips it, and REINDEX CONCURRENTLY builds a new copy beside the failed one; the revision would
// be recorded as applied with its index unusable. These checks refuse such a re-run and name the fix.

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "db/history.h"
#include "db/indexes.h"
#include "revision/graph.h"
#include "runner/executor.h"
#include "runner/index_scope.h"
#include "runner/options.h"

namespace pgrevise::runner {

// Before planning: a revision that never finished (its runner died) refuses the run, naming the invalid
// indexes it left; with --retry-unfinished and none left, it is marked resolved and the plan runs it again.
void refuse_unfinished(pqxx::connection& conn, const RunnerOptions& options,
                       const revision::RevisionGraph& graph);

// After planning: a step whose revision failed outside a transaction on its last attempt in that direction
// refuses the run when that attempt left invalid indexes.
void refuse_invalid_indexes_left(pqxx::connection& conn, const RunnerOptions& options,
                                 const std::vector<ExecStep>& steps);

// The invalid indexes an attempt (a history row) of statements with this scope left behind.
std::vector<db::InvalidIndex> invalid_indexes_left(pqxx::transaction_base& tx,
                                                   const db::HistoryTable& history, std::int64_t attempt_id,
                                                   const IndexScope& scope);

IndexScope index_scope(const ExecStep& step);

// "public.x on public.t, public.y_ccnew on public.u"
std::string describe_invalid_indexes(const std::vector<db::InvalidIndex>& indexes);
// "DROP INDEX CONCURRENTLY public.x (or, once the data allows it, REINDEX INDEX CONCURRENTLY public.x); ..."
std::string invalid_index_fixes(const std::vector<db::InvalidIndex>& indexes);

// `migrate check`: one finding for each invalid index in the database.
std::vector<std::string> invalid_index_findings(pqxx::transaction_base& tx);

}  // namespace pgrevise::runner
