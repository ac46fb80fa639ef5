// Rules on whole tables and other objects: dropping, renaming, truncating, rewriting, locking, triggers,
// partitions, domains, names.
#include <algorithm>
#include <cctype>

#include "lint/rules.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

void ban_drop_table(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "DropStmt" || tree::text(c.node, "removeType") != "OBJECT_TABLE") return;
  for (const auto& o : tree::list(c.node, "objects")) {
    const std::string name = tree::dotted_name(tree::field(tree::body(o), "items"));
    out.push_back({"dropping table " + name + " breaks every client still using it, and its data is gone",
                   "stop using the table in the application first; drop it in a later release"});
  }
}

void ban_drop_database(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "DropdbStmt") return;
  out.push_back({"DROP DATABASE " + tree::quote_identifier(tree::text(c.node, "dbname")) +
                     " in a migration destroys a database",
                 "drop databases by hand, never from a migration"});
}

void renaming_table(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "RenameStmt" || tree::text(c.node, "renameType") != "OBJECT_TABLE") return;
  out.push_back({"renaming table " + tree::relation_name(tree::field(c.node, "relation")) + " to " +
                     tree::quote_identifier(tree::text(c.node, "newname")) +
                     " breaks every client still using the old name",
                 "create a view with the new name (or rename and leave a view with the old one) and move "
                 "the application over before dropping the old name"});
}

void ban_truncate_cascade(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "TruncateStmt" || tree::text(c.node, "behavior") != "DROP_CASCADE") return;
  out.push_back({"TRUNCATE ... CASCADE also empties every table that references these, recursively",
                 "name each table to truncate, without CASCADE"});
}

void prefer_repack(const StatementContext& c, std::vector<Hit>& out) {
  const bool cluster = c.kind == "ClusterStmt";
  const bool full = c.kind == "VacuumStmt" && c.effect.rewrites;
  if (!cluster && !full) return;
  out.push_back({std::string(cluster ? "CLUSTER" : "VACUUM FULL") +
                     " rewrites the table under ACCESS EXCLUSIVE: no reads or writes until it ends",
                 "use pg_repack (or pg_squeeze), which rebuilds the table online; or a plain VACUUM"});
}

void ban_lock_table(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "LockStmt" || c.effect.locks.empty()) return;
  out.push_back({"LOCK TABLE takes " + std::string(lock_name(c.effect.strongest())) + " on " +
                     c.effect.primary()->relation + " until the transaction ends",
                 "let each statement take the lock it needs, for as short a time as possible; if the lock "
                 "is needed, set lock_timeout first"});
}

void adding_trigger(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "CreateTrigStmt" || is_new_table(c, tree::field(c.node, "relation"))) return;
  out.push_back({"creating trigger " + tree::quote_identifier(tree::text(c.node, "trigname")) +
                     " takes SHARE "
                     "ROW EXCLUSIVE on " +
                     tree::relation_name(tree::field(c.node, "relation")) +
                     " (blocking writes) and adds its cost to every write from then on",
                 "set lock_timeout before it, and measure the trigger's cost on a busy table first"});
}

void require_table_schema(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "CreateStmt" && c.kind != "AlterTableStmt") return;
  const json& relation = tree::field(c.node, "relation");
  if (!tree::text(relation, "schemaname").empty() || tree::text(relation, "relpersistence") == "t") return;
  out.push_back({"table " + tree::relation_name(relation) +
                     " is not schema-qualified: the search_path decides "
                     "which table this is",
                 "write the schema, e.g. public." + tree::relation_name(relation)});
}

void ban_create_domain_with_constraint(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "CreateDomainStmt" || tree::list(c.node, "constraints").empty()) return;
  for (const auto& k : tree::list(c.node, "constraints"))
    if (tree::is_constraint(tree::body(k), "CONSTR_CHECK")) {
      out.push_back(
          {"a domain with a CHECK constraint: changing the constraint later scans every column "
           "of the domain under a lock",
           "put CHECK constraints on the table's columns instead"});
      return;
    }
}

void ban_alter_domain_with_add_constraint(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "AlterDomainStmt" || tree::text(c.node, "subtype") != "C") return;
  out.push_back(
      {"ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain, in every table, under "
       "a lock",
       "put the constraint on the table's columns instead (ADD CONSTRAINT ... NOT VALID, then "
       "VALIDATE)"});
}

void require_concurrent_partition_detach(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "AlterTableStmt") return;
  for (const auto& item : tree::list(c.node, "cmds")) {
    const json& cmd = tree::body(item);
    if (tree::text(cmd, "subtype") != "AT_DetachPartition") continue;
    if (tree::flag(tree::body(tree::field(cmd, "def")), "concurrent")) continue;
    out.push_back({"DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table " +
                       tree::relation_name(tree::field(c.node, "relation")),
                   "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14 on), in a revision "
                   "with `transactional: false`"});
  }
}

// Names longer than the server keeps (NAMEDATALEN - 1 = 63 bytes) are silently cut, already by the parser:
// the statement's text has them whole. Bare words and double-quoted names are read; strings, dollar quotes
// and comments are skipped.
size_t skip_quoted(std::string_view s, size_t i, char quote) {
  for (++i; i < s.size(); ++i) {
    if (s[i] != quote) continue;
    if (i + 1 < s.size() && s[i + 1] == quote) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return s.size();
}

bool is_word(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$' || (ch & 0x80);
}

std::vector<std::string> long_names(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    if (s[i] == '\'') {
      i = skip_quoted(s, i, '\'');
    } else if (s.substr(i, 2) == "--") {
      i = std::min(s.find('\n', i), s.size());
    } else if (s[i] == '$' && (i == 0 || !is_word(s[i - 1]))) {
      const size_t close = s.find('$', i + 1);
      const std::string_view tag = close == std::string_view::npos ? "" : s.substr(i, close - i + 1);
      const size_t end = tag.empty() ? std::string_view::npos : s.find(tag, close + 1);
      i = end == std::string_view::npos ? i + 1 : end + tag.size();
    } else if (s[i] == '"') {
      i = skip_quoted(s, i, '"');
      if (i - start - 2 > 63) out.emplace_back(s.substr(start + 1, i - start - 2));
    } else if (is_word(s[i])) {
      while (i < s.size() && is_word(s[i])) ++i;
      if (i - start > 63) out.emplace_back(s.substr(start, i - start));
    } else {
      ++i;
    }
  }
  return out;
}

void identifier_too_long(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "CreateStmt" && c.kind != "AlterTableStmt" && c.kind != "IndexStmt" &&
      c.kind != "RenameStmt" && c.kind != "CreateTableAsStmt" && c.kind != "ViewStmt" &&
      c.kind != "CreateSeqStmt")
    return;
  for (const auto& name : long_names(c.text)) {
    out.push_back({"identifier \"" + name + "\" is " + std::to_string(name.size()) +
                       " bytes: the server silently cuts it to 63",
                   "use a name of at most 63 bytes"});
  }
}

void ban_duplicate_column_assignments(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "UpdateStmt") return;
  std::vector<std::string> seen;
  for (const auto& t : tree::list(c.node, "targetList")) {
    const std::string name = tree::text(tree::body(t), "name");
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      out.push_back({"column " + tree::quote_identifier(name) + " is assigned twice in one UPDATE",
                     "assign each column once"});
      return;
    }
    seen.push_back(name);
  }
}

void require_enum_value_ordering(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "AlterEnumStmt" || tree::text(c.node, "newVal").empty()) return;
  if (!tree::text(c.node, "newValNeighbor").empty()) return;
  out.push_back({"ADD VALUE '" + tree::text(c.node, "newVal") +
                     "' without BEFORE or AFTER puts it last, "
                     "which decides how the type sorts",
                 "say where it goes: ADD VALUE 'x' BEFORE 'y' or AFTER 'y'"});
}

}  // namespace

void add_table_rules(std::vector<Rule>& rules) {
  rules.insert(
      rules.end(),
      {
          {"ban-drop-table", Severity::kWarning, "DROP TABLE", ban_drop_table},
          {"ban-drop-database", Severity::kError, "DROP DATABASE", ban_drop_database},
          {"renaming-table", Severity::kWarning, "ALTER TABLE ... RENAME TO", renaming_table},
          {"ban-truncate-cascade", Severity::kError, "TRUNCATE ... CASCADE", ban_truncate_cascade},
          {"prefer-repack", Severity::kError, "VACUUM FULL and CLUSTER", prefer_repack},
          {"ban-lock-table", Severity::kWarning, "LOCK TABLE", ban_lock_table},
          {"adding-trigger", Severity::kWarning, "CREATE TRIGGER on an existing table", adding_trigger},
          {"require-table-schema", Severity::kOff, "a table named without its schema (opt-in)",
           require_table_schema},
          {"ban-create-domain-with-constraint", Severity::kWarning, "CREATE DOMAIN with a CHECK constraint",
           ban_create_domain_with_constraint},
          {"ban-alter-domain-with-add-constraint", Severity::kError, "ALTER DOMAIN ... ADD CONSTRAINT",
           ban_alter_domain_with_add_constraint},
          {"require-concurrent-partition-detach", Severity::kWarning, "DETACH PARTITION without CONCURRENTLY",
           require_concurrent_partition_detach, 14},
          {"identifier-too-long", Severity::kWarning, "a name longer than 63 bytes", identifier_too_long},
          {"ban-duplicate-column-assignments", Severity::kError, "UPDATE assigning one column twice",
           ban_duplicate_column_assignments},
          {"require-enum-value-ordering", Severity::kInfo, "ALTER TYPE ... ADD VALUE without BEFORE or AFTER",
           require_enum_value_ordering},
      });
}

}  // namespace pgrevise::lint
