#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision {

// Target resolution with Alembic 1.8's semantics. Accepted forms:
//   REV             a full revision id, or a unique prefix of one (Alembic only matches prefixes of ids
//   longer
//                   than 3 characters); a branch label alone names the revision that declares it
//   head            the single head (kMultipleHeads when there are several)
//   heads           every head (revisions that nothing follows or depends on)
//   base            nothing applied
//   LABEL@head      the head of that branch; LABEL@heads; LABEL@base; LABEL@REV (REV must be on the branch)
//   +N, -N          N steps up / down from the current heads (needs exactly one current head on the path)
//   REV+N, REV-N    N steps up / down from REV;  LABEL@+N, LABEL@-N  on that branch
// LABEL may also be a revision id (then it stands for the branch through that revision).
// Every failure is a RevisionError: kResolutionError (unknown, ambiguous — listing candidates —, empty,
// ambiguous or overlong walk), kMultipleHeads (listing the heads), kRangeNotAncestor.

// Alembic's get_revisions: the revisions a target names, without relative +N forms (LABEL@-N and -N walk down
// from the heads of the graph, not of the database). Empty means base.
std::vector<RevIndex> resolve_revisions(const RevisionGraph& graph, std::string_view target);

// Alembic's get_revision: at most one revision (nullopt = base); several → kMultipleHeads.
std::optional<RevIndex> resolve_revision(const RevisionGraph& graph, std::string_view target);

// The revisions `upgrade TARGET` must reach, given the database's current heads. Empty means nothing (base).
std::vector<RevIndex> resolve_upgrade_target(const RevisionGraph& graph, std::string_view target,
                                             const std::vector<RevIndex>& current_heads);

// Where `downgrade TARGET` goes: a revision, or base (nullopt), plus the branch the target was qualified with
// (LABEL@..., or the current head a bare -N walked down from), which narrows what a downgrade to base
// removes.
struct DowngradeTarget {
  std::optional<RevIndex> revision;
  std::optional<std::string> branch;
};
DowngradeTarget resolve_downgrade_target(const RevisionGraph& graph, std::string_view target,
                                         const std::vector<RevIndex>& current_heads);

// The revision a branch qualifier stands for: the label's owner, else a revision id or unique prefix.
RevIndex resolve_branch(const RevisionGraph& graph, std::string_view label);

// Current heads sharing lineage (ancestor or descendant) with the branch `label`.
std::vector<RevIndex> filter_for_lineage(const RevisionGraph& graph, const std::vector<RevIndex>& revisions,
                                         std::string_view label, bool include_dependencies = false);

// The message Alembic gives for `head` with several heads.
std::string multiple_heads_message(std::string_view argument);

}  // namespace pgrevise::revision
