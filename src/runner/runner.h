#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/job_report.h"
#include "runner/options.h"

namespace pgrevise::runner {

// The `pgrevise migrate` commands. Each returns the process exit code (app/commands.h) and writes the
// --report file, when asked, whether it succeeded or not. Output goes to `out` (results) and `err` (progress
// and diagnostics), injected so tests can capture them.
class Runner {
 public:
  enum class Mode { kUpgrade, kDowngrade, kSync };
  Runner(RunnerOptions options, Clock& clock, std::ostream& out, std::ostream& err,
         std::string pgrevise_version);

  // upgrade / downgrade TARGET online. The migration lock is held from before the heads are read until the
  // last step commits, so a second runner waits and then finds nothing to do.
  int upgrade(const std::string& target);
  int downgrade(const std::string& target);
  // The operator's declarative move: exactly TARGET's revisions applied (revision::plan_to_target). Applied
  // revisions TARGET does not need are reverted first, which is refused (bad input, nothing changed) unless
  // allow_downgrade.
  int sync(const std::string& target, bool allow_downgrade);
  // Sets the version table to TARGET and records a `stamp` row in the history table for each row written. A
  // revision prefix shorter than four characters is refused unless force_prefix.
  int stamp(const std::string& target, bool purge, bool force_prefix);

  int current(bool verbose);
  // `history` as Alembic lists it; `applied` lists the history table instead (the newest `limit` rows).
  struct HistoryQuery {
    bool applied = false;
    int limit = 50;
    bool verbose = false;           // revision_text blocks instead of one line each
    std::string range;              // Alembic's -r [FROM]:[TO], both ends included; empty: every revision
    bool indicate_current = false;  // mark the database's rows "(current)"
  };
  int history(const HistoryQuery& query);
  int heads(bool verbose);
  int show(
      const std::string& revision);  // Alembic's `show REV`: the revision's text, REV resolved as a target
  int branches(bool verbose);        // Alembic's `branches`: each branch point and its children
  // Alembic's `init` for pgrevise: creates the migrations folder; one that exists and holds files is refused.
  int init();
  int check(bool offline);
  // What `upgrade` (or `downgrade` with downgrade=true) would do from the database's current heads; with sql,
  // the exact SQL script instead.
  int plan(const std::string& target, bool downgrade, bool sql);
  int graph(const std::string& format);

  // Offline --sql: the complete script from `from` (empty: an empty database) to the target, without
  // connecting. TARGET may be FROM:TO as in Alembic.
  int offline_sql(const std::string& target, bool downgrade);

  const JobReport& report() const { return report_; }

 private:
  int migrate(const std::string& command, const std::string& target, Mode mode, bool allow_downgrade = false);
  int finish(int exit_code);

  RunnerOptions options_;
  Clock& clock_;
  std::ostream& out_;
  std::ostream& err_;
  std::string version_;
  JobReport report_;
};

}  // namespace pgrevise::runner
