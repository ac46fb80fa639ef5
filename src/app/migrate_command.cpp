// `pgrevise migrate …` and `pgrevise new`: the Alembic-style runner.
#include <sys/ioctl.h>
#include <unistd.h>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string_view>

#include "app/commands.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/command_names.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/terminal.h"
#include "runner/runner.h"

namespace pgrevise::app {
namespace {

using cli::FlagSpec;

const std::vector<FlagSpec>& common_flags() {
  static const std::vector<FlagSpec> flags = {
      {"dir", "DIR", "directory of migration files (*.sql, searched recursively)", false,
       "$PGREVISE_MIGRATIONS_DIR, else ./migrations"},
      {"database-url", "URL", "PostgreSQL URL or conninfo (never printed whole)", false,
       "$DATABASE_URL, else libpq's PG* variables"},
      {"version-table", "[SCHEMA.]NAME", "table holding the applied heads, Alembic's shape", false,
       "alembic_version"},
      cli::output_flag(),
      {"report", "FILE", "write a JSON report of what was done (at most 4 KiB), e.g. /dev/termination-log"},
      {"log-level", "LEVEL", "debug|info|warn|error", false, "info"},
  };
  return flags;
}

const std::vector<FlagSpec>& run_flags() {
  static const std::vector<FlagSpec> flags = {
      {"sql", "", "print the SQL script instead of running it, without connecting (TARGET may be FROM:TO)"},
      {"transaction", "per-revision|all", "one transaction per revision, or one for the whole run", false,
       "per-revision"},
      {"lock-wait", "DURATION", "how long to wait for another runner's migration lock", false, "60s"},
      {"lock-timeout", "DURATION", "lock_timeout for each revision; 0 disables", false, "the server's"},
      {"statement-timeout", "DURATION", "statement_timeout for each revision; 0 disables", false,
       "the server's"},
      {"lock-retries", "N", "retries of a revision that failed on lock_timeout, with backoff", false, "5"},
      {"retry-unfinished", "", "re-run a non-transactional revision a crashed run left unfinished"},
      {"allow-drift", "",
       "upgrade or sync although an applied revision's file changed since it ran (see `migrate check`)"},
      {"progress-interval", "DURATION",
       "off a terminal, how often a line says which statement still runs, for how long and how far", false,
       "30s"},
  };
  return flags;
}

struct Subcommand {
  std::string usage;
  std::string summary;
  std::vector<FlagSpec> extra_flags;
  size_t min_args;
  size_t max_args;
  bool run_flags;
};

const std::map<std::string, Subcommand>& subcommands() {
  static const std::map<std::string, Subcommand> table = {
      {"upgrade", {"upgrade [TARGET]", "apply revisions up to TARGET (default: heads)", {}, 0, 1, true}},
      {"downgrade",
       {"downgrade TARGET", "revert revisions down to TARGET (e.g. -1, base, REV)", {}, 1, 1, true}},
      {"sync",
       {"sync TARGET",
        "move to exactly TARGET: revert applied revisions it does not need, then apply what it needs",
        {{"allow-downgrade", "", "permit the reverting steps (otherwise a plan with any is refused)"}},
        1,
        1,
        true}},
      {"stamp",
       {"stamp TARGET",
        "set the version table to TARGET without running migrations",
        {{"purge", "", "empty the version table first (unknown revisions are no error then)"},
         {"force-prefix", "", "take a revision prefix shorter than four characters"}},
        1,
        1,
        false}},
      {"current",
       {"current",
        "show the revisions applied to the database",
        {{"verbose", "", "each revision's message, parent and file", false, "", 'v'}},
        0,
        0,
        false}},
      {"history",
       {"history",
        "list revisions from the files, newest first",
        {{"verbose", "", "each revision's message, parent and file", false, "", 'v'},
         {"rev-range", "[FROM]:[TO]", "only revisions from FROM up to TO, both included", false, "", 'r'},
         {"indicate-current", "", "mark the revisions the database is at (current)", false, "", 'i'},
         {"applied", "", "list what was run on the database (the history table) instead"},
         {"limit", "N", "how many history entries with --applied", false, "50"}},
        0,
        0,
        false}},
      {"heads",
       {"heads",
        "show the head revisions of the files",
        {{"verbose", "", "each head's message, parent and file", false, "", 'v'}},
        0,
        0,
        false}},
      {"show", {"show REV", "show a revision: its parents, file and message", {}, 1, 1, false}},
      {"branches",
       {"branches",
        "show the branch points and the revisions they branch into",
        {{"verbose", "", "with each revision's message", false, "", 'v'}},
        0,
        0,
        false}},
      {"init",
       {"init [DIR]",
        "create the migrations folder (DIR, else --dir), refused if it holds files",
        {},
        0,
        1,
        false}},
      {"check",
       {"check",
        "report checksum drift, unknown or unfinished revisions, invalid indexes and graph problems; "
        "non-zero if any",
        {{"offline", "", "check the files only, without a database"}},
        0,
        0,
        false}},
      {"plan",
       {"plan [TARGET]",
        "show what upgrade (or downgrade) would do from the database's current revisions",
        {{"downgrade", "", "plan a downgrade to TARGET"}, {"sql", "", "print the exact SQL instead"}},
        0,
        1,
        false}},
      {"graph",
       {"graph",
        "draw the revision graph",
        {{"format", "text|dot", "text for a terminal, dot for Graphviz", false, "text"}},
        0,
        0,
        false}},
  };
  return table;
}

cli::CommandSpec spec_for(const std::string& name, const Subcommand& sub) {
  cli::CommandSpec spec{.usage = "pgrevise migrate " + sub.usage + " [flags]",
                        .summary = sub.summary,
                        .min_positional = sub.min_args,
                        .max_positional = sub.max_args};
  spec.flags = common_flags();
  if (sub.run_flags) spec.flags.insert(spec.flags.end(), run_flags().begin(), run_flags().end());
  spec.flags.insert(spec.flags.end(), sub.extra_flags.begin(), sub.extra_flags.end());
  if (name == "upgrade" || name == "downgrade" || name == "plan" || name == "sync") {
    spec.details =
        "Targets follow Alembic: a revision id or unique prefix, head, heads, base, LABEL@head, LABEL@base,\n"
        "+N, -N, REV+N, REV-N.";
  }
  return spec;
}

std::optional<std::chrono::milliseconds> duration_flag(const cli::ParsedArgs& a, const std::string& flag) {
  auto text = a.get(flag);
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) throw_bad_input("--" + flag + ": '" + *text + "' is not a duration (e.g. 500ms, 5s, 1m30s, 0)");
  return d;
}

// The live line is kept up to date only where a person watches it: stderr is a terminal that can move the
// cursor. Anywhere else (a Job's log, a pipe, a file) a line is printed every --progress-interval.
runner::LiveProgressOptions progress_options() {
  runner::LiveProgressOptions o;
  const char* term = std::getenv("TERM");
  o.terminal = isatty(STDERR_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
  winsize size{};
  const char* columns = std::getenv("COLUMNS");
  if (o.terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    o.width = size.ws_col;
  } else if (columns != nullptr && std::atoi(columns) > 0) {
    o.width = static_cast<std::size_t>(std::atoi(columns));
  }
  return o;
}

runner::RunnerOptions options_from(const cli::ParsedArgs& a) {
  runner::RunnerOptions o;
  const char* env_dir = std::getenv("PGREVISE_MIGRATIONS_DIR");
  o.migrations_dir = a.get_or("dir", env_dir != nullptr && *env_dir ? env_dir : "migrations");
  o.database_url = a.get("database-url");
  if (auto vt = a.get("version-table")) o.version_table = db::VersionTableName::parse(*vt);
  o.output = cli::json_output(a) ? runner::OutputFormat::kJson : runner::OutputFormat::kText;
  o.report_path = a.get("report");
  const auto tx = a.get_or("transaction", "per-revision");
  if (tx != "per-revision" && tx != "all")
    throw_bad_input("--transaction: expected per-revision or all, got '" + tx + "'");
  o.transaction_mode = tx == "all" ? runner::TransactionMode::kAll : runner::TransactionMode::kPerRevision;
  if (auto d = duration_flag(a, "lock-wait")) o.lock_wait = *d;
  o.lock_timeout = duration_flag(a, "lock-timeout");
  o.statement_timeout = duration_flag(a, "statement-timeout");
  if (auto n = a.get_int("lock-retries", 0, 100)) o.lock_retries = static_cast<int>(*n);
  o.retry_unfinished = a.has("retry-unfinished");
  o.allow_drift = a.has("allow-drift");
  o.colour = cli::colour_wanted(2);  // stderr
  o.progress = progress_options();
  if (auto d = duration_flag(a, "progress-interval")) {
    if (d->count() <= 0) throw_bad_input("--progress-interval: must be more than 0");
    o.progress.interval = *d;
  }
  if (auto level = a.get("log-level")) {
    log::Level l;
    if (!log::parse_level(*level, l)) throw_bad_input("--log-level: expected debug, info, warn or error");
    log::configure(l, log::Format::kText);
  }
  return o;
}

int dispatch(const std::string& name, const cli::ParsedArgs& a) {
  auto options = options_from(a);
  if (name == "init" && !a.positional().empty()) options.migrations_dir = a.positional()[0];
  runner::Runner r(options, SystemClock::instance(), std::cout, std::cerr, PGREVISE_VERSION);
  const auto& pos = a.positional();
  // A missing TARGET means heads; an empty one given explicitly is refused by target resolution.
  const std::string target = pos.empty() ? "heads" : pos[0];
  if (name == "upgrade") return a.has("sql") ? r.offline_sql(target, false) : r.upgrade(target);
  if (name == "downgrade") return a.has("sql") ? r.offline_sql(target, true) : r.downgrade(target);
  if (name == "sync") return r.sync(target, a.has("allow-downgrade"));
  if (name == "stamp") return r.stamp(target, a.has("purge"), a.has("force-prefix"));
  if (name == "current") return r.current(a.has("verbose"));
  if (name == "history") {
    return r.history({.applied = a.has("applied"),
                      .limit = static_cast<int>(a.get_int("limit", 1, 100000).value_or(50)),
                      .verbose = a.has("verbose"),
                      .range = a.get_or("rev-range", ""),
                      .indicate_current = a.has("indicate-current")});
  }
  if (name == "heads") return r.heads(a.has("verbose"));
  if (name == "show") return r.show(target);
  if (name == "branches") return r.branches(a.has("verbose"));
  if (name == "init") return r.init();
  if (name == "check") return r.check(a.has("offline"));
  if (name == "plan") return r.plan(target, a.has("downgrade"), a.has("sql"));
  return r.graph(a.get_or("format", "text"));
}

std::vector<std::string> subcommand_names() {
  std::vector<std::string> names = {"new"};
  for (const auto& [name, sub] : subcommands()) names.push_back(name);
  return names;
}

void print_migrate_help() {
  std::cout
      << "Usage: pgrevise migrate SUBCOMMAND [ARGS] [flags]\n\n"
         "Alembic-compatible migration runner for PostgreSQL. State lives in Alembic's alembic_version\n"
         "table, so a database can move between Alembic and pgrevise at any revision.\n\nSubcommands:\n";
  for (const auto& [name, sub] : subcommands())
    std::printf("  %-24s %s\n", sub.usage.c_str(), sub.summary.c_str());
  std::printf("  %-24s %s\n", "new -m MESSAGE", "write a new migration file after the current head");
  cli::CommandSpec flags{.usage = "", .summary = ""};
  flags.flags = common_flags();
  flags.flags.insert(flags.flags.end(), run_flags().begin(), run_flags().end());
  std::string text = cli::help_text(flags);
  std::cout
      << "\nFlags of upgrade/downgrade/sync (the first six apply to every subcommand):"
      << text.substr(text.find("\nFlags:") + 7)
      << "\nExit codes: 0 success; 1 a migration failed (SQLSTATE and file:line on stderr and in --report);\n"
         "2 bad input (files, graph, target, flags); 3 migration lock not acquired within --lock-wait;\n"
         "4 database unreachable or authentication failed.\n"
         "`pgrevise migrate SUBCOMMAND --help` shows a subcommand's own flags.\n";
}

int run_migrate(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_migrate_help();
    return args.empty() ? kExitBadInput : kExitOk;
  }
  const std::string name = args[0];
  Args rest(args.begin() + 1, args.end());
  if (name == "new") return run_new(rest);
  auto it = subcommands().find(name);
  if (it == subcommands().end()) throw_bad_input(cli::unknown_subcommand_message(name, subcommand_names()));
  const auto spec = spec_for(name, it->second);
  if (cli::wants_help(rest)) {
    std::cout << cli::help_text(spec);
    return kExitOk;
  }
  return dispatch(name, cli::parse(spec, rest));
}

cli::CompletionNode migrate_completion() {
  cli::CompletionNode node;
  for (const auto& [name, sub] : subcommands())
    node.subcommands.push_back({.name = name, .summary = sub.summary, .flags = spec_for(name, sub).flags});
  const auto scaffold = new_spec();
  node.subcommands.push_back({.name = "new", .summary = scaffold.summary, .flags = scaffold.flags});
  return node;
}

const CommandRegistration migrate_command("migrate",
                                          "Alembic-style migration runner (upgrade, downgrade, current, ...)",
                                          run_migrate, 10, subcommand_names(), migrate_completion);

}  // namespace
}  // namespace pgrevise::app
