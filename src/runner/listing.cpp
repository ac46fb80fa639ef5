// The listing `migrate` commands that read only the files (heads, graph) or the history table (history
// --applied).
#include <ostream>

#include <nlohmann/json.hpp>
#include <pqxx/transaction>

#include "common/strings.h"
#include "db/history.h"
#include "revision/graph.h"
#include "runner/runner.h"
#include "runner/session.h"

namespace pgrevise::runner {

namespace {

std::string markers(const revision::Revision& r) {
  std::string out;
  if (!r.branch_labels.empty()) out += " (" + join(r.branch_labels, ", ") + ")";
  if (r.is_head()) out += " (head)";
  if (r.is_branch_point()) out += " (branchpoint)";
  if (r.is_merge_point()) out += " (mergepoint)";
  return out;
}

// Alembic's history line: "<down> -> <rev> (markers), <message>".
std::string history_line(const revision::RevisionGraph& graph, const revision::Revision& r) {
  std::vector<std::string> parents = graph.ids(r.parents);
  std::string down = parents.empty()       ? "<base>"
                     : parents.size() == 1 ? parents[0]
                                           : "(" + join(parents, ", ") + ")";
  return down + " -> " + r.id() + markers(r) + ", " + r.script.message;
}

}  // namespace

int Runner::heads(bool verbose) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"heads", graph.ids(graph.heads())}}.dump() << "\n";
    return 0;
  }
  for (auto i : graph.heads()) {
    const auto& r = graph.at(i);
    out_ << r.id() << markers(r);
    if (verbose) out_ << ", " << r.script.message << " (" << r.script.file << ")";
    out_ << "\n";
  }
  return 0;
}

int Runner::history(bool applied, int limit) {
  if (applied) {
    Session session = open_session(options_);
    pqxx::read_transaction tx(*session.conn);
    const auto entries = db::HistoryTable(options_.version_table).recent(tx, limit);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries) {
      if (options_.output == OutputFormat::kJson) {
        list.push_back({{"revision", e.revision},
                        {"direction", e.direction},
                        {"result", e.result},
                        {"startedAt", e.started_at},
                        {"durationMs", e.duration_ms.value_or(0)},
                        {"runBy", e.run_by_user},
                        {"checksum", e.checksum}});
        continue;
      }
      out_ << e.started_at << "  " << e.direction << " " << e.revision << "  " << e.result;
      if (e.duration_ms) out_ << "  " << *e.duration_ms << " ms";
      out_ << "  by " << e.run_by_user << " (" << e.application_name << ")\n";
    }
    if (options_.output == OutputFormat::kJson) out_ << list.dump() << "\n";
    return 0;
  }
  const auto graph = revision::load_graph(options_.migrations_dir);
  const auto& order = graph.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) out_ << history_line(graph, graph.at(*it)) << "\n";
  return 0;
}

int Runner::graph(const std::string& format) {
  if (format != "text" && format != "dot")
    throw_bad_input("--format: expected text or dot, got '" + format + "'");
  const auto graph = revision::load_graph(options_.migrations_dir);
  const auto& order = graph.topological_order();
  if (format == "dot") {
    out_ << "digraph revisions {\n  rankdir=BT;\n  node [shape=box];\n";
    for (auto i : order) {
      const auto& r = graph.at(i);
      out_ << "  \"" << r.id() << "\" [label=\"" << r.id() << "\\n"
           << nlohmann::json(r.script.message)
                  .dump()
                  .substr(1, nlohmann::json(r.script.message).dump().size() - 2)
           << "\"" << (r.is_head() ? ", style=bold" : "") << "];\n";
      for (auto p : r.parents) out_ << "  \"" << r.id() << "\" -> \"" << graph.at(p).id() << "\";\n";
      for (auto d : r.dependencies) {
        out_ << "  \"" << r.id() << "\" -> \"" << graph.at(d).id() << "\" [style=dashed];\n";
      }
    }
    out_ << "}\n";
    return 0;
  }
  // Text: newest first, one revision a line, with the edges it stands on.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto& r = graph.at(*it);
    out_ << (r.is_merge_point()    ? "*-+ "
             : r.is_branch_point() ? "*<  "
                                   : "*   ")
         << r.id() << markers(r) << "  " << r.script.message << "\n";
    if (!r.parents.empty()) out_ << "|     down: " << join(graph.ids(r.parents), ", ");
    if (!r.dependencies.empty())
      out_ << (r.parents.empty() ? "|    " : "") << "  depends on: " << join(graph.ids(r.dependencies), ", ");
    if (!r.parents.empty() || !r.dependencies.empty()) out_ << "\n";
  }
  return 0;
}

}  // namespace pgrevise::runner
