#include "backup/facts.h"

#include <pqxx/nontransaction>

namespace pgrevise::backup {

DatabaseFacts read_database_facts(pqxx::connection& c, const db::ConnectionConfig& cfg,
                                  const db::VersionTableName& version_table) {
  const db::SessionInfo info = db::session_info(c);
  DatabaseFacts f;
  f.database = info.database;
  f.host = cfg.endpoint();
  f.server_version_num = info.server_version_num;
  f.server_version = info.server_version;
  f.version_table = version_table.display();
  f.heads = db::read_heads(c, version_table);
  pqxx::nontransaction tx(c);
  f.table_count =
      tx.exec1(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%'")[0]
          .as<int>();
  return f;
}

std::string existing_objects(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  const auto rows = tx.exec(
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', "
      "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
      "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
      "AND d.deptype = 'e') ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"");
  if (rows.empty()) return "";
  std::string names;
  for (size_t i = 0; i < rows.size() && i < 3; ++i)
    names += (i == 0 ? "" : ", ") + rows[i][0].as<std::string>();
  if (rows.size() > 3) names += ", ...";
  return "it holds " + std::to_string(rows.size()) +
         (rows.size() == 1 ? " table, view or sequence (" : " tables, views or sequences (") + names + ")";
}

ChildConnection child_connection(const db::ConnectionConfig& cfg, int connect_timeout_s) {
  ChildConnection c;
  c.conninfo = cfg.conninfo_without_password();
  c.password = cfg.password;
  c.connect_timeout_s = connect_timeout_s;
  return c;
}

}  // namespace pgrevise::backup
