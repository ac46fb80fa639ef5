#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "db/activity.h"

namespace pgrevise::runner {

// Pure text for live progress: what the command line prints while a revision runs and what the operator puts
// in status.progress. Statement text is shown only through redact_sql (common/redact.h).

// The statement to show for running SQL: the first statement that is not the runner's own wrapper (BEGIN, the
// session check, SET LOCAL timeouts), on one line, literals masked. When `prefer_index_build`, the first
// CREATE INDEX or REINDEX among them instead. With `count_others`, " (+N more)" says how many other
// statements the SQL holds (a transactional revision runs as one batch, so the server cannot say which of
// them runs).
std::string statement_summary(std::string_view sql, bool count_others, bool prefer_index_build = false);

// "850ms", "4.2s", "1m05s", "2h03m".
std::string format_elapsed(std::chrono::milliseconds elapsed);

// "building index: scanning table 1220/2000 blocks (61%)"; with a bar of `bar_width` cells, the bar goes
// before the numbers: "building index: scanning table [######----] 61% 1220/2000 blocks".
std::string describe_index_build(const db::IndexBuildProgress& build, std::size_t bar_width = 0);

// What is running, as the progress lines show it.
struct RunningStatement {
  std::string step;       // "[2/3] 002 add index"
  std::string statement;  // statement_summary(...)
  std::chrono::milliseconds elapsed{0};
  std::optional<db::IndexBuildProgress> index_build;
};

// The line a terminal keeps up to date, at most `width` characters:
// "[2/3] 002 add index ... 4.2s  CREATE INDEX CONCURRENTLY ...  building index: scanning table [###---] 30%
// ..." The statement is what gets cut when the line is too long.
std::string terminal_line(const RunningStatement& running, std::size_t width);

// The line printed every interval off a terminal:
// "[2/3] 002 add index: still running after 30s: CREATE INDEX ...; building index: scanning table ..."
std::string periodic_line(const RunningStatement& running);

// `text` cut to at most `width` characters (UTF-8 aware), ending in "..." when cut.
std::string cut_to_width(std::string_view text, std::size_t width);

}  // namespace pgrevise::runner
