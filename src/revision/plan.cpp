#include "revision/plan.h"

#include <algorithm>

#include "revision/target.h"

namespace pgrevise::revision {

namespace {

bool contains(const std::vector<RevIndex>& v, RevIndex i) {
  return std::find(v.begin(), v.end(), i) != v.end();
}

std::string join_ids(const RevisionGraph& g, const std::vector<RevIndex>& v) {
  std::string out;
  for (RevIndex i : v) out += (out.empty() ? "" : ", ") + g.at(i).id();
  return out;
}

std::vector<std::string> sorted_ids(const RevisionGraph& g, const std::vector<RevIndex>& v) {
  auto ids = g.ids(v);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The version table's rows as Alembic's HeadMaintainer moves them, one step at a time.
class HeadSimulator {
 public:
  HeadSimulator(const RevisionGraph& g, std::vector<RevIndex> heads)
      : g_(g), heads_(std::move(heads)), applied_(g.reach(heads_, Edges::kDown)), mark_(g.size(), 0) {}

  const std::vector<RevIndex>& heads() const { return heads_; }

  std::vector<VersionChange> upgrade(RevIndex r) {
    const auto& down = g_.at(r).down;
    std::vector<RevIndex> present;
    for (RevIndex d : down)
      if (contains(heads_, d)) present.push_back(d);
    changes_.clear();
    if (present.empty()) {
      insert(r);  // a base, or a new branch off a revision that is no longer a head
    } else if (present.size() == 1) {
      update(present.front(), r);
    } else {
      merge(present, r);
    }
    applied_[r] = true;
    return changes_;
  }

  std::vector<VersionChange> downgrade(RevIndex r) {
    changes_.clear();
    // Down revisions that another head still implies need no row of their own.
    std::vector<RevIndex> to;
    for (RevIndex d : g_.at(r).down)
      if (!implied_by_other_heads(d, {r})) to.push_back(d);
    if (to.empty()) {
      remove(r);
    } else {
      update(r, to.front());
      for (size_t k = 1; k < to.size(); ++k) insert(to[k]);
    }
    applied_[r] = false;
    return changes_;
  }

 private:
  // Several down revisions are heads: the one listed first moves to r, the others are deleted. (Alembic picks
  // the survivor in set order; the resulting rows are the same.) Down revisions implied by other heads stay.
  void merge(const std::vector<RevIndex>& present, RevIndex r) {
    std::vector<RevIndex> from;
    for (RevIndex d : present)
      if (!implied_by_other_heads(d, present)) from.push_back(d);
    if (from.empty()) return insert(r);
    for (size_t k = 1; k < from.size(); ++k) remove(from[k]);
    update(from.front(), r);
  }

  // Whether d is an ancestor-or-self (down_revision and depends_on) of a head outside `excluded`. Searches
  // upwards through applied revisions only, so the cost is the applied part above d, not the whole graph.
  bool implied_by_other_heads(RevIndex d, const std::vector<RevIndex>& excluded) {
    ++epoch_;
    std::vector<RevIndex> stack = {d};
    mark_[d] = epoch_;
    while (!stack.empty()) {
      RevIndex x = stack.back();
      stack.pop_back();
      if (contains(heads_, x) && !contains(excluded, x)) return true;
      for (const auto* up : {&g_.at(x).children, &g_.at(x).dependents})
        for (RevIndex y : *up)
          if (applied_[y] && mark_[y] != epoch_ && !contains(excluded, y)) {
            mark_[y] = epoch_;
            stack.push_back(y);
          }
    }
    return false;
  }

  void insert(RevIndex r) {
    heads_.push_back(r);
    changes_.push_back(VersionChange::insert(g_.at(r).id()));
  }
  void remove(RevIndex r) {
    heads_.erase(std::find(heads_.begin(), heads_.end(), r));
    changes_.push_back(VersionChange::remove(g_.at(r).id()));
  }
  void update(RevIndex from, RevIndex to) {
    *std::find(heads_.begin(), heads_.end(), from) = to;
    changes_.push_back(VersionChange::update(g_.at(from).id(), g_.at(to).id()));
  }

  const RevisionGraph& g_;
  std::vector<RevIndex> heads_;
  std::vector<bool> applied_;
  std::vector<uint32_t> mark_;
  uint32_t epoch_ = 0;
  std::vector<VersionChange> changes_;
};

// Post-order depth-first walk over `down` edges from `start`, restricted to `wanted`: every revision after
// its down revisions, each branch contiguous. Iterative.
std::vector<RevIndex> parents_first(const RevisionGraph& g, const std::vector<RevIndex>& start,
                                    const std::vector<bool>& wanted) {
  std::vector<RevIndex> out;
  std::vector<uint8_t> state(g.size(), 0);  // 0 new, 1 open, 2 done
  std::vector<std::pair<RevIndex, size_t>> stack;
  for (RevIndex s : start) {
    if (!wanted[s] || state[s]) continue;
    stack.push_back({s, 0});
    state[s] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& down = g.at(node).down;
      if (next < down.size()) {
        RevIndex d = down[next++];
        if (wanted[d] && state[d] == 0) {
          state[d] = 1;
          stack.push_back({d, 0});
        }
        continue;
      }
      state[node] = 2;
      out.push_back(node);
      stack.pop_back();
    }
  }
  return out;
}

Plan run_steps(const RevisionGraph& g, const std::vector<RevIndex>& current,
               const std::vector<RevIndex>& order, Direction direction) {
  Plan plan;
  plan.heads_before = sorted_ids(g, current);
  HeadSimulator sim(g, current);
  for (RevIndex r : order) {
    PlanStep step{r, g.at(r).id(), direction, {}, {}};
    step.version_changes = direction == Direction::kUpgrade ? sim.upgrade(r) : sim.downgrade(r);
    step.heads_after = sorted_ids(g, sim.heads());
    plan.steps.push_back(std::move(step));
  }
  plan.heads_after = sorted_ids(g, sim.heads());
  return plan;
}

Plan upgrade_plan(const RevisionGraph& g, const std::vector<RevIndex>& targets,
                  const std::vector<RevIndex>& current) {
  std::vector<bool> needed = g.reach(targets, Edges::kDown);
  std::vector<bool> applied = g.reach(current, Edges::kDown);
  for (size_t i = 0; i < needed.size(); ++i) needed[i] = needed[i] && !applied[i];
  return run_steps(g, current, parents_first(g, targets, needed), Direction::kUpgrade);
}

}  // namespace

Plan plan_upgrade_to(const RevisionGraph& g, const std::vector<RevIndex>& targets,
                     const std::vector<std::string>& version_rows) {
  return upgrade_plan(g, targets, current_heads(g, version_rows));
}

Plan plan_upgrade(const RevisionGraph& g, std::string_view target,
                  const std::vector<std::string>& version_rows) {
  auto current = current_heads(g, version_rows);
  return upgrade_plan(g, resolve_upgrade_target(g, target, current), current);
}

namespace {

// What Alembic drops to reach a downgrade target: the applied descendants (down_revision and depends_on) of
// the target's children — or, for base, of the bases — narrowed to the branch when one was named.
std::vector<bool> to_remove(const RevisionGraph& g, const DowngradeTarget& t,
                            const std::vector<RevIndex>& current, std::string_view target_text) {
  std::vector<RevIndex> roots;
  if (t.revision) {
    roots = g.at(*t.revision).children;
  } else {
    for (RevIndex i = 0; i < g.size(); ++i)
      if (g.at(i).parents.empty()) roots.push_back(i);
  }
  if (t.branch && roots.size() > 1) {
    std::vector<bool> on_branch = g.reach({resolve_branch(g, *t.branch)}, Edges::kParents);
    std::erase_if(roots, [&](RevIndex r) { return !on_branch[r]; });
    if (roots.empty())
      throw RevisionError(
          RevisionErrorCode::kRangeNotAncestor,
          "Not a valid downgrade target from current heads: '" + std::string(target_text) + "'");
  }
  std::vector<bool> remove = g.reach(roots, Edges::kChildrenAndDependents);
  std::vector<bool> applied = g.reach(current, Edges::kDown);
  bool any = false;
  for (size_t i = 0; i < remove.size(); ++i) {
    remove[i] = remove[i] && applied[i];
    any = any || remove[i];
  }
  if (t.revision && !any && !contains(current, *t.revision))
    throw RevisionError(
        RevisionErrorCode::kRangeNotAncestor,
        "Destination " + std::string(target_text) +
            (target_text == g.at(*t.revision).id() ? "" : " (revision " + g.at(*t.revision).id() + ")") +
            " is not a valid downgrade target from current head(s) " +
            (current.empty() ? std::string("(none)") : join_ids(g, current)),
        {g.at(*t.revision).id()});
  return remove;
}

}  // namespace

Plan plan_downgrade(const RevisionGraph& g, std::string_view target,
                    const std::vector<std::string>& version_rows) {
  auto current = current_heads(g, version_rows);
  DowngradeTarget t = resolve_downgrade_target(g, target, current);
  std::vector<bool> remove = to_remove(g, t, current, target);
  std::vector<RevIndex> order = parents_first(g, current, remove);
  std::reverse(order.begin(), order.end());
  return run_steps(g, current, order, Direction::kDowngrade);
}

Plan plan_to_target(const RevisionGraph& g, std::string_view target,
                    const std::vector<std::string>& version_rows) {
  auto current = current_heads(g, version_rows);
  auto targets = resolve_upgrade_target(g, target, current);
  std::vector<bool> keep = g.reach(targets, Edges::kDown);
  std::vector<bool> remove = g.reach(current, Edges::kDown);
  for (size_t i = 0; i < remove.size(); ++i) remove[i] = remove[i] && !keep[i];
  std::vector<RevIndex> down_order = parents_first(g, current, remove);
  std::reverse(down_order.begin(), down_order.end());
  Plan down = run_steps(g, current, down_order, Direction::kDowngrade);
  Plan up = upgrade_plan(g, targets, current_heads(g, down.heads_after));
  down.steps.insert(down.steps.end(), std::make_move_iterator(up.steps.begin()),
                    std::make_move_iterator(up.steps.end()));
  down.heads_after = up.heads_after;
  return down;
}

size_t downgrade_step_count(const Plan& plan) {
  return static_cast<size_t>(std::count_if(plan.steps.begin(), plan.steps.end(), [](const PlanStep& s) {
    return s.direction == Direction::kDowngrade;
  }));
}

StampPlan plan_stamp(const RevisionGraph& g, std::string_view target,
                     const std::vector<std::string>& version_rows, bool purge) {
  StampPlan plan;
  plan.heads_before = version_rows;
  std::sort(plan.heads_before.begin(), plan.heads_before.end());
  std::vector<RevIndex> heads = purge ? std::vector<RevIndex>{} : current_heads(g, version_rows);
  std::vector<RevIndex> dests = resolve_revisions(g, target);
  std::vector<RevIndex> keep;
  for (RevIndex h : heads) {
    bool related = false;
    if (dests.empty()) {
      size_t at = target.find('@');
      related =
          at == std::string_view::npos || g.shares_lineage(h, resolve_branch(g, target.substr(0, at)), true);
    }
    for (RevIndex d : dests) related = related || g.shares_lineage(h, d, true);
    if (!related) keep.push_back(h);
  }
  for (RevIndex d : dests)
    if (!contains(keep, d)) keep.push_back(d);
  plan.heads_after = sorted_ids(g, keep);
  std::vector<std::string> before = purge ? std::vector<std::string>{} : plan.heads_before;
  if (purge)
    for (const auto& row : plan.heads_before) plan.version_changes.push_back(VersionChange::remove(row));
  for (const auto& row : before)
    if (!std::binary_search(plan.heads_after.begin(), plan.heads_after.end(), row))
      plan.version_changes.push_back(VersionChange::remove(row));
  for (const auto& row : plan.heads_after)
    if (!std::binary_search(before.begin(), before.end(), row))
      plan.version_changes.push_back(VersionChange::insert(row));
  return plan;
}

}  // namespace pgrevise::revision
