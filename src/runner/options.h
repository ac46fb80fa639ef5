#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "db/version_table.h"

namespace pgrevise::runner {

enum class OutputFormat { kText, kJson };

// How revisions map to transactions. kPerRevision: each transactional revision commits together with its
// version-table update. kAll: the whole run is one transaction (refused when a non-transactional revision is
// in the plan, since that revision cannot run inside it).
enum class TransactionMode { kPerRevision, kAll };

// How `upgrade`, `downgrade` and `sync` show a revision while it runs (runner/live_progress.h).
struct LiveProgressOptions {
  // On a terminal one line is kept up to date (redrawn every `redraw`); elsewhere (a log, a pipe) a line is
  // printed every `interval` while a statement runs.
  bool terminal = false;
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  std::chrono::milliseconds redraw{std::chrono::milliseconds(500)};
  std::size_t width = 100;  // the terminal's columns
};

struct RunnerOptions {
  std::filesystem::path migrations_dir = "migrations";
  std::optional<std::string> database_url;  // --database-url; else DATABASE_URL, else PG* variables
  db::VersionTableName version_table;
  TransactionMode transaction_mode = TransactionMode::kPerRevision;
  std::chrono::milliseconds lock_wait{
      std::chrono::seconds(60)};                          // waiting for another runner's migration lock
  std::optional<std::chrono::milliseconds> lock_timeout;  // per revision; nullopt: the server's setting
  std::optional<std::chrono::milliseconds> statement_timeout;
  int lock_retries = 5;  // a revision failing on lock_timeout is retried this many times with backoff
  std::chrono::milliseconds lock_retry_backoff{std::chrono::milliseconds(500)};
  bool retry_unfinished = false;  // re-run an unfinished non-transactional revision from its first statement
  bool allow_drift = false;  // run upgrade / sync although an applied revision's file changed (drift_guard.h)
  OutputFormat output = OutputFormat::kText;
  std::optional<std::string> report_path;  // --report FILE: JSON job report (at most 4 KiB)
  std::string application_name = "pgrevise";
  bool colour = false;  // errors in colour on stderr (cli::colour_wanted)
  LiveProgressOptions progress;
};

}  // namespace pgrevise::runner
