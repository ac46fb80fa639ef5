#pragma once

#include <string>

#include <pqxx/connection>

#include "backup/backup.h"
#include "db/connection.h"
#include "db/version_table.h"

namespace pgrevise::backup {

// Reads the database name, server version, heads and number of user tables over one connection.
DatabaseFacts read_database_facts(pqxx::connection& c, const db::ConnectionConfig& cfg,
                                  const db::VersionTableName& version_table);

// What a restore without --clean would collide with: "" for a database that holds no table, view or sequence
// of its own (an extension's do not count), else e.g. "it holds 3 tables, views or sequences (public.orders,
// public.users, ...)".
std::string existing_objects(pqxx::connection& c);

// The connection a child process (pg_dump, pg_restore, psql) uses: the password only in its environment.
ChildConnection child_connection(const db::ConnectionConfig& cfg, int connect_timeout_s);

}  // namespace pgrevise::backup
