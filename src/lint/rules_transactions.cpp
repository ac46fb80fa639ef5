// Rules on transactions and timeouts: what a revision's transaction mode can run, BEGIN / COMMIT inside a
// revision, lock_timeout before a lock that blocks everything, enum values.
#include <algorithm>

#include "lint/rules.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

std::string transaction_kind(const StatementContext& c) {
  return c.kind == "TransactionStmt" ? tree::text(c.node, "kind") : std::string();
}

void transaction_nesting(const StatementContext& c, std::vector<Hit>& out) {
  const std::string kind = transaction_kind(c);
  if (!c.state.transactional) return;
  if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
    out.push_back(
        {"BEGIN inside a transactional revision: pgrevise already runs the revision in a "
         "transaction, so this only warns and nests nothing",
         "remove BEGIN / COMMIT; or set `-- transactional: false` and manage transactions here"});
  } else if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK") {
    out.push_back(
        {"COMMIT / ROLLBACK inside a transactional revision ends pgrevise's transaction early: the "
         "rest of the revision and its version stamp run outside it",
         "remove it; or set `-- transactional: false`"});
  }
}

// The statement cannot run inside a transaction block; empty when it can.
std::string needs_no_transaction(const StatementContext& c) {
  if (c.kind == "DropStmt" && tree::flag(c.node, "concurrent")) return "DROP INDEX CONCURRENTLY";
  if (c.kind == "ReindexStmt") {
    for (const auto& p : tree::list(c.node, "params"))
      if (tree::text(tree::body(p), "defname") == "concurrently") return "REINDEX CONCURRENTLY";
  }
  if (c.kind == "VacuumStmt" && tree::flag(c.node, "is_vacuumcmd")) return "VACUUM";
  if (c.kind == "CreatedbStmt") return "CREATE DATABASE";
  if (c.kind == "DropdbStmt") return "DROP DATABASE";
  if (c.kind == "AlterSystemStmt") return "ALTER SYSTEM";
  if (c.kind == "CreateTableSpaceStmt") return "CREATE TABLESPACE";
  if (c.kind == "DropTableSpaceStmt") return "DROP TABLESPACE";
  if (c.kind == "AlterTableStmt") {
    for (const auto& item : tree::list(c.node, "cmds")) {
      const json& cmd = tree::body(item);
      if (tree::text(cmd, "subtype") == "AT_DetachPartition" &&
          tree::flag(tree::body(tree::field(cmd, "def")), "concurrent"))
        return "DETACH PARTITION CONCURRENTLY";
    }
  }
  return "";
}

void transaction_mode_mismatch(const StatementContext& c, std::vector<Hit>& out) {
  if (!c.state.in_transaction()) return;
  const std::string what = needs_no_transaction(c);
  if (what.empty()) return;
  out.push_back({what + " cannot run inside a transaction block, and this revision runs in one",
                 "put it in a revision of its own with `-- transactional: false`"});
}

void adding_enum_value_in_transaction(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind == "AlterEnumStmt" && !tree::text(c.node, "newVal").empty() && c.state.in_transaction() &&
      c.options.server_version < 12) {
    out.push_back({"ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12",
                   "put it in a revision of its own with `-- transactional: false`"});
    return;
  }
  if (!c.state.in_transaction() || c.state.added_enum_values.empty() || c.kind == "AlterEnumStmt") return;
  for (const auto& value : c.state.added_enum_values) {
    if (c.text.find("'" + value + "'") == std::string::npos) continue;
    out.push_back({"enum value '" + value +
                       "' is used in the transaction that added it: the server refuses "
                       "(\"unsafe use of new value\") until that transaction commits",
                   "add the value in an earlier revision (or one with `-- transactional: false`)"});
    return;
  }
}

void require_lock_timeout(const StatementContext& c, std::vector<Hit>& out) {
  if (c.options.runner_lock_timeout || c.state.lock_timeout_set) return;
  if (c.effect.strongest() != LockLevel::kAccessExclusive) return;
  const auto* target = c.effect.primary();
  if (target == nullptr || c.state.created_tables.count(target->relation) > 0) return;
  out.push_back({"ACCESS EXCLUSIVE on " + target->relation +
                     " without a lock_timeout: while it waits for the "
                     "lock, every query on the table queues behind it",
                 "SET lock_timeout = '5s' earlier in the revision, or run it with pgrevise's --lock-timeout "
                 "(spec.safety.lockTimeout), which retries"});
}

void require_statement_timeout(const StatementContext& c, std::vector<Hit>& out) {
  if (c.state.statement_timeout_set || c.effect.strongest() < LockLevel::kShare) return;
  if (c.effect.primary() == nullptr || c.state.created_tables.count(c.effect.primary()->relation) > 0) return;
  out.push_back({"a blocking lock on " + c.effect.primary()->relation + " without a statement_timeout",
                 "SET statement_timeout earlier in the revision (pgrevise: --statement-timeout)"});
}

void require_timeout_settings(const StatementContext& c, std::vector<Hit>& out) {
  if (c.effect.strongest() < LockLevel::kShare || c.effect.primary() == nullptr) return;
  if (c.state.created_tables.count(c.effect.primary()->relation) > 0) return;
  if (c.state.lock_timeout_set && c.state.statement_timeout_set) return;
  out.push_back({"a blocking lock on " + c.effect.primary()->relation +
                     " without both lock_timeout and statement_timeout set earlier in the revision",
                 "SET lock_timeout and statement_timeout at the top of the revision"});
}

bool timeout_on(const json& node) {
  if (tree::text(node, "kind") != "VAR_SET_VALUE") return false;
  const auto& args = tree::list(node, "args");
  if (args.empty()) return false;
  const json& value = tree::body(args[0]);
  if (value.contains("ival")) return !tree::field(value, "ival").empty();  // absent ival: 0
  const std::string s = tree::text(tree::field(value, "sval"), "sval");
  return !s.empty() && s != "0";
}

// ADD CONSTRAINT c CHECK (col IS NOT NULL) [NOT VALID] and VALIDATE CONSTRAINT c, remembered for SET NOT
// NULL.
void track_not_null_checks(RevisionState& state, const json& node) {
  const std::string table = tree::relation_name(tree::field(node, "relation"));
  for (const auto& item : tree::list(node, "cmds")) {
    const json& cmd = tree::body(item);
    const std::string subtype = tree::text(cmd, "subtype");
    if (subtype == "AT_ValidateConstraint") {
      auto it = state.not_null_checks.find(tree::text(cmd, "name"));
      if (it != state.not_null_checks.end()) state.validated_not_null.insert(it->second);
      continue;
    }
    const json& c = tree::body(tree::field(cmd, "def"));
    if (subtype != "AT_AddConstraint" || !tree::is_constraint(c, "CONSTR_CHECK")) continue;
    const json& test = tree::body(tree::field(c, "raw_expr"));
    if (tree::text(test, "nulltesttype") != "IS_NOT_NULL") continue;
    const auto column = tree::strings(tree::list(tree::body(tree::field(test, "arg")), "fields"));
    if (column.size() != 1) continue;
    const std::string key = table + "." + tree::quote_identifier(column.front());
    state.not_null_checks[tree::text(c, "conname")] = key;
    if (!tree::flag(c, "skip_validation")) state.validated_not_null.insert(key);
  }
}

}  // namespace

void advance(RevisionState& state, std::string_view kind, const json& node) {
  if (kind == "VariableSetStmt") {
    const std::string name = tree::text(node, "name");
    if (name == "lock_timeout") state.lock_timeout_set = timeout_on(node);
    if (name == "statement_timeout") state.statement_timeout_set = timeout_on(node);
  } else if (kind == "TransactionStmt") {
    const std::string k = tree::text(node, "kind");
    if (k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START") state.explicit_transaction = true;
    if (k == "TRANS_STMT_COMMIT" || k == "TRANS_STMT_ROLLBACK") state.explicit_transaction = false;
  } else if (kind == "CreateStmt") {
    state.created_tables.insert(tree::relation_name(tree::field(node, "relation")));
  } else if (kind == "CreateTableAsStmt") {
    state.created_tables.insert(tree::relation_name(tree::field(tree::field(node, "into"), "rel")));
  } else if (kind == "AlterTableStmt") {
    track_not_null_checks(state, node);
  } else if (kind == "AlterEnumStmt" && !tree::text(node, "newVal").empty()) {
    state.added_enum_values.push_back(tree::text(node, "newVal"));
  }
}

void add_transaction_rules(std::vector<Rule>& rules) {
  rules.insert(
      rules.end(),
      {
          {"transaction-nesting", Severity::kError, "BEGIN / COMMIT inside a transactional revision",
           transaction_nesting},
          {"transaction-mode-mismatch", Severity::kError,
           "a statement that cannot run in a transaction, in a transactional revision",
           transaction_mode_mismatch},
          {"adding-enum-value-in-transaction", Severity::kError,
           "ADD VALUE in a transaction before 12, or using the new value in the same transaction",
           adding_enum_value_in_transaction},
          {"require-lock-timeout", Severity::kWarning,
           "ACCESS EXCLUSIVE without a lock_timeout (none of its own, none from pgrevise)",
           require_lock_timeout},
          {"require-statement-timeout", Severity::kOff,
           "a blocking lock without a statement_timeout (opt-in)", require_statement_timeout},
          {"require-timeout-settings", Severity::kOff,
           "a blocking lock without lock_timeout and statement_timeout (opt-in)", require_timeout_settings},
      });
}

}  // namespace pgrevise::lint
