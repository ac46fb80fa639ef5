// `pgrevise lint [PATH|-]`: the offline safety analysis of a migrations folder, one file or standard input.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/commands.h"
#include "common/cli.h"
#include "common/duration.h"
#include "common/error.h"
#include "db/connection.h"
#include "lint/config.h"
#include "lint/lint.h"
#include "lint/live.h"
#include "lint/output.h"
#include "revision/errors.h"
#include "revision/loader.h"
#include "revision/script.h"

namespace pgrevise::app {

namespace {

cli::CommandSpec lint_spec() {
  return cli::CommandSpec{
      .usage = "pgrevise lint [PATH|-] [flags]",
      .summary = "Check migrations for statements that lock, rewrite or scan tables, before they run.",
      .flags = {{"output", "FORMAT", "text, json, sarif or github (annotations in a workflow)", false,
                 "text"},
                {"fail-on", "SEVERITY", "exit 1 when a finding is at or above: error, warning, info or none",
                 false, "error"},
                {"server-version", "N", "the PostgreSQL major version the migrations run on", false,
                 "the config's, else the server's with --database-url, else 13"},
                {"config", "FILE", "rule severities and settings (docs/safety.md)"},
                {"lock-timeout", "DURATION",
                 "the lock_timeout pgrevise runs the revisions with (migrate --lock-timeout, the resource's "
                 "spec.safety.lockTimeout): statements then need no SET lock_timeout of their own"},
                {"no-transaction", "",
                 "a plain SQL file runs statement by statement, not in one transaction"},
                {"database-url", "URL",
                 "online: read each affected table's size and the sessions holding locks on it from this "
                 "database; severity then follows the evidence (docs/safety.md)"},
                {"throughput", "MB/S", "online: the rate a rewrite or scan is estimated at, in MB per second",
                 false, "the config's throughput-mb-per-s, else 150"},
                {"list-rules", "", "list the rules, their default severities and versions, and exit"}},
      .max_positional = 1,
      .details =
          "PATH is a migrations folder (default: $PGREVISE_MIGRATIONS_DIR, else ./migrations), one file, "
          "or - for standard input. A file with a `-- +upgrade` marker or a `-- revision:` header is read as "
          "a revision (its "
          "upgrade section, its `transactional` header); any other as plain SQL. Silence one finding "
          "with `-- lint: ignore RULE reason` on the statement. Exit status: 0, 1 when a finding is at "
          "or above --fail-on, 2 for bad input."};
}

std::string read_stream(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + path.string());
  return read_stream(in);
}

// One unit to lint: its text, kept alive for the Source that points into it.
struct Input {
  std::string text;
  std::optional<revision::Script> script;  // when the text is a revision
  std::string name;
};

Input input_of(std::string text, const std::string& name) {
  Input input{std::move(text), std::nullopt, name};
  // A revision: a `-- +upgrade` marker or a `-- revision:` header (a file with only the header is then
  // refused as the loader refuses it, naming what is missing).
  const bool revision = input.text.find("-- +upgrade") != std::string::npos ||
                        input.text.rfind("-- revision:", 0) == 0 ||
                        input.text.find("\n-- revision:") != std::string::npos;
  if (revision) input.script = revision::parse_script(input.text, name);
  return input;
}

std::vector<Input> read_inputs(const std::string& path) {
  std::vector<Input> out;
  if (path == "-") {
    out.push_back(input_of(read_stream(std::cin), "-"));
    return out;
  }
  if (std::filesystem::is_directory(path)) {
    for (auto& script : revision::load_directory(path)) {
      Input input{"", std::move(script), ""};
      input.name = (std::filesystem::path(path) / input.script->file).string();
      input.script->file = input.name;
      out.push_back(std::move(input));
    }
    return out;
  }
  if (!std::filesystem::exists(path)) throw_bad_input("no such file or folder: " + path);
  out.push_back(input_of(read_file(path), path));
  return out;
}

bool configured_version(const cli::ParsedArgs& a) {
  const auto file = a.get("config");
  return file && lint::parse_config(read_file(*file), *file).server_version.has_value();
}

lint::LintOptions options_of(const cli::ParsedArgs& a) {
  lint::Config config;
  if (auto file = a.get("config")) config = lint::parse_config(read_file(*file), *file);
  auto options = lint::options_from(config);
  if (auto version = a.get_int("server-version", 9, lint::kLatestVersion))
    options.server_version = int(*version);
  if (auto rate = a.get("throughput")) {
    char* end = nullptr;
    const double value = std::strtod(rate->c_str(), &end);
    if (end == rate->c_str() || *end != '\0' || !(value > 0))
      throw_bad_input("--throughput: expected MB per second, a positive number, not '" + *rate + "'");
    options.evidence.throughput_mb_per_s = value;
  }
  if (auto timeout = a.get("lock-timeout")) {
    const auto d = parse_duration(*timeout);
    if (!d) throw_bad_input("--lock-timeout: not a duration: '" + *timeout + "' (e.g. 5s, 500ms)");
    options.runner_lock_timeout = d->count() > 0;
  }
  return options;
}

int list_rules() {
  for (const auto& rule : lint::all_rules()) {
    std::string versions =
        rule.min_version == lint::kAnyVersion ? "all" : std::to_string(rule.min_version) + "+";
    std::cout << rule.name << "  " << lint::severity_name(rule.severity) << "  (PostgreSQL " << versions
              << ")  " << rule.what << "\n";
  }
  return kExitOk;
}

std::optional<lint::Severity> fail_on(const cli::ParsedArgs& a) {
  const std::string value = a.get_or("fail-on", "error");
  if (value == "none") return std::nullopt;
  auto severity = lint::parse_severity(value);
  if (!severity || *severity == lint::Severity::kOff)
    throw_bad_input("--fail-on: expected error, warning, info or none, not '" + value + "'");
  return severity;
}

// Online: the connection --database-url names, with the rules chosen for its server's version unless
// --server-version or the config names one.
std::unique_ptr<pqxx::connection> connect_if_asked(const cli::ParsedArgs& a, lint::LintOptions& options) {
  const auto url = a.get("database-url");
  if (!url) return nullptr;
  auto connection = db::connect(db::resolve_connection(*url), std::chrono::seconds(10), "pgrevise-lint");
  if (!a.get("server-version") && !configured_version(a))
    options.server_version = db::server_version_num(*connection) / 10000;
  return connection;
}

int run_lint(const Args& args) {
  const auto spec = lint_spec();
  if (cli::wants_help(args)) {
    std::cout << cli::help_text(spec);
    return kExitOk;
  }
  const auto a = cli::parse(spec, args);
  if (a.has("list-rules")) return list_rules();
  const auto format = lint::parse_format(a.get_or("output", "text"));
  if (!format)
    throw_bad_input("--output: expected text, json, sarif or github, not '" + a.get_or("output", "") + "'");
  const auto threshold = fail_on(a);
  auto options = options_of(a);
  const char* env_dir = std::getenv("PGREVISE_MIGRATIONS_DIR");
  const std::string path = !a.positional().empty() ? a.positional()[0] : env_dir ? env_dir : "migrations";
  auto connection = connect_if_asked(a, options);
  const auto inputs = read_inputs(path);
  std::vector<lint::Source> sources;
  sources.reserve(inputs.size());
  for (const auto& input : inputs)
    sources.push_back(input.script ? lint::source_of(*input.script)
                                   : lint::Source{input.name, "", !a.has("no-transaction"), input.text});
  auto results = lint::lint_sources(sources, options);
  if (connection) {
    std::vector<lint::Finding> all;
    for (const auto& result : results) all.insert(all.end(), result.findings.begin(), result.findings.end());
    const auto facts = lint::read_relation_facts(*connection, lint::relations_of(all));
    for (auto& result : results) lint::apply_evidence(result, facts, options.evidence);
  }
  std::vector<lint::Finding> findings;
  size_t statements = 0;
  for (auto& result : results) {
    statements += result.statements.size();
    std::move(result.findings.begin(), result.findings.end(), std::back_inserter(findings));
  }
  std::cout << lint::render(findings, *format, statements);
  return threshold && lint::any_at_or_above(findings, *threshold) ? kExitFailed : kExitOk;
}

const CommandRegistration lint_command("lint",
                                       "check migrations for statements that lock, rewrite or scan tables",
                                       run_lint, 12);

}  // namespace

}  // namespace pgrevise::app
