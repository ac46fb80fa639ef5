#include "lint/rules.h"

#include <algorithm>

#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

void no_check(const StatementContext&, std::vector<Hit>&) {}

std::vector<Rule> build() {
  std::vector<Rule> rules;
  add_table_rules(rules);
  add_column_rules(rules);
  add_index_rules(rules);
  add_transaction_rules(rules);
  // Reported by the driver, listed here so that configs, ignores and the docs know them.
  rules.push_back({kUnsupportedSyntax, Severity::kInfo,
                   "a statement the PostgreSQL 15 grammar cannot parse (newer syntax), so not linted",
                   no_check});
  rules.push_back({kIgnoreWithoutReason, Severity::kWarning,
                   "a `-- lint: ignore` comment without a reason (the ignore is not honoured)", no_check});
  rules.push_back({kUnusedIgnore, Severity::kInfo,
                   "a `-- lint: ignore` comment naming a rule that found nothing there", no_check});
  rules.push_back({kUncommittedTransaction, Severity::kError,
                   "a BEGIN without a COMMIT before the end of the revision", no_check});
  std::sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) { return a.name < b.name; });
  return rules;
}

}  // namespace

const std::vector<Rule>& all_rules() {
  static const std::vector<Rule> rules = build();
  return rules;
}

const Rule* find_rule(std::string_view name) {
  const auto& rules = all_rules();
  auto it = std::lower_bound(rules.begin(), rules.end(), name,
                             [](const Rule& r, std::string_view n) { return r.name < n; });
  return it != rules.end() && it->name == name ? &*it : nullptr;
}

bool is_new_table(const StatementContext& c, const nlohmann::json& range_var) {
  return c.state.created_tables.count(tree::relation_name(range_var)) > 0;
}

}  // namespace pgrevise::lint
