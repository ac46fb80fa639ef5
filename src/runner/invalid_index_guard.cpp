#include "runner/invalid_index_guard.h"

#include <pqxx/transaction>

#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"
#include "revision/sql_splitter.h"

namespace pgrevise::runner {

namespace {

std::string fix_for(const db::InvalidIndex& index) {
  if (index.partitioned) {
    return "attach each partition's index (ALTER INDEX " + index.index_sql +
           " ATTACH PARTITION <its index>), or DROP INDEX " + index.index_sql;
  }
  // REINDEX CONCURRENTLY's copy: the index it was rebuilding is still there and valid (a _ccold one is the
  // old index that the rebuild replaced).
  if (concurrent_copy_base(index.name)) return "DROP INDEX CONCURRENTLY " + index.index_sql;
  return "DROP INDEX CONCURRENTLY " + index.index_sql + " (or, once the data allows it, REINDEX INDEX " +
         "CONCURRENTLY " + index.index_sql + ")";
}

// The statements of a revision's section in the direction a history row names, from the migration files;
// none when the file is gone (then only the indexes created during the attempt count).
IndexScope scope_of_attempt(const revision::RevisionGraph& graph, const db::HistoryEntry& attempt) {
  const auto found = graph.find(attempt.revision);
  if (!found) return {};
  const auto& script = graph.at(*found).script;
  const auto* section = attempt.direction == Direction::kDowngrade
                            ? (script.downgrade ? &*script.downgrade : nullptr)
                            : &script.upgrade;
  if (section == nullptr) return {};
  std::vector<std::string> statements;
  for (auto& statement : revision::split_sql(section->sql)) statements.push_back(std::move(statement.sql));
  return index_scope(statements);
}

[[noreturn]] void refuse(const std::string& revision, const std::string& what_happened,
                         const std::vector<db::InvalidIndex>& left, const std::string& rerun) {
  throw Error(
      ErrorKind::kMigrationFailed,
      "revision " + revision + " (non-transactional) " + what_happened +
          " and left invalid indexes: " + describe_invalid_indexes(left) +
          ". Running it again as it is would keep them invalid (CREATE INDEX ... IF NOT EXISTS skips an "
          "index that exists, and REINDEX CONCURRENTLY builds a new copy beside a failed one): fix each, "
          "then " +
          rerun + ": " + invalid_index_fixes(left));
}

}  // namespace

IndexScope index_scope(const ExecStep& step) {
  std::vector<std::string> statements;
  for (const auto& [statement, line] : step.statements) statements.push_back(statement);
  return index_scope(statements);
}

std::vector<db::InvalidIndex> invalid_indexes_left(pqxx::transaction_base& tx,
                                                   const db::HistoryTable& history, std::int64_t attempt_id,
                                                   const IndexScope& scope) {
  auto indexes = db::invalid_indexes(tx, history, attempt_id);
  std::erase_if(indexes, [&](const db::InvalidIndex& index) { return !left_by(index, scope); });
  return indexes;
}

std::string describe_invalid_indexes(const std::vector<db::InvalidIndex>& indexes) {
  std::vector<std::string> names;
  for (const auto& index : indexes) names.push_back(index.index_sql + " on " + index.table_sql);
  return join(names, ", ");
}

std::string invalid_index_fixes(const std::vector<db::InvalidIndex>& indexes) {
  std::vector<std::string> fixes;
  for (const auto& index : indexes) fixes.push_back(fix_for(index));
  return join(fixes, "; ");
}

void refuse_unfinished(pqxx::connection& conn, const RunnerOptions& options,
                       const revision::RevisionGraph& graph) {
  db::HistoryTable history(options.version_table);
  pqxx::work tx(conn);
  const auto unfinished = history.unfinished(tx);
  if (unfinished.empty()) return;
  for (const auto& e : unfinished) {
    const auto left = invalid_indexes_left(tx, history, e.id, scope_of_attempt(graph, e));
    if (!left.empty()) refuse(e.revision, "never finished", left, "re-run with --retry-unfinished");
  }
  if (options.retry_unfinished) {
    for (const auto& e : unfinished) {
      history.resolve_unfinished(tx, e.revision, "re-run with --retry-unfinished");
      log::warn("re-running unfinished revision", {{"revision", e.revision}, {"startedAt", e.started_at}});
    }
    tx.commit();
    return;
  }
  const auto& e = unfinished.front();
  throw Error(ErrorKind::kMigrationFailed,
              "revision " + e.revision + " (non-transactional) was started at " + e.started_at + " by " +
                  e.run_by_user + " (" + e.application_name +
                  ") and never finished, so its statements may be partly applied. Inspect the database, then "
                  "either `pgrevise migrate stamp " +
                  e.revision +
                  "` if it completed, or re-run with --retry-unfinished if its statements are idempotent");
}

void refuse_invalid_indexes_left(pqxx::connection& conn, const RunnerOptions& options,
                                 const std::vector<ExecStep>& steps) {
  if (steps.empty()) return;
  pqxx::read_transaction tx(conn);
  // The common case costs one catalog read: no invalid index, nothing any attempt could have left.
  if (db::invalid_indexes(tx).empty()) return;
  db::HistoryTable history(options.version_table);
  for (const auto& step : steps) {
    const auto attempt = history.last_attempt(tx, step.revision, step.direction);
    if (!attempt || attempt->transactional || attempt->result != "failed") continue;
    const auto left = invalid_indexes_left(tx, history, attempt->id, index_scope(step));
    if (!left.empty()) refuse(step.revision, "failed", left, "re-run");
  }
}

std::vector<std::string> invalid_index_findings(pqxx::transaction_base& tx) {
  std::vector<std::string> findings;
  for (const auto& index : db::invalid_indexes(tx)) {
    const std::string why = index.partitioned ? "a partitioned index is invalid until every partition has "
                                                "its index attached"
                                              : "left by a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY "
                                                "that failed or was interrupted";
    findings.push_back(
        "invalid index: " + index.index_sql + " on " + index.table_sql + " (" + why +
        "; queries do not use it, and a unique one does not guarantee uniqueness); fix: " + fix_for(index));
  }
  return findings;
}

}  // namespace pgrevise::runner
