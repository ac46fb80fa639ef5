// `pgrevise new -m MESSAGE`: scaffolds a migration file after the current head.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "common/cli.h"
#include "common/error.h"
#include "revision/graph.h"
#include "revision/scaffold.h"

namespace pgrevise::app {

namespace {

cli::CommandSpec new_spec() {
  return cli::CommandSpec{
      .usage = "pgrevise new -m MESSAGE [flags]",
      .summary = "Write a new migration file whose down_revision is the current head of the files.",
      .flags = {{"message", "MESSAGE", "what the revision does (required; also -m)"},
                {"dir", "DIR", "directory of migration files", false,
                 "$PGREVISE_MIGRATIONS_DIR, else ./migrations"},
                {"head", "HEAD", "build on this head (id, prefix or LABEL@head), or `base` for a new base"},
                {"merge", "", "merge every head: down_revision lists them all"},
                {"branch-label", "LABEL", "label the new revision's branch", true},
                {"depends-on", "REV", "revision or label this one depends on", true},
                {"non-transactional", "", "mark the revision `transactional: false`"}},
      .details = "Several heads need --head or --merge. The file is named <id>_<slug>.sql."};
}

}  // namespace

int run_new(const Args& raw) {
  Args args;
  for (size_t i = 0; i < raw.size(); ++i) args.push_back(raw[i] == "-m" ? "--message" : raw[i]);
  const auto spec = new_spec();
  if (cli::wants_help(args)) {
    std::cout << cli::help_text(spec);
    return kExitOk;
  }
  const auto a = cli::parse(spec, args);
  const auto message = a.get("message");
  if (!message) throw_bad_input("-m MESSAGE is required");
  const char* env_dir = std::getenv("PGREVISE_MIGRATIONS_DIR");
  const std::filesystem::path dir = a.get_or("dir", env_dir != nullptr && *env_dir ? env_dir : "migrations");
  const auto graph = revision::load_graph(dir);
  const auto file = revision::scaffold_revision(graph,
                                                {.message = *message,
                                                 .head = a.get("head"),
                                                 .merge_heads = a.has("merge"),
                                                 .branch_labels = a.get_all("branch-label"),
                                                 .depends_on = a.get_all("depends-on"),
                                                 .transactional = !a.has("non-transactional")},
                                                revision::random_revision_ids());
  const auto path = dir / file.file_name;
  if (std::filesystem::exists(path)) throw_bad_input(path.string() + " already exists");
  {
    std::ofstream out(path, std::ios::binary);
    out << file.text;
    out.flush();
    if (!out) throw Error(ErrorKind::kIo, "cannot write " + path.string());
  }
  std::cout << "Created " << path.string() << " (revision " << file.revision << ", down_revision "
            << (file.down_revision.empty() ? "<base>" : file.down_revision) << ")\n";
  return kExitOk;
}

const CommandRegistration new_command("new", "write a new migration file after the current head", run_new,
                                      11);

}  // namespace pgrevise::app
