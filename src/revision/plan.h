#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/direction.h"
#include "common/version_change.h"
#include "revision/graph.h"

namespace pgrevise::revision {

// Running one revision's upgrade or downgrade section, and the version-table changes that go with it (in the
// same transaction for a transactional revision).
struct PlanStep {
  RevIndex revision;
  std::string revision_id;
  Direction direction;
  std::vector<VersionChange> version_changes;
  std::vector<std::string> heads_after;  // the version-table rows once this step is done, sorted
};

struct Plan {
  std::vector<PlanStep> steps;            // in execution order
  std::vector<std::string> heads_before;  // the version-table rows the plan starts from, sorted
  std::vector<std::string> heads_after;   // the rows once every step is done, sorted
  bool empty() const { return steps.empty(); }
};

// `upgrade TARGET` from the given version-table rows: every ancestor of the target (down_revisions and
// depends_on) not yet applied, parents first; each branch is applied as a run, branches in the order the
// targets and their down_revisions list them. Version-table changes are simulated the way Alembic 1.8 does
// (create a branch, merge branches, plain update; a dependency that is a head is merged away like a parent).
// Errors (RevisionError): unknown current row (kUnknownCurrent), target resolution (see target.h), including
// `head` with several heads.
Plan plan_upgrade(const RevisionGraph& graph, std::string_view target,
                  const std::vector<std::string>& version_rows);

// `downgrade TARGET`: every applied revision above the target (its descendants, by down_revision and
// depends_on, that are applied), children first; `base` removes everything (LABEL@base: what descends from
// that branch's bases). Version-table changes follow Alembic (delete branch, unmerge, plain update). A target
// that is not below the current heads → RevisionError(kRangeNotAncestor). A bare `-N` with several current
// heads is refused (Alembic only warns, then walks from whichever row the table returns first); `LABEL@-N` or
// `<head>@-N` names the branch.
Plan plan_downgrade(const RevisionGraph& graph, std::string_view target,
                    const std::vector<std::string>& version_rows);

// Upgrade to explicit revisions (already resolved), for callers holding indices.
Plan plan_upgrade_to(const RevisionGraph& graph, const std::vector<RevIndex>& targets,
                     const std::vector<std::string>& version_rows);

// Declarative form for the operator: move the database to exactly the target's revisions. Applied revisions
// that are not ancestors-or-self of the target (down_revision and depends_on) are downgraded first, children
// first; then what the target needs is upgraded. An upgrade-only target (the usual case) gives only upgrade
// steps; any downgrade step means the spec asks to go back (refused unless downgrades are allowed). `heads`,
// `LABEL@head` and ids resolve as for upgrade (relative targets resolve against the current heads).
Plan plan_to_target(const RevisionGraph& graph, std::string_view target,
                    const std::vector<std::string>& version_rows);
size_t downgrade_step_count(const Plan& plan);

// `stamp TARGET [--purge]`: the version-table rows afterwards, without running any migration. Heads on the
// lineage of the target (ancestors or descendants, dependencies included) are replaced by the target; heads
// of unrelated branches stay. `base` removes the heads on its lineage (all of them for a plain `base`). With
// purge, the table is emptied first, so unknown rows are no error.
struct StampPlan {
  std::vector<std::string> heads_before;       // sorted
  std::vector<std::string> heads_after;        // sorted
  std::vector<VersionChange> version_changes;  // deletes, then inserts, turning before into after
};
StampPlan plan_stamp(const RevisionGraph& graph, std::string_view target,
                     const std::vector<std::string>& version_rows, bool purge = false);

}  // namespace pgrevise::revision
