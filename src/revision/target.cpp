#include "revision/target.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"

namespace pgrevise::revision {

namespace {

[[noreturn]] void fail(const std::string& message, std::vector<std::string> details = {}) {
  throw RevisionError(RevisionErrorCode::kResolutionError, message, std::move(details));
}

// Python's \w in Alembic's relative-target pattern: ASCII letters, digits and '_', and (near enough) any
// character beyond ASCII, so REV+N works on ids such as 'größe_2'.
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// A relative target: [LABEL@][SYMBOL](+|-)DIGITS, the whole string.
struct Relative {
  std::optional<std::string> label;
  std::optional<std::string> symbol;
  int steps = 0;
  std::string steps_text;
};

std::optional<Relative> parse_relative(std::string_view t) {
  Relative r;
  size_t at = t.find('@');
  if (at != std::string_view::npos) {
    if (at == 0) return std::nullopt;
    r.label = std::string(t.substr(0, at));
    t.remove_prefix(at + 1);
  }
  size_t i = 0;
  while (i < t.size() && is_word(t[i])) ++i;
  if (i > 0) r.symbol = std::string(t.substr(0, i));
  if (i >= t.size() || (t[i] != '+' && t[i] != '-')) return std::nullopt;
  std::string_view digits = t.substr(i + 1);
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  std::from_chars(digits.data(), digits.data() + digits.size(), r.steps);
  if (t[i] == '-') r.steps = -r.steps;
  r.steps_text = std::string(t.substr(i));
  return r;
}

std::string quoted_list(const RevisionGraph& g, const std::vector<RevIndex>& v) {
  std::string out;
  for (RevIndex i : v) out += (out.empty() ? "'" : ", '") + g.at(i).id() + "'";
  return out;
}

}  // namespace

RevIndex resolve_branch(const RevisionGraph& g, std::string_view label) {
  if (auto owner = g.label_owner(label)) return *owner;
  if (auto exact = g.find(label)) return *exact;
  auto matches = g.prefix_matches(label);
  if (matches.size() == 1) return matches.front();
  fail("No such branch: '" + std::string(label) + "'");
}

std::vector<RevIndex> filter_for_lineage(const RevisionGraph& g, const std::vector<RevIndex>& revs,
                                         std::string_view label, bool include_dependencies) {
  RevIndex branch = resolve_branch(g, label);
  std::vector<RevIndex> out;
  for (RevIndex r : revs)
    if (g.shares_lineage(r, branch, include_dependencies)) out.push_back(r);
  return out;
}

namespace {

// Alembic's _revision_for_ident: an exact id or label, else a unique prefix (of ids longer than 3
// characters).
RevIndex revision_for_ident(const RevisionGraph& g, std::string_view id,
                            const std::optional<std::string>& branch) {
  std::optional<RevIndex> found = g.find(id);
  if (!found) found = g.label_owner(id);
  if (!found) {
    std::vector<RevIndex> matches;
    for (RevIndex m : g.prefix_matches(id))
      if (g.at(m).id().size() > 3) matches.push_back(m);
    if (branch) matches = filter_for_lineage(g, matches, *branch);
    if (matches.empty()) {
      fail("Can't locate revision identified by '" + std::string(id) + "'" +
           (id.size() < 4 ? " (at least four characters are needed for a partial revision identifier)" : ""));
    }
    if (matches.size() > 1)
      fail("Multiple revisions start with '" + std::string(id) + "': " + quoted_list(g, matches),
           g.ids(matches));
    found = matches.front();
  }
  if (branch && !g.shares_lineage(*found, resolve_branch(g, *branch)))
    fail("Revision " + g.at(*found).id() + " is not a member of branch '" + *branch + "'");
  return *found;
}

std::vector<RevIndex> branch_heads(const RevisionGraph& g, const std::optional<std::string>& label) {
  if (!label) return g.heads();
  return filter_for_lineage(g, g.heads(), *label);
}

// One step of Alembic's _walk. nullopt = base.
enum class WalkEnd { kOk, kOverwalk };
struct Position {
  std::optional<RevIndex> rev;  // nullopt: below the bases
  bool base = false;            // walked down past a base
};

std::optional<Position> walk(const RevisionGraph& g, Position from, int steps,
                             const std::optional<std::string>& label) {
  for (int k = 0; k < std::abs(steps); ++k) {
    std::vector<RevIndex> next;
    if (steps > 0) {
      next = from.rev ? g.at(*from.rev).children : g.bases();
      if (label) next = filter_for_lineage(g, next, *label);
    } else {
      if (from.base || !from.rev) return std::nullopt;
      next = g.at(*from.rev).parents;
      if (next.empty()) {
        from = Position{std::nullopt, true};
        continue;
      }
    }
    if (next.empty()) return std::nullopt;
    if (next.size() > 1) fail("Ambiguous walk: " + quoted_list(g, next), g.ids(next));
    from = Position{next.front(), false};
  }
  return from;
}

std::string multiple_heads_for(std::string_view argument) {
  return multiple_heads_message(argument);
}

bool trim_empty(std::string_view s) {
  return trim(s).empty();
}

}  // namespace

std::string multiple_heads_message(std::string_view argument) {
  return "Multiple head revisions are present for given argument '" + std::string(argument) +
         "'; please specify a specific target revision, '<branchname>@" + std::string(argument) +
         "' to narrow to a specific head, or 'heads' for all heads";
}

std::vector<RevIndex> resolve_revisions(const RevisionGraph& g, std::string_view target) {
  if (trim_empty(target)) fail("empty target revision");
  std::optional<std::string> label;
  std::string_view id = target;
  if (size_t at = target.find('@'); at != std::string_view::npos) {
    label = std::string(target.substr(0, at));
    id = target.substr(at + 1);
    if (label->empty()) fail("empty branch label in target '" + std::string(target) + "'");
  }
  if (id == "heads") return label ? filter_for_lineage(g, g.heads(), *label) : g.real_heads();
  if (id == "head") {
    auto heads = branch_heads(g, label);
    if (heads.size() > 1)
      throw RevisionError(
          RevisionErrorCode::kMultipleHeads,
          multiple_heads_for(label ? *label + "@head" : "head") + " (heads: " + quoted_list(g, heads) + ")",
          g.ids(heads));
    return heads;
  }
  if (id == "base" || id.empty()) {
    if (label) resolve_branch(g, *label);
    return {};
  }
  if (auto rel = parse_relative(id); rel && !rel->symbol && rel->steps < 0) {
    std::vector<RevIndex> out;
    for (RevIndex h : g.heads()) {
      if (label && !g.at(h).has_label(*label)) continue;
      auto end = walk(g, Position{h, false}, rel->steps, std::nullopt);
      if (end && end->rev) out.push_back(*end->rev);
    }
    return out;
  }
  return {revision_for_ident(g, id, label)};
}

std::optional<RevIndex> resolve_revision(const RevisionGraph& g, std::string_view target) {
  auto revs = resolve_revisions(g, target);
  if (revs.size() > 1)
    throw RevisionError(RevisionErrorCode::kMultipleHeads,
                        multiple_heads_for(target) + " (heads: " + quoted_list(g, revs) + ")", g.ids(revs));
  if (revs.empty()) return std::nullopt;
  return revs.front();
}

namespace {

[[noreturn]] void did_not_produce(const Relative& rel) {
  fail("Relative revision " + rel.steps_text + " didn't produce " + std::to_string(std::abs(rel.steps)) +
       " migrations");
}

// The revisions on `label`'s branch that are applied and have no applied child on it (Alembic backtracks to
// these when the branch has no current head of its own).
std::vector<RevIndex> applied_tips_on_branch(const RevisionGraph& g, const std::vector<RevIndex>& current,
                                             const std::string& label) {
  auto active = filter_for_lineage(g, g.collect(current, Edges::kDown), label);
  std::vector<bool> below(g.size(), false);
  for (RevIndex r : active)
    for (RevIndex d : g.at(r).down) below[d] = true;
  std::vector<RevIndex> tips;
  for (RevIndex r : active)
    if (!below[r]) tips.push_back(r);
  return tips;
}

std::vector<RevIndex> upgrade_from_current(const RevisionGraph& g, const Relative& rel,
                                           const std::vector<RevIndex>& current) {
  std::vector<std::optional<RevIndex>> start;
  for (RevIndex c : current) start.emplace_back(c);
  if (rel.label) {
    start.clear();
    for (RevIndex c : filter_for_lineage(g, current, *rel.label)) start.emplace_back(c);
    if (start.empty())
      for (RevIndex c : applied_tips_on_branch(g, current, *rel.label)) start.emplace_back(c);
  }
  if (start.empty()) start.emplace_back(std::nullopt);
  if (start.size() > 1) fail("Ambiguous upgrade from multiple current revisions");
  auto end = walk(g, Position{start.front(), false}, rel.steps, rel.label);
  if (!end || !end->rev) did_not_produce(rel);
  return {*end->rev};
}

}  // namespace

std::vector<RevIndex> resolve_upgrade_target(const RevisionGraph& g, std::string_view target,
                                             const std::vector<RevIndex>& current) {
  auto rel = parse_relative(target);
  if (!rel) return resolve_revisions(g, target);
  if (rel->steps > 0) {
    if (!rel->symbol) return upgrade_from_current(g, *rel, current);
    auto end =
        walk(g, Position{revision_for_ident(g, *rel->symbol, std::nullopt), false}, rel->steps, rel->label);
    if (!end || !end->rev) fail("Walked too far: " + std::string(target) + " goes past the heads");
    return {*end->rev};
  }
  if (!rel->symbol) did_not_produce(*rel);
  auto end =
      walk(g, Position{revision_for_ident(g, *rel->symbol, rel->label), false}, rel->steps, std::nullopt);
  if (!end || !end->rev) fail("Walked too far: " + std::string(target) + " goes below base");
  return {*end->rev};
}

namespace {

// The current head a bare or label-qualified -N walks down from.
RevIndex downgrade_start(const RevisionGraph& g, const Relative& rel, const std::vector<RevIndex>& current) {
  if (!rel.label) {
    if (current.empty()) did_not_produce(rel);
    // Alembic warns that this is ambiguous and walks from whichever row the table returns first; refusing
    // keeps the result independent of row order.
    if (current.size() > 1)
      fail("downgrade " + rel.steps_text + " from several heads (" + quoted_list(g, current) +
               ") is ambiguous; name the branch, e.g. " + g.at(current.front()).id() + "@" + rel.steps_text +
               " or LABEL@" + rel.steps_text,
           g.ids(current));
    return current.front();
  }
  auto on_branch = filter_for_lineage(g, current, *rel.label);
  if (on_branch.empty()) {
    // Every applied revision that is the top of its own branch, then those on the label's branch.
    auto all = g.collect(current, Edges::kDown);
    std::vector<bool> in_set(g.size(), false);
    for (RevIndex r : all) in_set[r] = true;
    std::vector<RevIndex> tops;
    for (RevIndex r : all) {
      bool has_child = false;
      for (RevIndex c : g.at(r).children) has_child = has_child || in_set[c];
      if (!has_child) tops.push_back(r);
    }
    on_branch = filter_for_lineage(g, tops, *rel.label);
  }
  if (on_branch.size() != 1)
    fail("Relative revision " + std::string(*rel.label) + "@" + rel.steps_text +
         " is ambiguous or names no applied revision on the branch");
  return on_branch.front();
}

// A relative downgrade that walks down through a mergepoint has no single answer (which parent?): refused
// as the several-heads case is, naming the mergepoint and the targets that say what is meant.
void refuse_walk_through_merge(const RevisionGraph& g, RevIndex start, const Relative& rel,
                               std::string_view target) {
  std::optional<RevIndex> at = start;
  for (int k = 0; k < -rel.steps && at; ++k) {
    const auto& parents = g.at(*at).parents;
    if (parents.size() > 1) {
      const std::string merge = g.at(*at).id();
      const std::string first = g.at(parents.front()).id();
      fail("Ambiguous walk: downgrade " + std::string(target) + " walks down through the mergepoint '" +
               merge + "', which has several parents (" + quoted_list(g, parents) +
               "); name the revision to go down to, e.g. `downgrade " + first +
               "` (reverts what lies above '" + first + "' and keeps the other branches), or `downgrade " +
               merge + "` to stop at the merge",
           g.ids(parents));
    }
    at = parents.empty() ? std::nullopt : std::optional<RevIndex>(parents.front());
  }
}

}  // namespace

DowngradeTarget resolve_downgrade_target(const RevisionGraph& g, std::string_view target,
                                         const std::vector<RevIndex>& current) {
  if (trim_empty(target)) fail("empty target revision");
  if (auto rel = parse_relative(target)) {
    if (rel->steps >= 0) {
      if (!rel->symbol) did_not_produce(*rel);
      auto end =
          walk(g, Position{revision_for_ident(g, *rel->symbol, std::nullopt), false}, rel->steps, rel->label);
      if (!end || !end->rev) fail("Walked too far: " + std::string(target) + " goes past the heads");
      return {end->rev, rel->label};
    }
    std::optional<std::string> branch = rel->label;
    RevIndex start;
    if (rel->symbol) {
      start = revision_for_ident(g, *rel->symbol, rel->label);
    } else {
      start = downgrade_start(g, *rel, current);
      if (!branch) branch = g.at(start).id();
    }
    refuse_walk_through_merge(g, start, *rel, target);
    auto end = walk(g, Position{start, false}, rel->steps, std::nullopt);
    if (!end) {
      if (!rel->symbol) did_not_produce(*rel);
      fail("Walked too far: " + std::string(target) + " goes below base");
    }
    return {end->rev, branch};
  }
  std::optional<std::string> branch;
  if (size_t at = target.rfind('@'); at != std::string_view::npos) branch = std::string(target.substr(0, at));
  return {resolve_revision(g, target), branch};
}

}  // namespace pgrevise::revision
