#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "revision/errors.h"
#include "revision/script.h"

namespace pgrevise::revision {

// Position of a revision in its RevisionGraph (stable for the graph's lifetime; graphs are immutable).
using RevIndex = std::uint32_t;

// A revision and its place in the graph. Edge lists hold indices into the same graph, in file order.
struct Revision {
  Script script;
  std::vector<RevIndex> parents;       // the down_revisions
  std::vector<RevIndex> dependencies;  // depends_on, resolved to revisions
  // Alembic's "normalized down revisions": parents, then the dependencies that no ancestor already depends
  // on. These are the edges that applying and the version table follow.
  std::vector<RevIndex> down;
  std::vector<RevIndex> children;    // revisions naming this one as a down_revision
  std::vector<RevIndex> dependents;  // revisions naming this one in depends_on
  // The branch labels this revision is on: its own, those of ancestors down the down_revision edges, and
  // those of descendants reached without crossing a branch point or merge point (as Alembic propagates them).
  std::vector<std::string> branch_labels;

  const std::string& id() const { return script.revision; }
  bool is_base() const { return parents.empty(); }
  bool is_head() const { return children.empty(); }
  bool is_branch_point() const { return children.size() > 1; }
  bool is_merge_point() const { return parents.size() > 1; }
  bool has_label(std::string_view label) const;
};

// Which edges a traversal follows.
enum class Edges {
  kParents,                // down_revision only
  kDown,                   // down_revision plus normalized dependencies (what "applied" follows)
  kChildren,               // reverse of kParents
  kChildrenAndDependents,  // reverse of down_revision and depends_on
};

// The revision graph of a migration set. Immutable once built.
class RevisionGraph {
 public:
  // Builds the graph, checking everything at once: missing parents, unknown or ambiguous depends_on targets,
  // branch labels used twice (or equal to a revision id), duplicate revision ids, cycles (with the path).
  // Throws RevisionError listing every problem.
  static RevisionGraph build(std::vector<Script> scripts);

  size_t size() const { return revisions_.size(); }
  bool empty() const { return revisions_.empty(); }
  const Revision& at(RevIndex i) const { return revisions_[i]; }
  const std::vector<Revision>& revisions() const { return revisions_; }

  std::optional<RevIndex> find(std::string_view id) const;  // exact revision id
  RevIndex index_of(std::string_view id) const;  // exact id; RevisionError(kResolutionError) if unknown
  std::optional<RevIndex> label_owner(std::string_view label) const;  // the revision declaring the label
  std::vector<RevIndex> prefix_matches(std::string_view prefix) const;

  // Revisions without children by down_revision (Alembic's `heads`; `head` resolves among these), file order.
  const std::vector<RevIndex>& heads() const { return heads_; }
  // Heads that nothing depends on either (Alembic's real heads; the target `heads` means these).
  const std::vector<RevIndex>& real_heads() const { return real_heads_; }
  const std::vector<RevIndex>& bases() const { return bases_; }  // no down_revision
  std::vector<RevIndex> branch_points() const;
  std::vector<RevIndex> merge_points() const;
  // Every revision with parents and dependencies before it (deterministic: file order among equals).
  const std::vector<RevIndex>& topological_order() const { return topo_; }

  // Iterative traversal (no recursion: 10,000-deep chains are fine). Visits each reachable revision once,
  // starting revisions included; returns a membership mask of size size().
  std::vector<bool> reach(const std::vector<RevIndex>& start, Edges edges) const;
  // The same as a list, in discovery order.
  std::vector<RevIndex> collect(const std::vector<RevIndex>& start, Edges edges) const;
  const std::vector<RevIndex>& neighbours(RevIndex i, Edges edges) const;

  bool is_ancestor(RevIndex ancestor, RevIndex of, Edges edges = Edges::kDown) const;  // reflexive
  // Alembic's "shares lineage": b is an ancestor or descendant of a (reflexive).
  bool shares_lineage(RevIndex a, RevIndex b, bool include_dependencies = false) const;

  std::vector<std::string> ids(const std::vector<RevIndex>& indices) const;

 private:
  std::vector<Revision> revisions_;
  std::unordered_map<std::string, RevIndex> by_id_;
  std::unordered_map<std::string, RevIndex> by_label_;
  std::vector<RevIndex> heads_, real_heads_, bases_, topo_;

  friend class GraphBuilder;
};

// Loads a directory and builds its graph, reporting parse and graph problems together (one per line).
RevisionGraph load_graph(const std::filesystem::path& dir);

// The database's version-table rows judged against the graph.
struct AppliedState {
  std::vector<std::string> unknown;    // rows naming no revision in the graph
  std::vector<std::string> redundant;  // rows that are ancestors of another row (Alembic never writes these)
  std::vector<RevIndex> heads;         // known rows, as indices
  std::vector<bool> applied;           // every revision implied by the rows: ancestors incl. dependencies
};

AppliedState applied_state(const RevisionGraph& graph, const std::vector<std::string>& version_rows);

// Like applied_state, but a row naming an unknown revision is an error:
// RevisionError(kUnknownCurrent) "version table names revision 'x', which no migration file declares".
std::vector<RevIndex> current_heads(const RevisionGraph& graph, const std::vector<std::string>& version_rows);

}  // namespace pgrevise::revision
