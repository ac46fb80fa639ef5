#pragma once

#include <libpq-fe.h>
#include <pqxx/connection_base>

namespace pgrevise::db {

// The libpq handle under a libpqxx 6.4 connection. libpqxx keeps it private, but the structured error fields
// the runner reports (statement position, detail, hint) exist only on the libpq result, so statement
// execution goes through libpq directly. Never null for an open connection.
PGconn* native_handle(pqxx::connection_base& c);

}  // namespace pgrevise::db
