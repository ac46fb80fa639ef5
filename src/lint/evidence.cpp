#include "lint/evidence.h"

#include "lint/lint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <unordered_set>

namespace pgrevise::lint {

namespace {

constexpr size_t kQueryWidth = 80;  // characters of a blocking session's query in a message
constexpr size_t kHoldersShown = 3;

std::string one_decimal(double value, const char* unit) {
  char buffer[64];
  if (value >= 100)
    std::snprintf(buffer, sizeof buffer, "%.0f %s", value, unit);
  else
    std::snprintf(buffer, sizeof buffer, "%.1f %s", value, unit);
  return buffer;
}

// What other sessions cannot do while a lock at `level` is held, for the time estimate.
std::string_view blocked_by(LockLevel level) {
  switch (level) {
    case LockLevel::kAccessExclusive:
      return "blocked reads and writes";
    case LockLevel::kExclusive:
    case LockLevel::kShareRowExclusive:
    case LockLevel::kShare:
      return "blocked writes";
    case LockLevel::kShareUpdateExclusive:
      return "blocked schema changes and VACUUM";
    default:
      return "";
  }
}

std::string work_text(const Effect& effect, std::int64_t bytes, const EvidenceOptions& options) {
  if (!effect.rewrites && !effect.scans) return "";
  std::string out = effect.rewrites ? "rewrites the table" : "scans the table";
  const double seconds = double(bytes) / (options.throughput_mb_per_s * 1e6);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", options.throughput_mb_per_s);
  out += "; at ~" + std::string(rate) + " MB/s " + seconds_text(seconds);
  const auto blocked = blocked_by(effect.strongest());
  if (!blocked.empty()) out += " of " + std::string(blocked);
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    const bool blank = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > kQueryWidth) out = out.substr(0, kQueryWidth - 3) + "...";
  return out;
}

std::string holder_text(const LockHolder& h) {
  std::string out = "pid " + std::to_string(h.pid) + " (" + (h.state.empty() ? "session" : h.state) +
                    " for " + std::to_string(std::llround(h.age_seconds)) + " s, " +
                    (h.granted ? "holds " : "waits for ") + h.mode;
  if (!h.query.empty()) out += ": " + one_line(h.query);
  return out + ")";
}

std::vector<const LockHolder*> in_the_way(const RelationFacts& facts, LockLevel wanted) {
  std::vector<const LockHolder*> out;
  for (const auto& h : facts.holders)
    if (conflicts(wanted, level_of_mode(h.mode))) out.push_back(&h);
  return out;
}

std::string holders_text(const std::vector<const LockHolder*>& holders) {
  std::string out = "waits now behind ";
  for (size_t i = 0; i < holders.size() && i < kHoldersShown; ++i)
    out += (i == 0 ? "" : ", ") + holder_text(*holders[i]);
  if (holders.size() > kHoldersShown)
    out += " and " + std::to_string(holders.size() - kHoldersShown) + " more";
  return out;
}

}  // namespace

std::vector<std::string> relations_of(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& f : findings)
    if (!f.relation.empty() && seen.insert(f.relation).second) out.push_back(f.relation);
  return out;
}

bool conflicts(LockLevel wanted, LockLevel held) {
  // Row i: the modes mode i conflicts with, as bits of LockLevel (PostgreSQL's table-level lock table).
  static constexpr unsigned kConflicts[] = {
      0,                                    // none
      1u << 8,                              // ACCESS SHARE
      3u << 7,                              // ROW SHARE: EXCLUSIVE, ACCESS EXCLUSIVE
      0xFu << 5,                            // ROW EXCLUSIVE: SHARE .. ACCESS EXCLUSIVE
      0x1Fu << 4,                           // SHARE UPDATE EXCLUSIVE
      (1u << 3) | (1u << 4) | (0x7u << 6),  // SHARE
      (0x3Fu << 3),                         // SHARE ROW EXCLUSIVE
      (0x7Fu << 2),                         // EXCLUSIVE
      (0xFFu << 1),                         // ACCESS EXCLUSIVE
  };
  return (kConflicts[int(wanted)] >> int(held)) & 1u;
}

std::string rows_text(double rows) {
  const long long whole = std::llround(std::max(rows, 0.0));
  if (rows < 1000) return std::to_string(whole) + (whole == 1 ? " row" : " rows");
  if (rows < 1e6) return one_decimal(rows / 1e3, "k rows");
  if (rows < 1e9) return one_decimal(rows / 1e6, "M rows");
  return one_decimal(rows / 1e9, "G rows");
}

std::string bytes_text(std::int64_t bytes) {
  const double b = double(bytes);
  if (b < 1e3) return std::to_string(bytes) + " bytes";
  if (b < 1e6) return one_decimal(b / 1e3, "kB");
  if (b < 1e9) return one_decimal(b / 1e6, "MB");
  if (b < 1e12) return one_decimal(b / 1e9, "GB");
  return one_decimal(b / 1e12, "TB");
}

std::string seconds_text(double seconds) {
  if (seconds < 1) return "under 1 s";
  if (seconds < 120) return "about " + std::to_string(std::llround(seconds)) + " s";
  if (seconds < 7200) return "about " + std::to_string(std::llround(seconds / 60)) + " min";
  return "about " + one_decimal(seconds / 3600, "h");
}

void apply_evidence(Finding& finding, const StatementFacts& statement, const RelationFacts& facts,
                    const EvidenceOptions& options) {
  if (finding.lock.empty() || finding.relation.empty()) return;
  const LockLevel wanted = statement.effect.strongest();
  const std::string on = finding.lock + " on " + (facts.exists ? facts.name : finding.relation);
  if (statement.new_table || !facts.exists) {
    finding.severity = Severity::kInfo;
    finding.message += ". " + on + ": " +
                       (statement.new_table ? "created earlier in this revision"
                                            : "does not exist yet (an earlier revision creates it)") +
                       ", so nothing waits for it";
    return;
  }
  std::string evidence = on + " (" + rows_text(facts.rows) + ", " + bytes_text(facts.bytes) + ")";
  const auto blockers = in_the_way(facts, wanted);
  const bool empty = facts.rows < 1 && facts.heap_bytes == 0;
  const std::string work = work_text(statement.effect, facts.bytes, options);
  if (!work.empty()) evidence += ": " + work;
  if (!blockers.empty()) evidence += std::string(work.empty() ? ": " : "; ") + holders_text(blockers);
  if (empty && blockers.empty()) {
    finding.severity = Severity::kInfo;
    evidence += work.empty() ? ": the table is empty" : "; the table is empty";
  } else if (facts.rows >= options.large_rows || facts.bytes >= options.large_bytes) {
    finding.severity = Severity::kError;
  } else if (!blockers.empty() && finding.severity < Severity::kWarning) {
    finding.severity = Severity::kWarning;
  }
  finding.message += ". " + evidence;
}

void apply_evidence(SourceResult& result, const RelationFactsMap& facts, const EvidenceOptions& options) {
  for (auto& finding : result.findings) {
    const auto it = facts.find(finding.relation);
    if (it == facts.end()) continue;
    for (const auto& statement : result.statements) {
      if (statement.position.line != finding.line || statement.position.column != finding.column) continue;
      apply_evidence(finding, {statement.effect, statement.new_table}, it->second, options);
      break;
    }
  }
}

}  // namespace pgrevise::lint
