#pragma once

#include <memory>
#include <string>

#include <pqxx/connection>

#include "common/error.h"
#include "db/connection.h"
#include "runner/options.h"

namespace pgrevise::runner {

// An open connection to the database the options name.
struct Session {
  db::ConnectionConfig config;
  std::unique_ptr<pqxx::connection> conn;
};

Session open_session(const RunnerOptions& options);

// The process exit code for an error (the table in `pgrevise --help`).
int exit_code_for(ErrorKind kind);

// 16 random hex characters naming one runner invocation in the history table.
std::string new_run_id();

}  // namespace pgrevise::runner
