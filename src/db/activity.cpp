#include "db/activity.h"

#include <pqxx/pqxx>

#include "db/lock.h"

namespace pgrevise::db {

namespace {

constexpr const char* kActivitySelect =
    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), coalesce(a.query, ''), "
    "coalesce(extract(epoch FROM clock_timestamp() - a.query_start), 0)::float8, "
    "coalesce(a.wait_event_type || ':' || a.wait_event, ''), p.command, p.phase, "
    "CASE WHEN p.index_relid <> 0 THEN p.index_relid::regclass::text ELSE '' END, "
    "p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total "
    "FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid ";

BackendActivity activity_from(const pqxx::row& r) {
  BackendActivity a{.pid = r[0].as<int>(),
                    .application_name = r[1].as<std::string>(),
                    .state = r[2].as<std::string>(),
                    .query = r[3].as<std::string>(),
                    .running_seconds = r[4].as<double>(),
                    .wait_event = r[5].as<std::string>()};
  if (!r[6].is_null()) {
    a.index_build = IndexBuildProgress{.command = r[6].as<std::string>(),
                                       .phase = r[7].as<std::string>(""),
                                       .index = r[8].as<std::string>(""),
                                       .blocks_done = r[9].as<std::int64_t>(0),
                                       .blocks_total = r[10].as<std::int64_t>(0),
                                       .tuples_done = r[11].as<std::int64_t>(0),
                                       .tuples_total = r[12].as<std::int64_t>(0)};
  }
  return a;
}

std::optional<BackendActivity> first_activity(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return activity_from(rows[0]);
}

}  // namespace

std::optional<BackendActivity> backend_activity(pqxx::connection_base& c, int pid) {
  pqxx::nontransaction tx(c);
  return first_activity(tx.exec_params(std::string(kActivitySelect) + "WHERE a.pid = $1", pid));
}

std::optional<BackendActivity> migration_runner_activity(pqxx::connection_base& c,
                                                         const VersionTableName& table) {
  const auto key = static_cast<std::uint64_t>(migration_lock_key(table));
  pqxx::nontransaction tx(c);
  return first_activity(tx.exec_params(
      std::string(kActivitySelect) +
          "WHERE a.pid IN (SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
          "AND l.objsubid = 1 AND l.classid::bigint = $1 AND l.objid::bigint = $2 "
          "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) "
          "ORDER BY a.pid LIMIT 1",
      static_cast<std::int64_t>(key >> 32), static_cast<std::int64_t>(key & 0xffffffffu)));
}

}  // namespace pgrevise::db
