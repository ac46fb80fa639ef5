// Rules on columns and constraints: adding, changing, dropping and renaming columns; their types; foreign
// keys, CHECK, UNIQUE and PRIMARY KEY constraints.
#include <algorithm>
#include <functional>

#include "lint/rules.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;

std::string table_of(const StatementContext& c) {
  return tree::relation_name(tree::field(c.node, "relation"));
}

// The column an ALTER TABLE subcommand names, as "table.column" with the column quoted where it must be.
std::string column_of(const StatementContext& c, const json& cmd) {
  return table_of(c) + "." + tree::quote_identifier(tree::text(cmd, "name"));
}

// Calls `f` with each subcommand of an ALTER TABLE on an existing table (not one created in the revision).
void for_each_command(const StatementContext& c,
                      const std::function<void(const std::string&, const json&)>& f) {
  if (c.kind != "AlterTableStmt" || tree::text(c.node, "objtype") != "OBJECT_TABLE") return;
  if (is_new_table(c, tree::field(c.node, "relation"))) return;
  for (const auto& item : tree::list(c.node, "cmds")) {
    const json& cmd = tree::body(item);
    f(tree::text(cmd, "subtype"), cmd);
  }
}

// Calls `f` with each column definition that gives a column its type: CREATE TABLE's columns, ADD COLUMN,
// ALTER COLUMN ... TYPE (named by the command).
void for_each_typed_column(const StatementContext& c,
                           const std::function<void(const std::string&, const json&)>& f) {
  if (c.kind == "CreateStmt") {
    for (const auto& e : tree::list(c.node, "tableElts"))
      if (tree::kind(e) == "ColumnDef") f(tree::text(tree::body(e), "colname"), tree::body(e));
  }
  if (c.kind != "AlterTableStmt") return;
  for (const auto& item : tree::list(c.node, "cmds")) {
    const json& cmd = tree::body(item);
    const std::string subtype = tree::text(cmd, "subtype");
    const json& def = tree::body(tree::field(cmd, "def"));
    if (subtype == "AT_AddColumn") f(tree::text(def, "colname"), def);
    if (subtype == "AT_AlterColumnType") f(tree::text(cmd, "name"), def);
  }
}

bool has_constraint(const json& column_def, std::string_view contype) {
  for (const json* k : tree::column_constraints(column_def))
    if (tree::is_constraint(*k, contype)) return true;
  return false;
}

void adding_field_with_default(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_AddColumn") return;
    const json& def = tree::body(tree::field(cmd, "def"));
    const std::string reason = column_rewrite_reason(def, c.options.server_version);
    if (reason.empty()) return;
    out.push_back({"adding column " + tree::quote_identifier(tree::text(def, "colname")) + " with " + reason +
                       " rewrites " + table_of(c) + " under ACCESS EXCLUSIVE",
                   "add the column without that default, set the default for new rows (ALTER COLUMN ... SET "
                   "DEFAULT), then fill existing rows in batches"});
  });
}

void adding_required_field(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_AddColumn") return;
    const json& def = tree::body(tree::field(cmd, "def"));
    if (!has_constraint(def, "CONSTR_NOTNULL") || has_constraint(def, "CONSTR_DEFAULT") ||
        has_constraint(def, "CONSTR_IDENTITY") || has_constraint(def, "CONSTR_GENERATED"))
      return;
    out.push_back({"adding column " + tree::quote_identifier(tree::text(def, "colname")) +
                       " NOT NULL without a default fails on a table that has rows",
                   "give it a DEFAULT, or add it nullable, fill it, then set NOT NULL"});
  });
}

void adding_not_nullable_field(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_SetNotNull") return;
    const bool pg12 = c.options.server_version >= 12;
    const std::string column = column_of(c, cmd);
    if (pg12 && c.state.validated_not_null.count(column) > 0) return;  // the validated CHECK spares the scan
    out.push_back(
        {"SET NOT NULL on " + column + " scans the whole table under ACCESS EXCLUSIVE",
         pg12 ? "first ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT "
                "(no exclusive lock); SET NOT NULL then skips the scan"
              : "before PostgreSQL 12 there is no way around the scan: run it when the table is quiet"});
  });
}

void ban_drop_column(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_DropColumn") return;
    out.push_back(
        {"dropping column " + column_of(c, cmd) + " breaks every client still reading or writing it",
         "stop using the column in the application first; drop it in a later release"});
  });
}

void ban_drop_not_null(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_DropNotNull") return;
    out.push_back(
        {"DROP NOT NULL on " + column_of(c, cmd) + " lets NULLs in that running clients may not expect",
         "make sure every reader handles NULL before dropping the constraint"});
  });
}

// A change to text or varchar without USING is, in migrations, nearly always a widening of a text column
// (varchar(n) to a larger n or to text), which changes only the catalog. Offline the old type is unknown, so
// such a change is taken to be that.
bool likely_binary_compatible(const json& cmd) {
  const json& def = tree::body(tree::field(cmd, "def"));
  const std::string type = tree::type_name(tree::field(def, "typeName"));
  return (type == "text" || type == "varchar") && tree::field(def, "raw_default").is_null() &&
         !tree::is_array_type(tree::field(def, "typeName"));
}

void changing_column_type(const StatementContext& c, std::vector<Hit>& out) {
  for_each_command(c, [&](const std::string& subtype, const json& cmd) {
    if (subtype != "AT_AlterColumnType" || likely_binary_compatible(cmd)) return;
    out.push_back({"changing the type of " + column_of(c, cmd) +
                       " rewrites the table and its indexes under ACCESS EXCLUSIVE (unless the types are "
                       "binary compatible, e.g. varchar(n) to text)",
                   "add a column of the new type, fill it in batches, switch the application over, drop "
                   "the old one"});
  });
}

void renaming_column(const StatementContext& c, std::vector<Hit>& out) {
  if (c.kind != "RenameStmt" || tree::text(c.node, "renameType") != "OBJECT_COLUMN") return;
  out.push_back({"renaming column " + table_of(c) + "." +
                     tree::quote_identifier(tree::text(c.node, "subname")) +
                     " breaks every client still using the old name",
                 "add the new column, write both, move readers over, then drop the old one"});
}

// Reports each column whose type the rule is about: `shown_as` tells how the message names a type (nullopt
// for a type the rule leaves alone), and the message reads "column c is <that>: <why>".
void type_rule(
    const StatementContext& c, std::vector<Hit>& out,
    const std::function<std::optional<std::string>(const std::string& type, const json& type_node)>& shown_as,
    std::string_view why, std::string_view help) {
  for_each_typed_column(c, [&](const std::string& column, const json& def) {
    const json& type_node = tree::field(def, "typeName");
    if (const auto shown = shown_as(tree::type_name(type_node), type_node))
      out.push_back({"column " + tree::quote_identifier(column) + " is " + *shown + ": " + std::string(why),
                     std::string(help)});
  });
}

// The same for one type, `type` as the parser names it, `shown` as the message does.
void type_rule(const StatementContext& c, std::vector<Hit>& out, std::string_view type,
               std::string_view shown, std::string_view why, std::string_view help) {
  type_rule(
      c, out,
      [&](const std::string& t, const json&) {
        return t == type ? std::optional<std::string>(shown) : std::nullopt;
      },
      why, help);
}

// A column that holds ids: a serial, an identity, a key, a reference, or named id / *_id. A small integer
// elsewhere (a position, a count, a percentage) is a deliberate choice, not a limit waiting to be hit.
bool holds_ids(const std::string& column, const std::string& type, const json& def) {
  if (type.find("serial") != std::string::npos || column == "id" ||
      (column.size() > 3 && column.compare(column.size() - 3, 3, "_id") == 0))
    return true;
  return has_constraint(def, "CONSTR_IDENTITY") || has_constraint(def, "CONSTR_PRIMARY") ||
         has_constraint(def, "CONSTR_FOREIGN");
}

void integer_rule(const StatementContext& c, std::vector<Hit>& out,
                  const std::vector<std::string_view>& types, const std::string& limit) {
  for_each_typed_column(c, [&](const std::string& column, const json& def) {
    const std::string type = tree::type_name(tree::field(def, "typeName"));
    if (std::find(types.begin(), types.end(), type) == types.end() || !holds_ids(column, type, def)) return;
    out.push_back(
        {"id column " + tree::quote_identifier(column) + " is " + type + ": its values run out at " + limit,
         "use bigint (bigint GENERATED BY DEFAULT AS IDENTITY for a generated id)"});
  });
}

void prefer_bigint_over_int(const StatementContext& c, std::vector<Hit>& out) {
  integer_rule(c, out, {"int4", "int", "serial", "serial4"}, "2,147,483,647");
}

void prefer_bigint_over_smallint(const StatementContext& c, std::vector<Hit>& out) {
  integer_rule(c, out, {"int2", "smallserial", "serial2"}, "32,767");
}

void prefer_identity(const StatementContext& c, std::vector<Hit>& out) {
  type_rule(
      c, out,
      [](const std::string& type, const json&) {
        return type.find("serial") == std::string::npos ? std::nullopt : std::optional<std::string>(type);
      },
      "its sequence is a separate object with its own ownership and permissions",
      "use bigint GENERATED BY DEFAULT AS IDENTITY");
}

void prefer_text_field(const StatementContext& c, std::vector<Hit>& out) {
  type_rule(
      c, out,
      [](const std::string& type, const json& node) {
        const bool limited = type == "varchar" && !tree::list(node, "typmods").empty();
        return limited ? std::optional<std::string>("varchar(n)") : std::nullopt;
      },
      "raising the limit later is an ALTER COLUMN TYPE",
      "use text with a CHECK (length(col) <= n) constraint, which can be changed with NOT VALID");
}

void prefer_timestamptz(const StatementContext& c, std::vector<Hit>& out) {
  type_rule(c, out, "timestamp", "timestamp without time zone",
            "its values mean different instants in different zones",
            "use timestamptz (timestamp with time zone)");
}

void ban_char_field(const StatementContext& c, std::vector<Hit>& out) {
  type_rule(c, out, "bpchar", "char(n)", "values are blank-padded to n",
            "use text (with a CHECK on its length if needed)");
}

}  // namespace

void add_column_rules(std::vector<Rule>& rules) {
  rules.insert(
      rules.end(),
      {
          {"adding-field-with-default", Severity::kError,
           "ADD COLUMN whose default rewrites the table (volatile; any default before 11)",
           adding_field_with_default},
          {"adding-required-field", Severity::kError, "ADD COLUMN ... NOT NULL without a default",
           adding_required_field},
          {"adding-not-nullable-field", Severity::kError, "ALTER COLUMN ... SET NOT NULL",
           adding_not_nullable_field},
          {"ban-drop-column", Severity::kWarning, "ALTER TABLE ... DROP COLUMN", ban_drop_column},
          {"ban-drop-not-null", Severity::kWarning, "ALTER COLUMN ... DROP NOT NULL", ban_drop_not_null},
          {"changing-column-type", Severity::kError, "ALTER COLUMN ... TYPE", changing_column_type},
          {"renaming-column", Severity::kWarning, "ALTER TABLE ... RENAME COLUMN", renaming_column},
          {"prefer-bigint-over-int", Severity::kWarning, "integer / serial id columns",
           prefer_bigint_over_int},
          {"prefer-bigint-over-smallint", Severity::kWarning, "smallint / smallserial id columns",
           prefer_bigint_over_smallint},
          {"prefer-identity", Severity::kWarning, "serial columns", prefer_identity},
          {"prefer-text-field", Severity::kWarning, "varchar(n) columns", prefer_text_field},
          {"prefer-timestamptz", Severity::kWarning, "timestamp without time zone columns",
           prefer_timestamptz},
          {"ban-char-field", Severity::kWarning, "char(n) columns", ban_char_field},
      });
  add_constraint_rules(rules);
}

}  // namespace pgrevise::lint
