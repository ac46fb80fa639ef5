#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lint/finding.h"
#include "lint/locks.h"

// The online part of the analysis: what the target database says about the relations the findings name (their
// size, and the sessions that hold or wait for a lock on them now), and the severity that evidence gives each
// finding. Pure: an adapter (lint/live.h) reads the facts; this takes them as plain data.
namespace pgrevise::lint {

// Another session's lock on a relation, granted or waited for.
struct LockHolder {
  int pid = 0;
  std::string mode;        // as pg_locks.mode shows it: "AccessShareLock"
  bool granted = true;     // false: it waits for the lock itself
  std::string state;       // pg_stat_activity.state: "idle in transaction", "active", ...
  double age_seconds = 0;  // since its transaction (else its query) started
  std::string query;       // its current or last query, redacted (redact_sql) by the reader
};

// One relation as the database shows it now.
struct RelationFacts {
  bool exists = false;
  std::string name;             // schema-qualified, as the server names it ("public.orders")
  double rows = 0;              // estimated (pg_class.reltuples, else pg_stat_user_tables.n_live_tup)
  std::int64_t bytes = 0;       // with its indexes and TOAST (pg_total_relation_size)
  std::int64_t heap_bytes = 0;  // the table alone (pg_relation_size): 0 for a table that never held a row
  std::vector<LockHolder> holders;
};

// Keyed by the relation as the statements write it (Finding::relation).
using RelationFactsMap = std::map<std::string, RelationFacts, std::less<>>;

// How evidence turns into severity and time (docs/safety.md, "Online"). A finding on a relation at or above
// either threshold is an error; rewrite and scan times are estimated at the throughput.
struct EvidenceOptions {
  double throughput_mb_per_s = 150;           // MB (10^6 bytes) read and written per second
  double large_rows = 10'000'000;             // estimated rows
  std::int64_t large_bytes = 10'000'000'000;  // bytes, indexes included
};

// The relations the findings name, each once, in order.
std::vector<std::string> relations_of(const std::vector<Finding>& findings);

// Whether a lock at `held` (granted or waited for by another session) keeps a statement that needs `wanted`
// waiting: the server's lock conflict table.
bool conflicts(LockLevel wanted, LockLevel held);

// "12.4 M rows", "3.1 GB", "about 21 s" as the messages write them.
std::string rows_text(double rows);
std::string bytes_text(std::int64_t bytes);
std::string seconds_text(double seconds);

// What one statement does to a relation whose facts are known.
struct StatementFacts {
  const Effect& effect;
  bool new_table = false;  // created earlier in the same revision
};

// Applies the evidence to one finding on the relation the finding names: the severity it gives and the
// evidence appended to the message. Findings without a lock or a relation are left as they are.
//   - a relation created earlier in the revision, or that does not exist yet (an earlier revision of the plan
//     creates it): info;
//   - an empty table (no estimated rows and an empty heap), with no session in the way: info;
//   - rows or bytes at or above a threshold: error;
//   - a session holding or waiting for a conflicting lock now: at least warning, named by pid.
void apply_evidence(Finding& finding, const StatementFacts& statement, const RelationFacts& facts,
                    const EvidenceOptions& options);

}  // namespace pgrevise::lint
