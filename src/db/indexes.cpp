#include "db/indexes.h"

#include <pqxx/pqxx>

namespace pgrevise::db {

namespace {

// Every invalid index with its table; `created` is a boolean SQL expression over the index's pg_class row c.
std::string invalid_index_query(const std::string& created) {
  return "SELECT n.nspname, c.relname, tn.nspname, t.relname, format('%I.%I', n.nspname, c.relname), "
         "format('%I.%I', tn.nspname, t.relname), c.relkind = 'I', " +
         created +
         " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = "
         "c.relnamespace JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = "
         "t.relnamespace "
         "WHERE NOT i.indisvalid ORDER BY 5";
}

std::vector<InvalidIndex> invalid_indexes_from(const pqxx::result& rows) {
  std::vector<InvalidIndex> out;
  for (const auto& r : rows) {
    out.push_back({.schema = r[0].as<std::string>(),
                   .name = r[1].as<std::string>(),
                   .table_schema = r[2].as<std::string>(),
                   .table_name = r[3].as<std::string>(),
                   .index_sql = r[4].as<std::string>(),
                   .table_sql = r[5].as<std::string>(),
                   .partitioned = r[6].as<bool>(),
                   .created_during_attempt = r[7].as<bool>()});
  }
  return out;
}

}  // namespace

std::vector<InvalidIndex> invalid_indexes(pqxx::transaction_base& tx) {
  return invalid_indexes_from(tx.exec(invalid_index_query("false")));
}

std::vector<InvalidIndex> invalid_indexes(pqxx::transaction_base& tx, const HistoryTable& history,
                                          std::int64_t attempt_id) {
  if (!history.exists(tx)) return invalid_indexes(tx);
  // PostgreSQL records no creation time, but an index's pg_class row carries the id of the transaction that
  // wrote it (xmin), and transaction ids grow: age() counts how many transactions ago. The attempt's own row
  // bounds the run. A `running` row is still the one its start inserted: the index is newer than it. A
  // `failed` row was rewritten when the failure was recorded: the index is older than that and newer than the
  // row before the attempt's, written before it started (without one, every older index counts). A negative
  // age is an id from before a wraparound, more than two billion transactions ago.
  const std::string table = history.name().qualified_sql();
  const std::string created =
      "coalesce((SELECT age(c.xmin) >= 0 AND CASE WHEN a.result = 'running' THEN age(c.xmin) < age(a.xmin) "
      "ELSE age(c.xmin) > age(a.xmin) AND age(c.xmin) < coalesce((SELECT age(p.xmin) FROM " +
      table + " p WHERE p.id < a.id ORDER BY p.id DESC LIMIT 1), 2147483647) END FROM " + table +
      " a WHERE a.id = $1), false)";
  return invalid_indexes_from(tx.exec_params(invalid_index_query(created), attempt_id));
}

}  // namespace pgrevise::db
