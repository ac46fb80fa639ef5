#include "lint/live.h"

#include <pqxx/pqxx>

#include "common/redact.h"

namespace pgrevise::lint {

namespace {

constexpr size_t kHoldersRead = 10;  // per relation

constexpr const char* kSizeQuery = R"sql(
WITH r AS (SELECT to_regclass($1) AS oid),
parts AS (
  SELECT c.oid, c.reltuples, c.relkind FROM r, pg_class c
  WHERE c.oid = r.oid AND c.relkind <> 'p'
  UNION ALL
  SELECT c.oid, c.reltuples, c.relkind FROM r, pg_class p, pg_partition_tree(r.oid) t, pg_class c
  WHERE p.oid = r.oid AND p.relkind = 'p' AND c.oid = t.relid AND t.isleaf
)
SELECT (SELECT n.nspname || '.' || c.relname FROM r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = r.oid),
       coalesce(sum(CASE WHEN parts.reltuples >= 0 THEN parts.reltuples
                         ELSE coalesce(s.n_live_tup, 0) END), 0)::float8,
       coalesce(sum(pg_total_relation_size(parts.oid)), 0)::int8,
       coalesce(sum(pg_relation_size(parts.oid)), 0)::int8,
       (SELECT oid FROM r)::int8
FROM parts LEFT JOIN pg_stat_user_tables s ON s.relid = parts.oid
)sql";

constexpr const char* kHolderQuery = R"sql(
SELECT l.pid, l.mode, l.granted, coalesce(a.state, ''),
       coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)), 0)::float8,
       coalesce(a.query, '')
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.relation = $1::oid AND l.pid IS NOT NULL AND l.pid <> pg_backend_pid()
ORDER BY 5 DESC, 1
LIMIT $2
)sql";

}  // namespace

RelationFactsMap read_relation_facts(pqxx::connection_base& connection,
                                     const std::vector<std::string>& relations) {
  RelationFactsMap out;
  pqxx::nontransaction tx(connection);
  for (const auto& relation : relations) {
    if (out.count(relation) > 0) continue;  // a name asked for twice is read once
    RelationFacts facts;
    const auto row = tx.exec_params1(kSizeQuery, relation);
    if (!row[0].is_null()) {
      facts.exists = true;
      facts.name = row[0].as<std::string>();
      facts.rows = row[1].as<double>();
      facts.bytes = row[2].as<std::int64_t>();
      facts.heap_bytes = row[3].as<std::int64_t>();
      for (const auto& h :
           tx.exec_params(kHolderQuery, row[4].as<std::int64_t>(), static_cast<int>(kHoldersRead))) {
        facts.holders.push_back({h[0].as<int>(), h[1].as<std::string>(), h[2].as<bool>(),
                                 h[3].as<std::string>(), h[4].as<double>(),
                                 redact_sql(h[5].as<std::string>())});
      }
    }
    out.emplace(relation, std::move(facts));
  }
  return out;
}

}  // namespace pgrevise::lint
