// `pgrevise import alembic SOURCE OUTPUT`: an Alembic or Flask-Migrate project as pgrevise migration files.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "common/cli.h"
#include "common/enum_names.h"
#include "common/error.h"
#include "common/process.h"
#include "importer/alembic_python.h"
#include "importer/import.h"

namespace pgrevise::app {

namespace {

using importer::RevisionOutcome;

cli::CommandSpec import_alembic_spec() {
  return cli::CommandSpec{
      .usage = "pgrevise import alembic SOURCE OUTPUT [--python PYTHON]",
      .summary =
          "Write every revision of an Alembic or Flask-Migrate project as a pgrevise migration file in "
          "OUTPUT, its SQL rendered by the project's own Alembic in offline mode.",
      .flags = {{"python", "PYTHON", "the Python that has the project's Alembic and SQLAlchemy", false,
                 "python3"},
                cli::output_flag("result format on stdout (the messages about revisions stay on stderr)")},
      .min_positional = 2,
      .max_positional = 2,
      .details =
          "SOURCE is the project's alembic.ini, or a Flask-Migrate migrations/ folder (the one holding "
          "env.py).\n"
          "Running it again converts only new revisions (and those whose Python changed or that still need "
          "SQL);\n"
          "a file edited by hand is never written over. A revision Alembic cannot render offline (a data\n"
          "migration reading rows, an import of application code that is not installed) is written with a\n"
          "`-- needs_sql:` line that `migrate check` and `migrate upgrade` refuse until its SQL is "
          "written.\n\n"
          "Exit codes: 0 every revision converted; " +
          std::to_string(kExitImportNeedsWork) +
          " some revisions need their SQL written by hand; 2 bad input (a SOURCE\n"
          "Alembic cannot read, an OUTPUT file that does not parse); 1 anything else."};
}

// A multi-line error (Flask's, say) with its later lines indented under the first.
std::string indented(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n    ") : std::string(1, c);
  return out;
}

void print_outcome(const RevisionOutcome& o) {
  switch (o.kind) {
    case RevisionOutcome::Kind::kNeedsSql:
      std::cerr << "needs SQL: revision " << o.revision << " (" << o.source << ") -> " << o.file.string()
                << "\n";
      for (const auto& error : o.errors) std::cerr << "  " << indented(error) << "\n";
      return;
    case RevisionOutcome::Kind::kKeptEdited:
      if (o.source_changed)
        std::cerr << "kept: " << o.file.string() << " (revision " << o.revision
                  << ") was edited by hand, but " << o.source
                  << " changed since it was imported: compare them\n";
      if (o.file_needs_sql)
        std::cerr << "needs SQL: " << o.file.string() << " (revision " << o.revision
                  << ") still has its `-- needs_sql:` line\n";
      return;
    case RevisionOutcome::Kind::kUnchanged:
    case RevisionOutcome::Kind::kConverted:
      return;
  }
}

// The `result` of a revision in the JSON output.
constexpr auto kKindNames = enum_names<RevisionOutcome::Kind>({
    {RevisionOutcome::Kind::kConverted, "converted"},
    {RevisionOutcome::Kind::kNeedsSql, "needsSql"},
    {RevisionOutcome::Kind::kUnchanged, "unchanged"},
    {RevisionOutcome::Kind::kKeptEdited, "keptEdited"},
});

void print_json(const importer::ImportReport& report) {
  nlohmann::json revisions = nlohmann::json::array();
  for (const auto& o : report.outcomes) {
    nlohmann::json j = {{"revision", o.revision},
                        {"source", o.source},
                        {"file", o.file.string()},
                        {"result", kKindNames.name(o.kind)},
                        {"rewritten", o.rewritten}};
    if (o.source_changed) j["sourceChanged"] = true;
    if (o.file_needs_sql) j["fileNeedsSql"] = true;
    if (!o.errors.empty()) j["errors"] = o.errors;
    revisions.push_back(std::move(j));
  }
  std::cout << nlohmann::json{{"alembicVersion", report.alembic_version},
                              {"sqlalchemyVersion", report.sqlalchemy_version},
                              {"needsWork", report.needs_work()},
                              {"revisions", revisions}}
                   .dump()
            << "\n";
}

int run_import_alembic(const cli::ParsedArgs& a) {
  const bool json = cli::json_output(a);
  const std::string python = a.get_or("python", "python3");
  SystemProcessRunner processes;
  importer::AlembicPython driver(processes, python);
  const auto report = importer::import_alembic({a.positional()[0], a.positional()[1]}, driver);
  for (const auto& outcome : report.outcomes) print_outcome(outcome);
  if (json) {
    print_json(report);
    return report.needs_work() ? kExitImportNeedsWork : kExitOk;
  }
  size_t rewritten = 0;
  for (const auto& o : report.outcomes) rewritten += o.rewritten ? 1 : 0;
  std::cout << "pgrevise import alembic: " << report.outcomes.size() << " revisions in " << a.positional()[0]
            << " (Alembic " << report.alembic_version << ", SQLAlchemy " << report.sqlalchemy_version
            << "): " << report.count(RevisionOutcome::Kind::kConverted) << " converted, "
            << report.count(RevisionOutcome::Kind::kNeedsSql) << " need SQL written by hand, "
            << report.count(RevisionOutcome::Kind::kUnchanged) << " unchanged, "
            << report.count(RevisionOutcome::Kind::kKeptEdited) << " kept as edited by hand"
            << (rewritten ? " (" + std::to_string(rewritten) + " rewritten from a changed source or to retry)"
                          : "")
            << "; files in " << a.positional()[1] << "\n";
  return report.needs_work() ? kExitImportNeedsWork : kExitOk;
}

int run_import(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << "Usage: pgrevise import alembic SOURCE OUTPUT [--python PYTHON]\n\n"
              << import_alembic_spec().summary << "\n`pgrevise import alembic --help` shows its flags.\n";
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] != "alembic")
    throw_bad_input("pgrevise import converts from alembic only, not '" + args[0] + "'" +
                    cli::did_you_mean(args[0], {"alembic"}) + " (see pgrevise import --help)");
  const Args rest(args.begin() + 1, args.end());
  const auto spec = import_alembic_spec();
  if (cli::wants_help(rest)) {
    std::cout << cli::help_text(spec);
    return kExitOk;
  }
  return run_import_alembic(cli::parse(spec, rest));
}

const CommandRegistration import_command(
    "import", "convert an Alembic or Flask-Migrate project into migration files", run_import, 12, {"alembic"},
    [] {
      const auto spec = import_alembic_spec();
      return cli::CompletionNode{
          .subcommands = {{.name = "alembic", .summary = spec.summary, .flags = spec.flags}}};
    });

}  // namespace

}  // namespace pgrevise::app
