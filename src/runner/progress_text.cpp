#include "runner/progress_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/redact.h"
#include "revision/sql_splitter.h"

namespace pgrevise::runner {

namespace {

bool starts_with_words(std::string_view sql, std::string_view words) {
  if (sql.size() < words.size()) return false;
  for (size_t i = 0; i < words.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(sql[i])) != words[i]) return false;
  }
  return sql.size() == words.size() || std::isalnum(static_cast<unsigned char>(sql[words.size()])) == 0;
}

// The runner's own statements around a transactional revision's SQL (db::execute_transaction's BEGIN, the
// session check of db::session_lock_check_sql, the SET LOCAL timeouts).
bool runner_wrapper(std::string_view sql) {
  return starts_with_words(sql, "BEGIN") || starts_with_words(sql, "COMMIT") ||
         sql.rfind("DO $pgrevise_lock$", 0) == 0 || starts_with_words(sql, "SET LOCAL LOCK_TIMEOUT") ||
         starts_with_words(sql, "SET LOCAL STATEMENT_TIMEOUT");
}

bool index_build_statement(std::string_view sql) {
  return starts_with_words(sql, "CREATE INDEX") || starts_with_words(sql, "CREATE UNIQUE INDEX") ||
         starts_with_words(sql, "REINDEX");
}

// Literals masked, comments dropped, and every run of whitespace one space.
std::string one_line(std::string_view sql) {
  const std::string masked = redact_sql(sql);
  std::string out;
  bool space = false;
  for (size_t i = 0; i < masked.size(); ++i) {
    if (masked.compare(i, 2, "--") == 0) {  // redact_sql leaves a comment as "--" up to its newline
      ++i;
      space = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(masked[i])) != 0) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += masked[i];
  }
  return out;
}

size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string percent_of(std::int64_t done, std::int64_t total) {
  return std::to_string(std::clamp<std::int64_t>(done * 100 / std::max<std::int64_t>(total, 1), 0, 100)) +
         "%";
}

}  // namespace

std::string statement_summary(std::string_view sql, bool count_others, bool prefer_index_build) {
  std::vector<std::string> statements;
  for (const auto& s : revision::split_sql(sql)) {
    if (!runner_wrapper(s.sql)) statements.push_back(s.sql);
  }
  if (statements.empty()) return "";
  auto shown = statements.begin();
  if (prefer_index_build) {
    auto build = std::find_if(statements.begin(), statements.end(),
                              [](const std::string& s) { return index_build_statement(s); });
    if (build != statements.end()) shown = build;
  }
  std::string out = one_line(*shown);
  if (count_others && statements.size() > 1)
    out += " (+" + std::to_string(statements.size() - 1) + " more in this transaction)";
  return out;
}

std::string format_elapsed(std::chrono::milliseconds elapsed) {
  const long long ms = std::max<long long>(0, elapsed.count());
  char buf[32];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%lld.%llds", ms / 1000, ms % 1000 / 100);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60'000, ms % 60'000 / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", ms / 3'600'000, ms % 3'600'000 / 60'000);
  }
  return buf;
}

std::string describe_index_build(const db::IndexBuildProgress& build, std::size_t bar_width) {
  std::string out = build.phase.empty() ? build.command : build.phase;
  const bool blocks = build.blocks_total > 0;
  const bool tuples = build.tuples_total > 0;
  if (!blocks && !tuples) return out;
  const std::int64_t done = blocks ? build.blocks_done : build.tuples_done;
  const std::int64_t total = blocks ? build.blocks_total : build.tuples_total;
  if (bar_width > 0) {
    const auto filled = static_cast<size_t>(std::clamp<std::int64_t>(
        done * static_cast<std::int64_t>(bar_width) / total, 0, static_cast<std::int64_t>(bar_width)));
    out += " [" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "] " +
           percent_of(done, total);
  }
  if (blocks)
    out += " " + std::to_string(build.blocks_done) + "/" + std::to_string(build.blocks_total) + " blocks";
  if (tuples)
    out += " " + std::to_string(build.tuples_done) + "/" + std::to_string(build.tuples_total) + " tuples";
  if (bar_width == 0) out += " (" + percent_of(done, total) + ")";
  return out;
}

std::string cut_to_width(std::string_view text, std::size_t width) {
  if (utf8_length(text) <= width) return std::string(text);
  if (width <= 3) return std::string(width, '.');
  std::string out;
  size_t chars = 0;
  for (char c : text) {
    const bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char && ++chars > width - 3) break;
    out += c;
  }
  return out + "...";
}

std::string terminal_line(const RunningStatement& running, std::size_t width) {
  const std::string head = running.step + " ... " + format_elapsed(running.elapsed);
  const std::string tail =
      running.index_build ? "  " + describe_index_build(*running.index_build, 20) : std::string();
  const size_t fixed = utf8_length(head) + utf8_length(tail) + 2;
  if (running.statement.empty() || fixed + 8 > width) return cut_to_width(head + tail, width);
  return head + "  " + cut_to_width(running.statement, width - fixed) + tail;
}

std::string periodic_line(const RunningStatement& running) {
  std::string out = running.step + ": still running after " + format_elapsed(running.elapsed);
  if (!running.statement.empty()) out += ": " + cut_to_width(running.statement, 200);
  if (running.index_build) out += "; " + describe_index_build(*running.index_build);
  return out;
}

}  // namespace pgrevise::runner
