// Rules on indexes (building, dropping, rebuilding) and on statements a retried non-transactional revision
// must be able to run twice.
#include "lint/rules.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

void require_concurrent_index_creation(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "IndexStmt" || tree::flag(c.node, "concurrent")) return;
  const json& relation = tree::field(c.node, "relation");
  if (is_new_table(c, relation)) return;
  out.push_back({"CREATE INDEX without CONCURRENTLY takes SHARE on " + tree::relation_name(relation) +
                     ": writes wait until the index is built",
                 "CREATE INDEX CONCURRENTLY, in a revision with `transactional: false`"});
}

void require_concurrent_index_deletion(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "DropStmt" || tree::text(c.node, "removeType") != "OBJECT_INDEX") return;
  if (tree::flag(c.node, "concurrent")) return;
  out.push_back(
      {"DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table: reads and "
       "writes wait",
       "DROP INDEX CONCURRENTLY, in a revision with `transactional: false`"});
}

void require_concurrent_reindex(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "ReindexStmt") return;
  for (const auto& p : tree::list(c.node, "params"))
    if (tree::text(tree::body(p), "defname") == "concurrently") return;
  out.push_back({"REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index)",
                 "REINDEX ... CONCURRENTLY (PostgreSQL 12 on), in a revision with `transactional: false`"});
}

void ban_concurrent_index_creation_in_transaction(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "IndexStmt" || !tree::flag(c.node, "concurrent") || !c.state.in_transaction()) return;
  out.push_back(
      {"CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and this revision runs "
       "in one",
       "put it in a revision of its own with `-- transactional: false`"});
}

// Whether a statement can be run again after a non-transactional revision failed part way.
std::string robust_problem(const StatementContext& c) {
  if (c.kind == "CreateStmt" && !tree::flag(c.node, "if_not_exists"))
    return "CREATE TABLE without IF NOT EXISTS";
  if (c.kind == "IndexStmt" && !tree::flag(c.node, "if_not_exists") && !tree::text(c.node, "idxname").empty())
    return "CREATE INDEX without IF NOT EXISTS";
  if (c.kind == "DropStmt" && !tree::flag(c.node, "missing_ok")) return "DROP without IF EXISTS";
  if (c.kind != "AlterTableStmt") return "";
  for (const auto& item : tree::list(c.node, "cmds")) {
    const json& cmd = tree::body(item);
    const std::string subtype = tree::text(cmd, "subtype");
    const bool guarded = tree::flag(cmd, "missing_ok");
    if (subtype == "AT_AddColumn" && !guarded) return "ADD COLUMN without IF NOT EXISTS";
    if ((subtype == "AT_DropColumn" || subtype == "AT_DropConstraint") && !guarded)
      return subtype == "AT_DropColumn" ? "DROP COLUMN without IF EXISTS"
                                        : "DROP CONSTRAINT without IF EXISTS";
  }
  return "";
}

void prefer_robust_stmts(const StatementContext& c, std::vector<Hit>& out) {
  if (c.state.in_transaction()) return;  // a failed transactional revision leaves nothing behind
  const std::string problem = robust_problem(c);
  if (problem.empty()) return;
  out.push_back({problem + " in a non-transactional revision: if the revision fails after it, running it "
                           "again fails here",
                 "add IF NOT EXISTS / IF EXISTS so the revision can be run again"});
}

}  // namespace

void add_index_rules(std::vector<Rule>& rules) {
  rules.insert(
      rules.end(),
      {
          {"require-concurrent-index-creation", Severity::kError,
           "CREATE INDEX without CONCURRENTLY on an existing table", require_concurrent_index_creation},
          {"require-concurrent-index-deletion", Severity::kError, "DROP INDEX without CONCURRENTLY",
           require_concurrent_index_deletion},
          {"require-concurrent-reindex", Severity::kError, "REINDEX without CONCURRENTLY",
           require_concurrent_reindex, 12},
          {"ban-concurrent-index-creation-in-transaction", Severity::kError,
           "CREATE INDEX CONCURRENTLY in a transactional revision",
           ban_concurrent_index_creation_in_transaction},
          {"prefer-robust-stmts", Severity::kWarning,
           "a statement a failed non-transactional revision cannot run again", prefer_robust_stmts},
      });
}

}  // namespace pgrevise::lint
