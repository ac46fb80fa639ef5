#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "db/history.h"

namespace pgrevise::db {

// An index PostgreSQL marks invalid (pg_index.indisvalid false): what a CREATE INDEX CONCURRENTLY or REINDEX
// CONCURRENTLY leaves behind when it fails or is interrupted, and a partitioned index before every partition
// has its index attached. Queries do not use it, and a unique one does not guarantee uniqueness.
struct InvalidIndex {
  std::string schema;  // the names as the catalog holds them
  std::string name;
  std::string table_schema;
  std::string table_name;
  std::string
      index_sql;  // schema.name, quoted where SQL needs it: for messages and the statements that fix it
  std::string table_sql;
  bool partitioned = false;             // an index of a partitioned table
  bool created_during_attempt = false;  // see invalid_indexes(tx, history, attempt_id)
  bool operator==(const InvalidIndex&) const = default;
};

// Every invalid index in the database, ordered by index_sql.
std::vector<InvalidIndex> invalid_indexes(pqxx::transaction_base& tx);

// The same, each marked whether it was created while an attempt ran: the attempt is a history row of a
// non-transactional revision, `running` (its runner died, or it is running now) or `failed`.
std::vector<InvalidIndex> invalid_indexes(pqxx::transaction_base& tx, const HistoryTable& history,
                                          std::int64_t attempt_id);

}  // namespace pgrevise::db
