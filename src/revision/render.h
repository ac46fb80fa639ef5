#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision {

// Text for `history`, `heads` and `graph`. `current` is the version table's rows (may be empty); revisions
// named there are marked "(current)". Nothing here prints: callers write the strings.

// Every revision, newest first (children before parents, each branch as a run).
std::vector<RevIndex> newest_first(const RevisionGraph& graph);

// Alembic's `history` line: "<down> [(<depends_on>)] -> <rev> [(<labels>)] [(head)|(effective head)]
// [(current)]
// [(branchpoint)] [(mergepoint)], <message>", e.g. "0010, 0014 -> 0015 (billing, reporting) (mergepoint),
// merge".
// "<base>" stands for no down_revision.
std::string history_line(const RevisionGraph& graph, RevIndex revision,
                         const std::vector<std::string>& current = {});

// history_line for every revision, newest first.
std::vector<std::string> history_lines(const RevisionGraph& graph,
                                       const std::vector<std::string>& current = {});

// Alembic's `heads` lines: "<rev> [(<labels>)] (head) [(current)]" for every real head, in file order; then
// "<rev> [(<labels>)] (effective head)" for a head that only something's depends_on follows.
std::vector<std::string> heads_lines(const RevisionGraph& graph,
                                     const std::vector<std::string>& current = {});

// Alembic's `show` text of a revision, also `history --verbose`'s and `heads --verbose`'s: "Rev: <rev>
// [(labels)] [markers]", "Parent: <down_revision>|<base>" (for a merge point "Merges: …"), "Also depends on:
// …", "Branches into: …", "Path: <file>", then the message indented by four spaces and an empty line.
std::string revision_text(const RevisionGraph& graph, RevIndex revision,
                          const std::vector<std::string>& current = {});

// Alembic's `branches` lines: each branch point as "<rev> [(labels)] (branchpoint)[, message]", then a line
// "<indent> -> <child> [markers][, message]" for each child, with the message when verbose.
std::vector<std::string> branches_lines(const RevisionGraph& graph, bool verbose);

// The DAG for a terminal, newest first, one revision a line, drawn in lanes like `git log --graph`: "* "
// marks the revision's lane, "| " a lane passing by; a line of "\ " after a merge point opens a lane for each
// further down_revision, and a line of "/ " before a branch point closes the lanes that join it. Each
// revision's text is
// "<rev> [(<labels>)] [markers as history_line] [(depends on ...)], <message>".
std::string render_graph_text(const RevisionGraph& graph, const std::vector<std::string>& current = {});

// The DAG as Graphviz dot: one node per revision (heads bold, current rows filled), an edge from each
// down_revision to its child, dashed edges for depends_on.
std::string render_graph_dot(const RevisionGraph& graph, const std::vector<std::string>& current = {});

// The failing statement of an error, as a few numbered lines of its file: `sql` is a section that starts at
// file line `first_line`, `line` the failing line and `column` (1-based, 0: unknown) where on it the server
// pointed. The lines of the statement holding `line` are shown, at most `context` before and after it, the
// failing one marked with '>' and the column with '^' under it; "" when `line` lies outside `sql`.
//     12 | UPDATE users
//   > 13 |    SET nme = 1
//        |        ^
//     14 |  WHERE id = 1
std::string statement_excerpt(std::string_view sql, int first_line, int line, int column = 0,
                              int context = 2);

}  // namespace pgrevise::revision
