#include "revision/check.h"

#include "revision/loader.h"

namespace pgrevise::revision {

std::string needs_sql_problem(const Script& script) {
  const bool up = script.upgrade_needs_sql, down = script.downgrade_needs_sql;
  if (!up && !down) return "";
  const std::string sections = up && down ? "upgrade and downgrade SQL"
                               : up       ? "upgrade SQL"
                                          : "downgrade SQL";
  return script.file + ": revision " + script.revision + " needs its " + sections +
         " written by hand (the import could not render it); write it, then remove the `-- needs_sql:` line";
}

DirectoryCheck check_directory(const std::filesystem::path& dir) {
  DirectoryCheck out;
  LoadedScripts loaded = scan_directory(dir);
  for (const auto& p : loaded.problems)
    out.findings.push_back({Finding::Kind::kProblem, "", p.file, p.to_string()});
  try {
    out.graph = RevisionGraph::build(std::move(loaded.scripts));
  } catch (const RevisionError& e) {
    for (const auto& p : e.problems())
      out.findings.push_back({Finding::Kind::kProblem, "", p.file, p.to_string()});
  }
  if (!out.findings.empty()) {
    out.graph.reset();
    return out;
  }
  for (RevIndex i = 0; i < out.graph->size(); ++i) {
    if (auto problem = needs_sql_problem(out.graph->at(i).script); !problem.empty())
      out.findings.push_back({Finding::Kind::kNeedsSql, out.graph->at(i).id(), out.graph->at(i).script.file,
                              std::move(problem)});
  }
  return out;
}

std::vector<Finding> check_against_database(const RevisionGraph& g,
                                            const std::vector<std::string>& version_rows,
                                            const std::map<std::string, std::string>& applied_checksums) {
  std::vector<Finding> out;
  AppliedState state = applied_state(g, version_rows);
  for (const auto& row : state.unknown)
    out.push_back({Finding::Kind::kUnknownVersionRow, row, "",
                   "version table names revision '" + row + "', which no migration file declares"});
  for (const auto& row : state.redundant)
    out.push_back({Finding::Kind::kRedundantVersionRow, row, g.at(g.index_of(row)).script.file,
                   "version table row '" + row + "' is an ancestor of another row"});
  for (RevIndex i = 0; i < g.size(); ++i) {
    if (!state.applied[i]) continue;
    const Script& s = g.at(i).script;
    auto recorded = applied_checksums.find(s.revision);
    if (recorded == applied_checksums.end() || recorded->second == s.checksum) continue;
    out.push_back({Finding::Kind::kChecksumDrift, s.revision, s.file,
                   s.file + ": revision " + s.revision + " changed since it was applied (checksum " +
                       recorded->second.substr(0, 12) + " then, " + s.checksum.substr(0, 12) + " now)"});
  }
  return out;
}

}  // namespace pgrevise::revision
