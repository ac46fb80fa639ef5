#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/connection>

#include "db/version_table_name.h"

namespace pgrevise::db {

// What pg_stat_progress_create_index says about a CREATE INDEX or REINDEX while it runs. A total of 0 means
// the current phase does not count that unit.
struct IndexBuildProgress {
  std::string command;  // "CREATE INDEX CONCURRENTLY", "REINDEX", ...
  std::string phase;    // "building index: scanning table", "waiting for writers before build", ...
  std::string index;    // the index being built, as regclass text ("" before it exists)
  std::int64_t blocks_done = 0;
  std::int64_t blocks_total = 0;
  std::int64_t tuples_done = 0;
  std::int64_t tuples_total = 0;
  bool operator==(const IndexBuildProgress&) const = default;
};

// One backend as pg_stat_activity shows it, with its index build when it runs one. The query text is the
// server's (possibly cut at track_activity_query_size) and is shown only through redact_sql().
struct BackendActivity {
  int pid = 0;
  std::string application_name;
  std::string state;  // "active", "idle", "idle in transaction", ...
  std::string query;
  double running_seconds = 0;  // since the current (or last) query started, by the server's clock
  std::string wait_event;      // "Lock:virtualxid" while it waits, else ""
  std::optional<IndexBuildProgress> index_build;
  bool operator==(const BackendActivity&) const = default;
};

// The backend with this pid in any database; nullopt when it is gone. Read from another session: a role
// sees the query text of its own sessions (and of all with pg_read_all_stats).
std::optional<BackendActivity> backend_activity(pqxx::connection_base& c, int pid);

// The runner migrating this database with `table` as its version table: the session holding its migration
// lock (migration_lock_key), nullopt when no runner holds it.
std::optional<BackendActivity> migration_runner_activity(pqxx::connection_base& c,
                                                         const VersionTableName& table);

}  // namespace pgrevise::db
