#include "db/version_table.h"

#include <algorithm>

#include <pqxx/pqxx>

#include "common/error.h"
#include "db/identifiers.h"

namespace pgrevise::db {

namespace {

// PostgreSQL truncates identifiers to 63 bytes; <name>_history must still fit, so names get 8 bytes less.
constexpr size_t kMaxIdentifier = 63;
constexpr size_t kMaxTableName = kMaxIdentifier - 8;

[[noreturn]] void bad_version_table(std::string_view text, const std::string& why) {
  throw Error(ErrorKind::kBadInput, "invalid --version-table '" + std::string(text) + "': " + why);
}

// Reads one identifier part starting at pos: either "quoted" (with "" for a quote) or bare up to the next
// dot.
std::string read_part(std::string_view text, size_t& pos) {
  std::string out;
  if (pos < text.size() && text[pos] == '"') {
    ++pos;
    while (true) {
      if (pos >= text.size()) bad_version_table(text, "unterminated double quote");
      if (text[pos] == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          out += '"';
          pos += 2;
          continue;
        }
        ++pos;
        break;
      }
      out += text[pos++];
    }
    if (pos < text.size() && text[pos] != '.') bad_version_table(text, "unexpected text after a quoted name");
    return out;
  }
  while (pos < text.size() && text[pos] != '.') out += text[pos++];
  return out;
}

void check_revision_id(const std::string& rev) {
  if (rev.empty()) throw Error(ErrorKind::kBadInput, "empty revision id for the version table");
}

}  // namespace

VersionTableName VersionTableName::parse(std::string_view text) {
  if (text.empty()) bad_version_table(text, "empty name");
  if (text.find('\0') != std::string_view::npos) bad_version_table(text, "contains a NUL character");
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    parts.push_back(read_part(text, pos));
    if (pos >= text.size()) break;
    ++pos;  // the dot
  }
  if (parts.size() > 2) bad_version_table(text, "expected [SCHEMA.]NAME");
  for (const auto& p : parts) {
    if (p.empty()) bad_version_table(text, "empty schema or table name");
  }
  VersionTableName out;
  if (parts.size() == 2) out.schema = parts[0];
  out.name = parts.back();
  if (out.schema.size() > kMaxIdentifier) bad_version_table(text, "schema name longer than 63 bytes");
  if (out.name.size() > kMaxTableName) {
    bad_version_table(text, "table name longer than " + std::to_string(kMaxTableName) +
                                " bytes (its history table name must fit PostgreSQL's 63)");
  }
  return out;
}

std::string VersionTableName::qualified_sql() const {
  return quote_identifier(schema) + "." + quote_identifier(name);
}

std::string VersionTableName::display() const {
  return schema + "." + name;
}

VersionTableName VersionTableName::history_table() const {
  return {schema, name + "_history"};
}

std::string VersionTableName::primary_key_name() const {
  return name + "_pkc";
}

bool version_table_exists(pqxx::transaction_base& tx, const VersionTableName& t) {
  auto r = tx.exec_params(
      "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
      t.schema, t.name);
  return !r.empty();
}

std::vector<std::string> read_heads(pqxx::transaction_base& tx, const VersionTableName& t) {
  std::vector<std::string> heads;
  if (!version_table_exists(tx, t)) return heads;
  pqxx::result rows;
  try {
    rows = tx.exec("SELECT version_num FROM " + t.qualified_sql() + " ORDER BY version_num");
  } catch (const pqxx::undefined_column&) {
    // A name that points at some other table (users, pg_catalog.pg_class): refuse it rather than report a
    // database error, and never write to that table.
    throw Error(ErrorKind::kBadInput, "version table " + t.display() +
                                          " is not an Alembic version table (it has no version_num column); "
                                          "choose another version table name");
  }
  for (const auto& row : rows) heads.push_back(row[0].as<std::string>());
  return heads;
}

std::vector<std::string> read_heads(pqxx::connection& c, const VersionTableName& t) {
  pqxx::nontransaction tx(c);
  return read_heads(tx, t);
}

std::vector<std::string> version_table_ddl(const VersionTableName& t, size_t width) {
  return {
      "CREATE SCHEMA IF NOT EXISTS " + quote_identifier(t.schema),
      "CREATE TABLE IF NOT EXISTS " + t.qualified_sql() + " (version_num VARCHAR(" + std::to_string(width) +
          ") NOT NULL, CONSTRAINT " + quote_identifier(t.primary_key_name()) + " PRIMARY KEY (version_num))",
  };
}

void ensure_version_table(pqxx::transaction_base& tx, const VersionTableName& t, size_t width) {
  if (version_table_exists(tx, t)) return;
  for (const auto& sql : version_table_ddl(t, width)) tx.exec(sql);
}

VersionColumn read_version_column(pqxx::transaction_base& tx, const VersionTableName& t) {
  // information_schema resolves a domain to its base type's length, as an INSERT would check it.
  const auto row = tx.exec_params1(
      "SELECT c.data_type IS NOT NULL, c.character_maximum_length, current_setting('server_encoding') "
      "FROM (SELECT 1) one LEFT JOIN information_schema.columns c ON c.table_schema = $1 AND "
      "c.table_name = $2 AND c.column_name = 'version_num'",
      t.schema, t.name);
  VersionColumn column;
  column.exists = row[0].as<bool>();
  if (!row[1].is_null()) column.max_length = row[1].as<size_t>();
  column.length_in_bytes = row[2].as<std::string>() == "SQL_ASCII";
  return column;
}

std::vector<std::string> version_change_sql(const VersionTableName& t,
                                            const std::vector<VersionChange>& changes) {
  std::vector<std::string> out;
  const std::string table = t.qualified_sql();
  for (const auto& ch : changes) {
    switch (ch.kind) {
      case VersionChange::Kind::kInsert:
        out.push_back("INSERT INTO " + table + " (version_num) VALUES (" + quote_literal(ch.to) + ")");
        break;
      case VersionChange::Kind::kDelete:
        out.push_back("DELETE FROM " + table + " WHERE version_num = " + quote_literal(ch.from));
        break;
      case VersionChange::Kind::kUpdate:
        out.push_back("UPDATE " + table + " SET version_num=" + quote_literal(ch.to) +
                      " WHERE version_num = " + quote_literal(ch.from));
        break;
    }
  }
  return out;
}

namespace {

std::string change_description(const VersionTableName& t, const VersionChange& ch) {
  switch (ch.kind) {
    case VersionChange::Kind::kInsert:
      return "inserting '" + ch.to + "' into " + t.display() + ": the row is already there";
    case VersionChange::Kind::kDelete:
      return "deleting '" + ch.from + "' from " + t.display() + ": the row is not there";
    case VersionChange::Kind::kUpdate:
      return "updating '" + ch.from + "' to '" + ch.to + "' in " + t.display() + ": '" + ch.from +
             "' is not there";
  }
  return "";
}

std::string concurrent_change_message(const std::string& what) {
  return "version table changed concurrently while " + what +
         " (another tool or session modified it; run `current` and check before retrying)";
}

}  // namespace

std::string verified_version_change_sql(const VersionTableName& t,
                                        const std::vector<VersionChange>& changes) {
  const auto statements = version_change_sql(t, changes);
  std::string body = "BEGIN\n";
  for (size_t i = 0; i < changes.size(); ++i) {
    const std::string message = concurrent_change_message(change_description(t, changes[i]));
    if (changes[i].kind == VersionChange::Kind::kInsert) {
      // ON CONFLICT rather than an EXCEPTION block: that would open a subtransaction in every revision.
      body += "  " + statements[i] + " ON CONFLICT DO NOTHING;\n";
    } else {
      body += "  " + statements[i] + ";\n";
    }
    body += "  IF NOT FOUND THEN RAISE EXCEPTION '%', " + quote_literal(message) +
            " USING ERRCODE = 'PR001'; END IF;\n";
  }
  body += "END\n";
  // A hostile name cannot close the DO block early.
  return "DO " + dollar_quote("\n" + body);
}

void apply_version_changes(pqxx::transaction_base& tx, const VersionTableName& t,
                           const std::vector<VersionChange>& changes) {
  for (const auto& ch : changes) {
    if (ch.kind != VersionChange::Kind::kDelete) check_revision_id(ch.to);
    if (ch.kind != VersionChange::Kind::kInsert) check_revision_id(ch.from);
  }
  if (changes.empty()) return;
  try {
    tx.exec(verified_version_change_sql(t, changes));
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "PR001") {
      // The message is ours; strip libpq's "ERROR:" prefix and context lines.
      std::string msg = e.what();
      if (auto p = msg.find("version table changed"); p != std::string::npos) msg = msg.substr(p);
      if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
      throw Error(ErrorKind::kMigrationFailed, msg);
    }
    throw;
  }
}

void stamp(pqxx::transaction_base& tx, const VersionTableName& t, const std::vector<std::string>& heads) {
  for (const auto& h : heads) check_revision_id(h);
  ensure_version_table(tx, t);
  tx.exec("DELETE FROM " + t.qualified_sql());
  auto unique = heads;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (const auto& h : unique) {
    tx.exec("INSERT INTO " + t.qualified_sql() + " (version_num) VALUES (" + quote_literal(h) + ")");
  }
}

void purge(pqxx::transaction_base& tx, const VersionTableName& t) {
  if (!version_table_exists(tx, t)) return;
  tx.exec("DELETE FROM " + t.qualified_sql());
}

}  // namespace pgrevise::db
