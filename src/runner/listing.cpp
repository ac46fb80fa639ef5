// The listing `migrate` commands: heads, history, show, branches and graph read only the files (history
// --indicate-current the version table too); history --applied reads the history table. And init.
#include <algorithm>
#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>
#include <pqxx/transaction>

#include "db/history.h"
#include "db/version_table.h"
#include "revision/graph.h"
#include "revision/render.h"
#include "revision/target.h"
#include "runner/runner.h"
#include "runner/session.h"

namespace pgrevise::runner {

namespace {

// Alembic's history range: the revisions that descend from FROM and lead to TO, both included (FROM empty:
// from the bases; TO empty: up to the heads), newest first.
std::vector<revision::RevIndex> revisions_in_range(const revision::RevisionGraph& graph,
                                                   const std::string& range) {
  const auto order = revision::newest_first(graph);
  if (range.empty()) return order;
  const size_t colon = range.find(':');
  if (colon == std::string::npos)
    throw_bad_input("-r/--rev-range: expected [FROM]:[TO] (e.g. 0003:head, 0003:, :0005), got '" + range +
                    "'");
  const std::string from = range.substr(0, colon), to = range.substr(colon + 1);
  const auto lower = from.empty() ? graph.bases() : revision::resolve_revisions(graph, from);
  const auto upper = to.empty() ? graph.heads() : revision::resolve_revisions(graph, to);
  const auto after = graph.reach(lower, revision::Edges::kChildren);
  const auto before = graph.reach(upper, revision::Edges::kParents);
  std::vector<revision::RevIndex> out;
  for (auto i : order)
    if (after[i] && before[i]) out.push_back(i);
  return out;
}

// A revision for --output json: what `show` prints, as fields.
nlohmann::json revision_json(const revision::RevisionGraph& graph, revision::RevIndex i,
                             const std::vector<std::string>& current = {}) {
  const auto& r = graph.at(i);
  nlohmann::json j = {{"revision", r.id()},
                      {"downRevisions", r.script.down_revisions},
                      {"message", r.script.message},
                      {"file", r.script.file},
                      {"head", r.is_head()},
                      {"branchPoint", r.is_branch_point()},
                      {"mergePoint", r.is_merge_point()}};
  if (!r.branch_labels.empty()) j["branchLabels"] = r.branch_labels;
  if (!r.script.depends_on.empty()) j["dependsOn"] = r.script.depends_on;
  if (!r.script.transactional) j["transactional"] = false;
  if (std::find(current.begin(), current.end(), r.id()) != current.end()) j["current"] = true;
  return j;
}

nlohmann::json revisions_json(const revision::RevisionGraph& graph,
                              const std::vector<revision::RevIndex>& revisions,
                              const std::vector<std::string>& current = {}) {
  nlohmann::json list = nlohmann::json::array();
  for (auto i : revisions) list.push_back(revision_json(graph, i, current));
  return list;
}

}  // namespace

int Runner::heads(bool verbose) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"heads", graph.ids(graph.real_heads())},
                           {"revisions", revisions_json(graph, graph.real_heads())}}
                .dump()
         << "\n";
    return 0;
  }
  if (verbose) {
    for (auto i : graph.real_heads()) out_ << revision::revision_text(graph, i);
    return 0;
  }
  for (const auto& line : revision::heads_lines(graph)) out_ << line << "\n";
  return 0;
}

int Runner::show(const std::string& target) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  const auto revisions = revision::resolve_revisions(graph, target);
  if (revisions.empty())
    throw_bad_input("show " + target + ": base is no revision; give a revision id or prefix");
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"revisions", revisions_json(graph, revisions)}}.dump() << "\n";
    return 0;
  }
  for (auto i : revisions) out_ << revision::revision_text(graph, i);
  return 0;
}

int Runner::branches(bool verbose) {
  const auto graph = revision::load_graph(options_.migrations_dir);
  if (options_.output == OutputFormat::kJson) {
    nlohmann::json points = nlohmann::json::array();
    for (auto b : graph.branch_points())
      points.push_back({{"revision", graph.at(b).id()}, {"children", graph.ids(graph.at(b).children)}});
    out_ << nlohmann::json{{"branchPoints", points}}.dump() << "\n";
    return 0;
  }
  for (const auto& line : revision::branches_lines(graph, verbose)) out_ << line << "\n";
  return 0;
}

int Runner::init() {
  namespace fs = std::filesystem;
  const fs::path& dir = options_.migrations_dir;
  if (fs::exists(dir) && !fs::is_directory(dir))
    throw_bad_input("init: " + dir.string() + " exists and is not a folder");
  if (fs::exists(dir) && !fs::is_empty(dir))
    throw_bad_input("init: folder " + dir.string() + " already exists and is not empty");
  fs::create_directories(dir);
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"created", dir.string()}}.dump() << "\n";
    return 0;
  }
  out_ << "Created " << dir.string() << "; write the first revision with `pgrevise new -m MESSAGE --dir "
       << dir.string() << "`\n";
  return 0;
}

int Runner::history(const HistoryQuery& query) {
  if (!query.applied) {
    const auto graph = revision::load_graph(options_.migrations_dir);
    std::vector<std::string> current;
    if (query.indicate_current) {
      Session session = open_session(options_);
      current = db::read_heads(*session.conn, options_.version_table);
    }
    const auto revisions = revisions_in_range(graph, query.range);
    if (options_.output == OutputFormat::kJson) {
      out_ << nlohmann::json{{"revisions", revisions_json(graph, revisions, current)}}.dump() << "\n";
      return 0;
    }
    for (auto i : revisions) {
      if (query.verbose)
        out_ << revision::revision_text(graph, i, current);
      else
        out_ << revision::history_line(graph, i, current) << "\n";
    }
    return 0;
  }
  Session session = open_session(options_);
  pqxx::read_transaction tx(*session.conn);
  const auto entries = db::HistoryTable(options_.version_table).recent(tx, query.limit);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries) {
    if (options_.output == OutputFormat::kJson) {
      list.push_back({{"revision", e.revision},
                      {"direction", db::history_direction(e.direction, e.stamp)},
                      {"result", e.result},
                      {"startedAt", e.started_at},
                      {"durationMs", e.duration_ms.value_or(0)},
                      {"runBy", e.run_by_user},
                      {"checksum", e.checksum}});
      continue;
    }
    out_ << e.started_at << "  " << db::history_direction(e.direction, e.stamp) << " " << e.revision << "  "
         << e.result;
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
  if (options_.output == OutputFormat::kJson) {
    out_ << nlohmann::json{{"revisions", revisions_json(graph, revision::newest_first(graph))}}.dump()
         << "\n";
    return 0;
  }
  out_ << (format == "dot" ? revision::render_graph_dot(graph) : revision::render_graph_text(graph));
  return 0;
}

}  // namespace pgrevise::runner
