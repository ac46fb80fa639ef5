#pragma once

#include <string>
#include <vector>

#include <pqxx/connection>

#include "runner/executor.h"

namespace pgrevise::runner {

// The lock column of `migrate plan`, one cell per step: the strongest table lock among the step's statements,
// on which relation, and whether that statement rewrites or scans the table ("ACCESS EXCLUSIVE on t,
// rewrites"), as `pgrevise lint` works them out. "-" when no statement locks a table that exists before the
// step (a table the step creates is nobody else's yet); " (+N unparsed)" when the grammar refused some
// statements, whose locks are unknown. With `live`, a connection to the target database, each cell also shows
// the table's estimated rows and bytes now and, for a rewrite or scan, the time it takes at the default
// throughput of `pgrevise lint` (docs/safety.md); "(not created yet)" for a table an earlier step creates.
// The locks are those of `live`'s server version (lint::kDefaultServerVersion without a connection).
// With `notes`, also one informational line per step (grammar_note, "" for none) when the grammar refused a
// statement of the step.
std::vector<std::string> plan_lock_column(const std::vector<ExecStep>& steps,
                                          pqxx::connection_base* live = nullptr,
                                          std::vector<std::string>* notes = nullptr);

// The informational line said when PostgreSQL's grammar (libpg_query) cannot parse a revision's SQL, in the
// compiler style of `pgrevise lint` under its rule, unsupported-syntax: "FILE:LINE:COL:
// note[unsupported-syntax]: the PostgreSQL 15 grammar cannot parse this statement (MESSAGE): CONSEQUENCE".
std::string grammar_note(const std::string& file, int line, int column, const std::string& message,
                         const std::string& consequence);

}  // namespace pgrevise::runner
