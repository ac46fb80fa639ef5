#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lint/config.h"
#include "lint/evidence.h"
#include "lint/finding.h"
#include "lint/locks.h"
#include "lint/rules.h"
#include "revision/script.h"
#include "sql/parse.h"

// The offline analysis: each statement of a revision (or a plain SQL file) parsed, its locks worked out and
// the rules run on it, with the `-- lint: ignore RULE reason` comments and the config's severities applied.
// Pure: the caller reads the files.
namespace pgrevise::lint {

struct LintOptions : RuleOptions {
  std::map<std::string, Severity, std::less<>> severities;  // overrides of the rules' own
  EvidenceOptions evidence;                                 // online: thresholds and throughput
};

// LintOptions from a config, with `server_version` / `runner_lock_timeout` given on the command line (when
// set) taking precedence.
LintOptions options_from(const Config& config);

// One script's SQL and where it sits.
struct Source {
  std::string file;      // as named in findings
  std::string revision;  // empty for a plain SQL file
  bool transactional = true;
  std::string_view sql;
  sql::Origin origin;  // where `sql` starts in the file
};

// One statement as the analysis saw it.
struct StatementAnalysis {
  std::string text;
  sql::Position position;
  Effect effect;
  bool parsed = true;      // false: the grammar refused it (no tree, no effect)
  std::string refusal;     // when not parsed: the grammar's message
  bool new_table = false;  // its target is a table created earlier in the same script
};

struct SourceResult {
  std::vector<StatementAnalysis> statements;
  std::vector<Finding> findings;  // in statement order
};

SourceResult lint_source(const Source& source, const LintOptions& options);

// lint_source on each of `sources`, on up to `threads` threads at once (0: one per core the machine has), the
// results in the order of `sources`: the same as one after the other, sooner. An exception thrown by one
// source's analysis is thrown here, after every thread has stopped.
std::vector<SourceResult> lint_sources(const std::vector<Source>& sources, const LintOptions& options,
                                       unsigned threads = 0);

// The online evidence (lint/evidence.h) applied to each finding on a relation `facts` holds, matched to its
// statement by position.
void apply_evidence(SourceResult& result, const RelationFactsMap& facts, const EvidenceOptions& options);

// A revision's upgrade section.
Source source_of(const revision::Script& script);

// The severity `rule` has under `options` (its own unless overridden).
Severity severity_of(const Rule& rule, const LintOptions& options);

}  // namespace pgrevise::lint
