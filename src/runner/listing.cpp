// The listing `migrate` commands: heads, history and graph read only the files; history --applied reads the
// history table.
#include <ostream>

#include <nlohmann/json.hpp>
#include <pqxx/transaction>

#include "db/history.h"
#include "revision/graph.h"
#include "revision/render.h"
#include "runner/runner.h"
#include "runner/session.h"

namespace pgrevise::runner {

int Runner::heads(bool verbose) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"heads", graph.ids(graph.real_heads())}}.dump() << "\n";
    return 0;
  }
  for (const auto& line : revision::heads_lines(graph)) out_ << line << "\n";
  if (verbose) {
    for (auto i : graph.real_heads()) out_ << graph.at(i).id() << ": " << graph.at(i).script.file << "\n";
  }
  return 0;
}

int Runner::history(bool applied, int limit) {
  if (!applied) {
    const auto graph = revision::load_graph(options_.migrations_dir);
    for (const auto& line : revision::history_lines(graph)) out_ << line << "\n";
    return 0;
  }
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

int Runner::graph(const std::string& format) {
  if (format != "text" && format != "dot")
    throw_bad_input("--format: expected text or dot, got '" + format + "'");
  const auto graph = revision::load_graph(options_.migrations_dir);
  out_ << (format == "dot" ? revision::render_graph_dot(graph) : revision::render_graph_text(graph));
  return 0;
}

}  // namespace pgrevise::runner
