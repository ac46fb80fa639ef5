#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lint/finding.h"
#include "lint/locks.h"

// The rules: each looks at one statement (its parse tree, the locks it takes) with what the revision's
// earlier statements did, and says what is wrong with it. Pure functions of their input.
namespace pgrevise::lint {

// The PostgreSQL major version assumed when none is given: the oldest the rules target.
inline constexpr int kDefaultServerVersion = 13;

struct RuleOptions {
  int server_version = kDefaultServerVersion;
  // pgrevise runs the revisions with a lock_timeout of its own (--lock-timeout, the resource's
  // spec.safety.lockTimeout), so a statement needs no SET lock_timeout of its own.
  bool runner_lock_timeout = false;
};

// What the revision's statements before this one did.
struct RevisionState {
  bool transactional = true;          // the revision runs as one transaction (`transactional: true`)
  bool explicit_transaction = false;  // inside a BEGIN written in the revision
  bool lock_timeout_set = false;
  bool statement_timeout_set = false;
  std::set<std::string> created_tables;        // created earlier in this revision (as written)
  std::vector<std::string> added_enum_values;  // ALTER TYPE ... ADD VALUE labels, earlier in this revision
  // CHECK (col IS NOT NULL) constraints added earlier: constraint name -> "table.column", and the
  // "table.column"s whose constraint is validated (SET NOT NULL then skips its scan, from PostgreSQL 12).
  std::map<std::string, std::string> not_null_checks;
  std::set<std::string> validated_not_null;
  bool in_transaction() const { return transactional || explicit_transaction; }
};

struct StatementContext {
  std::string_view kind;       // the node type, e.g. "AlterTableStmt"
  const nlohmann::json& node;  // its fields
  const std::string& text;     // the statement's text
  const Effect& effect;        // the locks it takes
  const RuleOptions& options;
  const RevisionState& state;
};

struct Hit {
  std::string message;
  std::string help;
};

inline constexpr int kAnyVersion = 0;
inline constexpr int kLatestVersion = 99;

struct Rule {
  std::string_view name;
  Severity severity;      // by default
  std::string_view what;  // one line, for `--list-rules` and the docs
  void (*check)(const StatementContext&, std::vector<Hit>&);
  // The server versions the rule applies to, inclusive: every version unless the rule says otherwise.
  int min_version = kAnyVersion;
  int max_version = kLatestVersion;

  bool server_version_excluded(int version) const { return version < min_version || version > max_version; }
};

// Every rule, in name order.
const std::vector<Rule>& all_rules();
const Rule* find_rule(std::string_view name);

// Names of rules the driver reports itself (no check function of their own in the list above).
inline constexpr std::string_view kUnsupportedSyntax = "unsupported-syntax";
inline constexpr std::string_view kIgnoreWithoutReason = "ignore-without-reason";
inline constexpr std::string_view kUnusedIgnore = "unused-ignore";
inline constexpr std::string_view kUncommittedTransaction = "ban-uncommitted-transaction";

// The rule groups, one per file: each appends its rules.
void add_table_rules(std::vector<Rule>& rules);
void add_column_rules(std::vector<Rule>& rules);
void add_constraint_rules(std::vector<Rule>& rules);
void add_index_rules(std::vector<Rule>& rules);
void add_transaction_rules(std::vector<Rule>& rules);

// Moves `state` past a statement of type `kind` with fields `node`.
void advance(RevisionState& state, std::string_view kind, const nlohmann::json& node);

// Shared by the groups: whether a relation (as tree::relation_name gives it) was created earlier in the
// revision, so that locking it harms nobody.
bool is_new_table(const StatementContext& c, const nlohmann::json& range_var);

}  // namespace pgrevise::lint
