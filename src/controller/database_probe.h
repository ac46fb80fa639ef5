#pragma once

// How the reconciler looks at the database itself: the version table's rows (the applied heads) and the
// progress of the latest run in the history table. Reading the database directly lets status report
// currentHeads and pendingRevisions while nothing runs, and notice a database changed out of band.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "db/version_table_name.h"
#include "lint/evidence.h"

namespace pgrevise::controller {

// A database as a resource's spec.database resolves it (the password read from its Secret).
struct DatabaseTarget {
  // libpq URL or keyword/value conninfo, password included: for libpq only, never logged or shown.
  std::string conninfo;
  // The same with the password masked, for messages ("postgresql://app:******@db:5432/app").
  std::string display;
  db::VersionTableName version_table;
};

// What the runner's session runs now (its statement as runner::statement_summary gives it), as
// status.progress shows it.
using StatementActivity = api::StatementActivity;

// Where the latest migrate run stands, from the history table beside the version table.
struct MigrationProgress {
  std::string run_id;
  int total = 0;        // steps in the run's plan
  int done = 0;         // steps finished successfully
  int failed = 0;       // steps that failed
  std::string running;  // the revision being applied, when the table says (non-transactional revisions only)
  std::string started_at;  // RFC 3339, of the run's first step
  // What the runner runs at this moment, whichever run it is; nullopt when no runner runs a statement.
  std::optional<StatementActivity> statement;
  bool operator==(const MigrationProgress&) const = default;
};

class DatabaseProbe {
 public:
  virtual ~DatabaseProbe() = default;

  // The version table's rows, sorted; empty when the table does not exist yet. Throws pgrevise::Error of kind
  // kConnection when the database cannot be reached or refuses the login (the message names host:port, never
  // the password); kTransient when the server answered with an error that goes away by itself (a statement or
  // lock timeout, a deadlock, too many connections, a server shutting down); any other pgrevise::Error when
  // the version table cannot be read as it is (no privilege, another shape). Returns within a short connect
  // timeout.
  virtual std::vector<std::string> read_heads(const DatabaseTarget& target) = 0;

  // The latest run recorded in the history table, with the statement a runner runs now; nullopt when there
  // is neither (no history table or no run yet, and no runner holding the migration lock). Errors as for
  // read_heads.
  virtual std::optional<MigrationProgress> read_progress(const DatabaseTarget& target) = 0;

  // The safety analysis's facts (lint/evidence.h) about each of `relations` as the statements write them:
  // size, and the sessions holding or waiting for locks on it. Errors as for read_heads. A probe that cannot
  // tell knows none (the analysis then stays offline).
  virtual lint::RelationFactsMap read_relation_facts(const DatabaseTarget& target,
                                                     const std::vector<std::string>& relations) {
    (void)target;
    (void)relations;
    return {};
  }

  // The server's major version (15 for 15.4), which the safety analysis's version-dependent rules and locks
  // follow. Errors as for read_heads. nullopt from a probe that cannot tell (the analysis then assumes
  // lint::kDefaultServerVersion, as `pgrevise lint` does offline).
  virtual std::optional<int> read_server_version(const DatabaseTarget& target) {
    (void)target;
    return std::nullopt;
  }
};

}  // namespace pgrevise::controller
