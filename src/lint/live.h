#pragma once

#include <string>
#include <vector>

#include <pqxx/connection>

#include "lint/evidence.h"

// The online analysis's reader: the facts (lint/evidence.h) about relations, from the target database's
// catalogue, statistics and lock table. An adapter target of its own (pgrevise_lint_live), apart from the
// pure analysis.
namespace pgrevise::lint {

// The facts about each relation as the statements write it (resolved with the session's search_path). A name
// that resolves to nothing is a relation that does not exist (exists false). Rows are pg_class.reltuples, or
// pg_stat_user_tables.n_live_tup before the table was first analysed; bytes pg_total_relation_size (the sum
// over a partitioned table's partitions). The holders are the other sessions' granted or awaited locks on it,
// their queries through redact_sql. A name given more than once is read once. Reads only; throws what libpqxx
// throws.
RelationFactsMap read_relation_facts(pqxx::connection_base& connection,
                                     const std::vector<std::string>& relations);

}  // namespace pgrevise::lint
