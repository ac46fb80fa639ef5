#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "common/direction.h"
#include "db/version_table.h"

namespace pgrevise::db {

// The history table's direction column: "upgrade", "downgrade", or "stamp" for a row `stamp` wrote.
const char* history_direction(Direction direction, bool stamp);

// A step as the runner describes it before running it.
struct StepRecord {
  std::string revision;
  Direction direction = Direction::kUpgrade;
  bool stamp = false;    // a row `stamp` wrote: no SQL ran, and the direction column says "stamp"
  std::string checksum;  // SHA-256 of the revision file's SQL
  bool transactional = true;
  std::string run_id;            // identifies one runner invocation (for progress)
  int step_index = 0;            // 1-based position in the run's plan
  int step_count = 0;            // steps in the run's plan
  std::string pgrevise_version;  // the version of the runner
};

// A row of the history table.
struct HistoryEntry {
  std::int64_t id = 0;
  std::string revision;
  Direction direction = Direction::kUpgrade;
  bool stamp = false;  // see StepRecord::stamp
  std::string checksum;
  std::string started_at;   // RFC 3339 (UTC)
  std::string finished_at;  // empty while running
  std::optional<std::int64_t> duration_ms;
  std::string result;  // running | succeeded | failed
  std::string error;
  bool transactional = true;
  std::string run_id;
  int step_index = 0;
  int step_count = 0;
  std::string run_by_user;
  std::string application_name;
  std::string client_addr;
  std::string pgrevise_version;
};

// Progress of one run, for live status.
struct RunProgress {
  std::string run_id;
  int step_count = 0;
  int succeeded = 0;  // steps finished successfully
  int failed = 0;
  std::optional<std::string> running;  // revision being applied now, if any
  std::string started_at;              // of the run's first step
};

// The history table beside the version table (<name>_history in the same schema): every step with its
// checksum, timings, result and who ran it. Indexed so that recording a step costs the same on 50,000 rows as
// on none: every per-step statement goes through the primary key or a partial/compound index.
class HistoryTable {
 public:
  explicit HistoryTable(VersionTableName version_table);
  const VersionTableName& name() const { return table_; }

  // CREATE TABLE / INDEX IF NOT EXISTS statements, and the widening of an older table's revision column.
  std::vector<std::string> ddl() const;
  // Creates them if missing (and the schema); widens the revision column of a table created before revision
  // ids could be longer than 32 characters (VARCHAR(32) → TEXT).
  void ensure(pqxx::transaction_base& tx) const;
  bool exists(pqxx::transaction_base& tx) const;

  // Non-transactional revisions: a `running` row committed before the statements start (caller commits tx),
  // then finish() after. Returns the row id.
  std::int64_t start(pqxx::transaction_base& tx, const StepRecord& step) const;
  void finish(pqxx::transaction_base& tx, std::int64_t id, bool succeeded,
              const std::string& error = "") const;

  // Transactional revisions: one finished row written in the migration's own transaction; started_at is the
  // transaction's start (now()), finished_at the moment of this call.
  void record(pqxx::transaction_base& tx, const StepRecord& step) const;
  // The same as SQL text, for runners that batch a revision's statements into one round trip.
  std::string record_sql(const StepRecord& step) const;
  // The same INSERT prepared once per session (PREPARE statement_name ...), and its EXECUTE for one step: a
  // drop-in for record_sql in a batch that saves planning the wide INSERT for every revision. A prepared
  // statement belongs to its session, like the migration lock.
  std::string prepare_record_sql(const std::string& statement_name) const;
  std::string execute_record_sql(const std::string& statement_name, const StepRecord& step) const;
  // A failed transactional revision leaves no trace in its rolled-back transaction; record the failure apart.
  void record_failure(pqxx::transaction_base& tx, const StepRecord& step, std::chrono::milliseconds duration,
                      const std::string& error) const;

  // Entries still `running`: non-transactional revisions whose runner died mid-way. Oldest first.
  std::vector<HistoryEntry> unfinished(pqxx::transaction_base& tx) const;
  // The newest attempt of a revision in a direction, the one a re-run follows.
  std::optional<HistoryEntry> last_attempt(pqxx::transaction_base& tx, const std::string& revision,
                                           Direction direction) const;
  // Marks unfinished entries of a revision as failed with a note (after stamp or --retry-unfinished).
  int resolve_unfinished(pqxx::transaction_base& tx, const std::string& revision,
                         const std::string& note) const;
  // The newest `limit` entries, newest first.
  std::vector<HistoryEntry> recent(pqxx::transaction_base& tx, int limit) const;
  // For drift checks: the checksum of the last successful upgrade of each of these revisions (absent ones are
  // left out).
  std::map<std::string, std::string> last_checksums(pqxx::transaction_base& tx,
                                                    const std::vector<std::string>& revisions) const;
  // Progress of a run (by run_id), or of the latest run when run_id is empty; nullopt when there is none.
  std::optional<RunProgress> progress(pqxx::transaction_base& tx, const std::string& run_id = "") const;

 private:
  std::string bounded_revision_column_sql() const;  // a row when the revision column has a length limit
  std::string widen_revision_column_sql() const;

  VersionTableName table_;  // the history table itself
  std::string qualified_;
};

}  // namespace pgrevise::db
