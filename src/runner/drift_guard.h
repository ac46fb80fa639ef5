#pragma once

// An applied revision whose file changed since it ran (its checksum differs from the one the history table
// recorded) means the database no longer matches the files: `upgrade` and `sync` refuse to run on top of it,
// as Flyway's validate-on-migrate does, unless --allow-drift (spec.safety.allowDrift for the operator).

#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "revision/check.h"
#include "revision/graph.h"
#include "runner/options.h"

namespace pgrevise::runner {

// The kChecksumDrift findings (and the other version-row findings) of the revisions the rows imply, as
// `migrate check` reports them.
std::vector<revision::Finding> database_findings(pqxx::transaction_base& tx, const RunnerOptions& options,
                                                 const revision::RevisionGraph& graph,
                                                 const std::vector<std::string>& rows);

// Throws a bad-input Error naming every drifted file with check's message, and the ways out, unless
// options.allow_drift.
void refuse_drift(pqxx::transaction_base& tx, const RunnerOptions& options,
                  const revision::RevisionGraph& graph, const std::vector<std::string>& rows);

}  // namespace pgrevise::runner
