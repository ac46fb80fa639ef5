// `pgrevise new -m MESSAGE`: scaffolds a migration file after the current head.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/strings.h"
#include "revision/errors.h"
#include "revision/graph.h"
#include "revision/scaffold.h"

namespace pgrevise::app {

cli::CommandSpec new_spec() {
  return cli::CommandSpec{
      .usage = "pgrevise new -m MESSAGE [flags]",
      .summary = "Write a new migration file whose down_revision is the current head of the files.",
      .flags = {{"message", "MESSAGE", "what the revision does: one line of UTF-8 text (required; also -m)"},
                {"dir", "DIR", "directory of migration files", false,
                 "$PGREVISE_MIGRATIONS_DIR, else ./migrations"},
                {"head", "REV",
                 "build on this revision (id, prefix or LABEL@head), or `base` for a new base; a revision "
                 "that is not a head starts a new branch from it"},
                {"splice", "", "accepted for Alembic's habit: --head takes a revision that is not a head"},
                {"rev-id", "ID", "the new revision's id instead of 12 random hex characters"},
                {"merge", "",
                 "merge every head: down_revision lists them all (two heads or more; not with --head)"},
                {"branch-label", "LABEL", "label the new revision's branch", true},
                {"depends-on", "REV", "revision or label this one depends on", true},
                {"non-transactional", "", "mark the revision `transactional: false`"},
                cli::output_flag()},
      .details =
          "Several heads need --head or --merge. The file is named YYYYMMDD_HHMMSS_<id>_<slug>.sql\n"
          "(the UTC time it was made, so `ls` lists files in the order they were made); pgrevise\n"
          "reads a revision's identity from its header, so files named otherwise keep working."};
}

namespace {

// Where the first byte sits that is no part of valid UTF-8 (no overlong forms, no surrogates, nothing above
// U+10FFFF: the loader's rules) or is a control character other than tab, or npos. The message goes into the
// file's header, which the loader reads as UTF-8 text.
size_t first_unfit_byte(std::string_view text) {
  return first_unfit_utf8(text, [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; });
}

std::string check_message(const std::optional<std::string>& message) {
  if (!message) throw_bad_input("-m MESSAGE is required");
  if (message->find_first_not_of(" \t") == std::string::npos)
    throw_bad_input("-m MESSAGE: the message is empty");
  if (message->find_first_of("\r\n") != std::string::npos)
    throw_bad_input("-m MESSAGE: the message must be a single line");
  if (const size_t bad = first_unfit_byte(*message); bad != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X",
                  static_cast<unsigned>(static_cast<unsigned char>((*message)[bad])));
    throw_bad_input(std::string("-m MESSAGE: byte ") + byte + " at offset " + std::to_string(bad) +
                    " is not UTF-8 text (or is a control character)");
  }
  return *message;
}

std::filesystem::path migrations_dir(const cli::ParsedArgs& a) {
  const char* env_dir = std::getenv("PGREVISE_MIGRATIONS_DIR");
  const bool from_env = !a.has("dir") && env_dir != nullptr && *env_dir;
  const std::string dir = a.get_or("dir", from_env ? env_dir : "migrations");
  const std::string source = a.has("dir") ? "--dir"
                             : from_env   ? "PGREVISE_MIGRATIONS_DIR"
                                          : "the default --dir";
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec))
    throw_bad_input(source + " '" + dir + "': no such directory of migration files; create it with " +
                    "`pgrevise init " + (dir.empty() ? std::string("migrations") : dir) +
                    "`, or point --dir at the folder that holds them");
  return dir;
}

// The flag a refusal of the scaffolder is about, so that the message names it.
std::string culprit_flag(const revision::RevisionError& e, const cli::ParsedArgs& a) {
  switch (e.code()) {
    case revision::RevisionErrorCode::kResolutionError:
      return a.has("head") ? "--head " + a.get_or("head", "") + ": " : "";
    case revision::RevisionErrorCode::kUnknownDependency:
      return "--depends-on: ";
    case revision::RevisionErrorCode::kDuplicateLabel:
    case revision::RevisionErrorCode::kParse:
      if (a.has("rev-id") && std::string(e.what()).find(a.get_or("rev-id", "")) != std::string::npos)
        return "--rev-id: ";
      return a.has("branch-label") ? "--branch-label: " : "";
    case revision::RevisionErrorCode::kDuplicateRevision:
      return a.has("rev-id") ? "--rev-id: " : "";
    default:
      return "";
  }
}

std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  return names;
}

revision::NewRevisionFile scaffold(const revision::RevisionGraph& graph, const cli::ParsedArgs& a,
                                   const std::string& message, const std::filesystem::path& dir) {
  if (a.has("merge") && a.has("head")) throw_bad_input("--head and --merge exclude each other: choose one");
  if (a.has("merge") && graph.heads().size() < 2)
    throw_bad_input("--merge: there is nothing to merge, the files have " +
                    std::to_string(graph.heads().size()) + " head(s)");
  try {
    return revision::scaffold_revision(
        graph,
        {.message = message,
         .head = a.get("head"),
         .merge_heads = a.has("merge"),
         .branch_labels = a.get_all("branch-label"),
         .depends_on = a.get_all("depends-on"),
         .transactional = !a.has("non-transactional"),
         .revision_id = a.get("rev-id"),
         .name_prefix = revision::file_name_prefix(SystemClock::instance().now(), file_names(dir))},
        revision::random_revision_ids());
  } catch (const revision::RevisionError& e) {
    const std::string flag = culprit_flag(e, a);
    if (flag.empty()) throw;
    throw Error(ErrorKind::kBadInput, flag + e.what());
  }
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
  const bool json = cli::json_output(a);
  const std::string message = check_message(a.get("message"));
  const std::filesystem::path dir = migrations_dir(a);
  const auto file = scaffold(revision::load_graph(dir), a, message, dir);
  const auto path = dir / file.file_name;
  if (std::filesystem::exists(path)) throw_bad_input(path.string() + " already exists");
  {
    std::ofstream out(path, std::ios::binary);
    out << file.text;
    out.flush();
    if (!out) throw Error(ErrorKind::kIo, "cannot write " + path.string());
  }
  if (json) {
    std::cout << nlohmann::json{{"file", path.string()},
                                {"revision", file.revision},
                                {"downRevision", file.down_revision},
                                {"newBranch", file.new_branch}}
                     .dump()
              << "\n";
    return kExitOk;
  }
  std::cout << "Created " << path.string() << " (revision " << file.revision << ", down_revision "
            << (file.down_revision.empty() ? "<base>" : file.down_revision) << ")\n";
  if (file.new_branch)
    std::cout << "Revision " << file.down_revision
              << " was not a head: this starts a new branch, and the files now have one more head\n";
  return kExitOk;
}

const CommandRegistration new_command("new", "write a new migration file after the current head", run_new, 11,
                                      {}, [] { return cli::CompletionNode{.flags = new_spec().flags}; });

}  // namespace pgrevise::app
