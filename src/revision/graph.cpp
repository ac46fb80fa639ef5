#include "revision/graph.h"

#include <algorithm>
#include <queue>

#include "revision/loader.h"

namespace pgrevise::revision {

bool Revision::has_label(std::string_view label) const {
  return std::find(branch_labels.begin(), branch_labels.end(), label) != branch_labels.end();
}

class GraphBuilder {
 public:
  explicit GraphBuilder(std::vector<Script> scripts) {
    g_.revisions_.reserve(scripts.size());
    for (auto& s : scripts) {
      Revision r;
      r.script = std::move(s);
      g_.revisions_.push_back(std::move(r));
    }
  }

  RevisionGraph build() {
    index_ids();
    index_labels();
    link_parents();
    link_dependencies();
    order_and_detect_cycles();
    if (!problems_.empty()) report_unreachable();
    if (!problems_.empty()) throw RevisionError(std::move(problems_), std::move(cycle_path_));
    normalize_dependencies();
    classify();
    propagate_labels();
    return std::move(g_);
  }

 private:
  void problem(const Revision& r, RevisionErrorCode code, std::string message) {
    problems_.push_back(Problem{r.script.file, 0, code, std::move(message)});
  }

  void index_ids() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      const Revision& r = g_.revisions_[i];
      auto [it, inserted] = g_.by_id_.emplace(r.id(), i);
      if (!inserted)
        problem(r, RevisionErrorCode::kDuplicateRevision,
                "duplicate revision id '" + r.id() + "' (also declared by " +
                    g_.revisions_[it->second].script.file + ")");
    }
  }

  void index_labels() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      const Revision& r = g_.revisions_[i];
      for (const auto& label : r.script.branch_labels) {
        if (g_.by_id_.count(label)) {
          problem(r, RevisionErrorCode::kDuplicateLabel,
                  "branch label '" + label + "' of revision " + r.id() + " is also a revision id");
          continue;
        }
        auto [it, inserted] = g_.by_label_.emplace(label, i);
        if (!inserted)
          problem(r, RevisionErrorCode::kDuplicateLabel,
                  "branch label '" + label + "' of revision " + r.id() + " is already used by revision " +
                      g_.revisions_[it->second].id());
      }
    }
  }

  void link_parents() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      Revision& r = g_.revisions_[i];
      for (const auto& parent : r.script.down_revisions) {
        auto p = g_.find(parent);
        if (!p) {
          problems_.push_back(Problem{r.script.file, 0, RevisionErrorCode::kMissingParent,
                                      "revision " + r.id() + " names down_revision '" + parent +
                                          "', which no migration file declares"});
          continue;
        }
        r.parents.push_back(*p);
        g_.revisions_[*p].children.push_back(i);
      }
    }
  }

  // depends_on entries: exact revision id, else branch label, else unique id prefix.
  void link_dependencies() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      Revision& r = g_.revisions_[i];
      for (const auto& dep : r.script.depends_on) {
        std::optional<RevIndex> target = g_.find(dep);
        if (!target) target = g_.label_owner(dep);
        if (!target) {
          auto matches = g_.prefix_matches(dep);
          if (matches.size() == 1) {
            target = matches.front();
          } else {
            std::string why = matches.empty() ? "no revision or branch label"
                                              : "an ambiguous prefix (" + join_ids(matches) + ")";
            problems_.push_back(Problem{r.script.file, 0, RevisionErrorCode::kUnknownDependency,
                                        "revision " + r.id() + " depends_on '" + dep + "', which is " + why});
            continue;
          }
        }
        if (std::find(r.dependencies.begin(), r.dependencies.end(), *target) != r.dependencies.end())
          continue;
        r.dependencies.push_back(*target);
        g_.revisions_[*target].dependents.push_back(i);
      }
    }
  }

  std::string join_ids(const std::vector<RevIndex>& v) const {
    std::string out;
    for (auto i : v) out += (out.empty() ? "" : ", ") + g_.revisions_[i].id();
    return out;
  }

  // Kahn's algorithm over parent and dependency edges, smallest file index first; whatever is left over lies
  // on or behind a cycle, and one cycle is reported with its path.
  void order_and_detect_cycles() {
    size_t n = g_.revisions_.size();
    std::vector<uint32_t> pending(n);
    std::priority_queue<RevIndex, std::vector<RevIndex>, std::greater<>> ready;
    for (RevIndex i = 0; i < n; ++i) {
      const Revision& r = g_.revisions_[i];
      pending[i] = static_cast<uint32_t>(r.parents.size() + r.dependencies.size());
      if (pending[i] == 0) ready.push(i);
    }
    while (!ready.empty()) {
      RevIndex i = ready.top();
      ready.pop();
      g_.topo_.push_back(i);
      for (Edges e : {Edges::kChildren, Edges::kChildrenAndDependents}) {
        const auto& next = e == Edges::kChildren ? g_.revisions_[i].children : g_.revisions_[i].dependents;
        for (RevIndex c : next)
          if (--pending[c] == 0) ready.push(c);
      }
    }
    if (g_.topo_.size() == n) return;
    report_cycle(pending);
  }

  void report_cycle(const std::vector<uint32_t>& pending) {
    // Walk backwards along unresolved edges from an unresolved revision until one repeats.
    RevIndex start = 0;
    while (pending[start] == 0) ++start;
    std::vector<int> seen_at(g_.revisions_.size(), -1);
    std::vector<RevIndex> path;
    RevIndex cur = start;
    while (seen_at[cur] < 0) {
      seen_at[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      const Revision& r = g_.revisions_[cur];
      RevIndex next = cur;
      for (const auto* list : {&r.parents, &r.dependencies})
        for (RevIndex p : *list)
          if (pending[p] > 0) next = p;
      cur = next;
    }
    std::vector<std::string> cycle;
    for (size_t k = seen_at[cur]; k < path.size(); ++k) cycle.push_back(g_.revisions_[path[k]].id());
    std::reverse(cycle.begin(), cycle.end());
    cycle.push_back(cycle.front());
    std::string text;
    for (const auto& id : cycle) text += (text.empty() ? "" : " -> ") + id;
    const Revision& at = g_.revisions_[path[seen_at[cur]]];
    problems_.push_back(Problem{at.script.file, 0, RevisionErrorCode::kCycleDetected,
                                "cycle in the revision graph: " + text});
    cycle_path_ = std::move(cycle);
  }

  // With a missing parent or a cycle, some revisions cannot be reached from any base: one line names them.
  void report_unreachable() {
    std::vector<RevIndex> bases;
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i)
      if (g_.revisions_[i].script.down_revisions.empty()) bases.push_back(i);
    std::vector<bool> reached = g_.reach(bases, Edges::kChildren);
    std::vector<std::string> lost;
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i)
      if (!reached[i]) lost.push_back(g_.revisions_[i].id());
    if (lost.empty()) return;
    std::string list;
    for (size_t k = 0; k < lost.size() && k < 10; ++k) list += (k ? ", " : "") + lost[k];
    if (lost.size() > 10) list += " and " + std::to_string(lost.size() - 10) + " more";
    problems_.push_back(Problem{"", 0, RevisionErrorCode::kUnreachable,
                                std::to_string(lost.size()) +
                                    (lost.size() == 1 ? " revision" : " revisions") +
                                    " cannot be reached from any base: " + list});
  }

  // A dependency that an ancestor (by down_revision) already has is implied and dropped from `down`.
  void normalize_dependencies() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      Revision& r = g_.revisions_[i];
      r.down = r.parents;
      if (r.dependencies.empty()) continue;
      std::vector<RevIndex> deps = r.dependencies;
      for (RevIndex a : g_.collect(r.parents, Edges::kParents)) {
        for (RevIndex d : g_.revisions_[a].dependencies)
          deps.erase(std::remove(deps.begin(), deps.end(), d), deps.end());
      }
      for (RevIndex d : deps)
        if (std::find(r.down.begin(), r.down.end(), d) == r.down.end()) r.down.push_back(d);
    }
  }

  void classify() {
    for (RevIndex i = 0; i < g_.revisions_.size(); ++i) {
      const Revision& r = g_.revisions_[i];
      if (r.children.empty()) g_.heads_.push_back(i);
      if (r.children.empty() && r.dependents.empty()) g_.real_heads_.push_back(i);
      if (r.parents.empty()) g_.bases_.push_back(i);
    }
  }

  void propagate_labels() {
    for (auto& [label, owner] : g_.by_label_) {
      for (RevIndex d : g_.collect({owner}, Edges::kChildren)) add_label(d, label);
      // Down the single-parent chain to the branch point the branch starts from.
      RevIndex cur = owner;
      while (g_.revisions_[cur].parents.size() == 1) {
        RevIndex p = g_.revisions_[cur].parents.front();
        const Revision& pr = g_.revisions_[p];
        if (pr.children.size() + pr.dependents.size() > 1) break;
        add_label(p, label);
        cur = p;
      }
    }
    for (auto& r : g_.revisions_) std::sort(r.branch_labels.begin(), r.branch_labels.end());
  }

  void add_label(RevIndex i, const std::string& label) {
    auto& labels = g_.revisions_[i].branch_labels;
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }

  RevisionGraph g_;
  std::vector<Problem> problems_;
  std::vector<std::string> cycle_path_;
};

RevisionGraph RevisionGraph::build(std::vector<Script> scripts) {
  return GraphBuilder(std::move(scripts)).build();
}

std::optional<RevIndex> RevisionGraph::find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

RevIndex RevisionGraph::index_of(std::string_view id) const {
  auto i = find(id);
  if (!i) throw RevisionError(RevisionErrorCode::kResolutionError, "no revision '" + std::string(id) + "'");
  return *i;
}

std::optional<RevIndex> RevisionGraph::label_owner(std::string_view label) const {
  auto it = by_label_.find(std::string(label));
  if (it == by_label_.end()) return std::nullopt;
  return it->second;
}

std::vector<RevIndex> RevisionGraph::prefix_matches(std::string_view prefix) const {
  std::vector<RevIndex> out;
  if (prefix.empty()) return out;
  for (RevIndex i = 0; i < revisions_.size(); ++i)
    if (std::string_view(revisions_[i].id()).substr(0, prefix.size()) == prefix) out.push_back(i);
  return out;
}

std::vector<RevIndex> RevisionGraph::branch_points() const {
  std::vector<RevIndex> out;
  for (RevIndex i = 0; i < revisions_.size(); ++i)
    if (revisions_[i].is_branch_point()) out.push_back(i);
  return out;
}

std::vector<RevIndex> RevisionGraph::merge_points() const {
  std::vector<RevIndex> out;
  for (RevIndex i = 0; i < revisions_.size(); ++i)
    if (revisions_[i].is_merge_point()) out.push_back(i);
  return out;
}

const std::vector<RevIndex>& RevisionGraph::neighbours(RevIndex i, Edges edges) const {
  const Revision& r = revisions_[i];
  switch (edges) {
    case Edges::kParents:
      return r.parents;
    case Edges::kDown:
      return r.down;
    case Edges::kChildren:
      return r.children;
    case Edges::kChildrenAndDependents:
      break;
  }
  return r.children;  // kChildrenAndDependents is handled by the traversals (two lists)
}

std::vector<RevIndex> RevisionGraph::collect(const std::vector<RevIndex>& start, Edges edges) const {
  std::vector<bool> seen(revisions_.size(), false);
  std::vector<RevIndex> out, stack(start.rbegin(), start.rend());
  while (!stack.empty()) {
    RevIndex i = stack.back();
    stack.pop_back();
    if (seen[i]) continue;
    seen[i] = true;
    out.push_back(i);
    const auto& first = neighbours(i, edges);
    for (auto it = first.rbegin(); it != first.rend(); ++it)
      if (!seen[*it]) stack.push_back(*it);
    if (edges == Edges::kChildrenAndDependents)
      for (RevIndex d : revisions_[i].dependents)
        if (!seen[d]) stack.push_back(d);
  }
  return out;
}

std::vector<bool> RevisionGraph::reach(const std::vector<RevIndex>& start, Edges edges) const {
  std::vector<bool> mask(revisions_.size(), false);
  for (RevIndex i : collect(start, edges)) mask[i] = true;
  return mask;
}

bool RevisionGraph::is_ancestor(RevIndex ancestor, RevIndex of, Edges edges) const {
  return reach({of}, edges)[ancestor];
}

bool RevisionGraph::shares_lineage(RevIndex a, RevIndex b, bool include_dependencies) const {
  if (a == b) return true;
  Edges down = include_dependencies ? Edges::kDown : Edges::kParents;
  Edges up = include_dependencies ? Edges::kChildrenAndDependents : Edges::kChildren;
  return reach({a}, down)[b] || reach({a}, up)[b];
}

std::vector<std::string> RevisionGraph::ids(const std::vector<RevIndex>& indices) const {
  std::vector<std::string> out;
  out.reserve(indices.size());
  for (RevIndex i : indices) out.push_back(revisions_[i].id());
  return out;
}

RevisionGraph load_graph(const std::filesystem::path& dir) {
  LoadedScripts loaded = scan_directory(dir);
  if (loaded.problems.empty()) return RevisionGraph::build(std::move(loaded.scripts));
  std::vector<Problem> problems = std::move(loaded.problems);
  try {
    RevisionGraph::build(std::move(loaded.scripts));
  } catch (const RevisionError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
  }
  throw RevisionError(std::move(problems));
}

AppliedState applied_state(const RevisionGraph& graph, const std::vector<std::string>& version_rows) {
  AppliedState state;
  for (const auto& row : version_rows) {
    auto i = graph.find(row);
    if (i)
      state.heads.push_back(*i);
    else
      state.unknown.push_back(row);
  }
  state.applied = graph.reach(state.heads, Edges::kDown);
  for (RevIndex h : state.heads) {
    for (RevIndex other : state.heads)
      if (other != h && graph.is_ancestor(h, other)) {
        state.redundant.push_back(graph.at(h).id());
        break;
      }
  }
  return state;
}

std::vector<RevIndex> current_heads(const RevisionGraph& graph,
                                    const std::vector<std::string>& version_rows) {
  std::vector<RevIndex> out;
  for (const auto& row : version_rows) {
    auto i = graph.find(row);
    if (!i)
      throw RevisionError(RevisionErrorCode::kUnknownCurrent,
                          "version table names revision '" + row + "', which no migration file declares",
                          {row});
    if (std::find(out.begin(), out.end(), *i) == out.end()) out.push_back(*i);
  }
  return out;
}

}  // namespace pgrevise::revision
