#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lint/finding.h"

namespace pgrevise::lint {

enum class Format { kText, kJson, kSarif, kGithub };

// "text", "json", "sarif", "github"; nullopt for another word.
std::optional<Format> parse_format(std::string_view name);

// The findings in a format:
//   text    compiler style, `file:line:col: severity[rule]: message`, then the statement and a help line, and
//           a closing count;
//   json    {"findings": [...], "summary": {...}}, each finding with every field of Finding;
//   sarif   SARIF 2.1.0, one run, the rules that fired in its driver;
//   github  workflow commands (`::error file=...,line=...,col=...,title=...::message`) that annotate a pull
//           request.
// `statements` is how many statements were linted, for the summary.
std::string render(const std::vector<Finding>& findings, Format format, size_t statements);

// Whether any finding is at `threshold` or above.
bool any_at_or_above(const std::vector<Finding>& findings, Severity threshold);

}  // namespace pgrevise::lint
