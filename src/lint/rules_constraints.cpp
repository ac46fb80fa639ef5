// Rules on constraints added to existing tables: foreign keys, CHECK, UNIQUE, PRIMARY KEY.
#include "lint/rules.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

// A constraint added to an existing table, by ADD CONSTRAINT or inline in ADD COLUMN.
struct Added {
  const json* constraint;
  std::string column;  // for an inline one
};

std::vector<Added> added_constraints(const StatementContext& c) {
  std::vector<Added> out;
  if (c.kind != "AlterTableStmt" || tree::text(c.node, "objtype") != "OBJECT_TABLE") return out;
  if (is_new_table(c, tree::field(c.node, "relation"))) return out;
  for (const auto& item : tree::list(c.node, "cmds")) {
    const json& cmd = tree::body(item);
    const std::string subtype = tree::text(cmd, "subtype");
    const json& def = tree::body(tree::field(cmd, "def"));
    if (subtype == "AT_AddConstraint") out.push_back({&def, ""});
    if (subtype != "AT_AddColumn") continue;
    for (const json* k : tree::column_constraints(def)) out.push_back({k, tree::text(def, "colname")});
  }
  return out;
}

std::string table_of(const StatementContext& c) {
  return tree::relation_name(tree::field(c.node, "relation"));
}

std::string name_of(const Added& a) {
  const std::string name = tree::text(*a.constraint, "conname");
  if (!name.empty()) return "constraint " + tree::quote_identifier(name);
  return a.column.empty() ? std::string("the constraint")
                          : "column " + tree::quote_identifier(a.column) + "'s constraint";
}

void adding_foreign_key_constraint(const StatementContext& c, std::vector<Hit>& out) {
  for (const auto& a : added_constraints(c)) {
    if (!tree::is_constraint(*a.constraint, "CONSTR_FOREIGN") || tree::flag(*a.constraint, "skip_validation"))
      continue;
    out.push_back({"adding foreign key " + name_of(a) + " to " + table_of(c) +
                       " checks every row while "
                       "holding SHARE ROW EXCLUSIVE on it and on " +
                       tree::relation_name(tree::field(*a.constraint, "pktable")) + " (writes to both wait)",
                   "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later "
                   "statement (it takes only SHARE UPDATE EXCLUSIVE)"});
  }
}

void constraint_missing_not_valid(const StatementContext& c, std::vector<Hit>& out) {
  for (const auto& a : added_constraints(c)) {
    const bool check = tree::is_constraint(*a.constraint, "CONSTR_CHECK");
    const bool foreign = tree::is_constraint(*a.constraint, "CONSTR_FOREIGN");
    if ((!check && !foreign) || tree::flag(*a.constraint, "skip_validation")) continue;
    if (foreign && !a.column.empty())
      continue;  // REFERENCES in ADD COLUMN: a new column has no rows to check
    out.push_back({"adding " + name_of(a) + " to " + table_of(c) +
                       " without NOT VALID checks every row under "
                       "the ALTER TABLE's lock",
                   "add it NOT VALID (new rows are checked), then VALIDATE CONSTRAINT separately"});
  }
}

bool builds_index(const json& constraint, std::string_view contype) {
  return tree::is_constraint(constraint, contype) && tree::text(constraint, "indexname").empty();
}

void disallowed_unique_constraint(const StatementContext& c, std::vector<Hit>& out) {
  for (const auto& a : added_constraints(c)) {
    if (!builds_index(*a.constraint, "CONSTR_UNIQUE")) continue;
    out.push_back({"adding UNIQUE " + name_of(a) + " to " + table_of(c) +
                       " builds its index under ACCESS EXCLUSIVE: no reads or writes until it is built",
                   "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX"});
  }
}

void adding_serial_primary_key_field(const StatementContext& c, std::vector<Hit>& out) {
  for (const auto& a : added_constraints(c)) {
    if (!builds_index(*a.constraint, "CONSTR_PRIMARY")) continue;
    out.push_back(
        {"adding PRIMARY KEY " + name_of(a) + " to " + table_of(c) +
             " builds its index under ACCESS EXCLUSIVE: no reads or writes until it is built",
         "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX"});
  }
}

}  // namespace

void add_constraint_rules(std::vector<Rule>& rules) {
  rules.insert(rules.end(),
               {
                   {"adding-foreign-key-constraint", Severity::kWarning,
                    "a validated foreign key added to an existing table", adding_foreign_key_constraint},
                   {"constraint-missing-not-valid", Severity::kWarning,
                    "a CHECK or foreign key added without NOT VALID", constraint_missing_not_valid},
                   {"disallowed-unique-constraint", Severity::kError,
                    "ADD CONSTRAINT ... UNIQUE building its own index", disallowed_unique_constraint},
                   {"adding-serial-primary-key-field", Severity::kError,
                    "ADD PRIMARY KEY building its own index", adding_serial_primary_key_field},
               });
}

}  // namespace pgrevise::lint
