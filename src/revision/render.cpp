#include "revision/render.h"

#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "revision/sql_splitter.h"

namespace pgrevise::revision {

namespace {

bool is_current(const std::vector<std::string>& current, const std::string& id) {
  return std::find(current.begin(), current.end(), id) != current.end();
}

std::string comma(const std::vector<std::string>& v) {
  return join(v, ", ");
}

std::string labels_suffix(const Revision& r) {
  return r.branch_labels.empty() ? "" : " (" + comma(r.branch_labels) + ")";
}

std::string head_markers(const Revision& r, const std::vector<std::string>& current) {
  std::string out;
  if (r.children.empty() && r.dependents.empty())
    out += " (head)";
  else if (r.children.empty())
    out += " (effective head)";
  if (is_current(current, r.id())) out += " (current)";
  return out;
}

std::string tree_markers(const Revision& r) {
  return std::string(r.is_branch_point() ? " (branchpoint)" : "") +
         (r.is_merge_point() ? " (mergepoint)" : "");
}

}  // namespace

std::vector<RevIndex> newest_first(const RevisionGraph& g) {
  // Post-order from the heads along down edges gives parents first with branches contiguous; reversed, newest
  // first.
  std::vector<RevIndex> order;
  std::vector<uint8_t> state(g.size(), 0);
  std::vector<std::pair<RevIndex, size_t>> stack;
  std::vector<RevIndex> starts = g.real_heads();
  for (RevIndex h : g.heads())
    if (std::find(starts.begin(), starts.end(), h) == starts.end()) starts.push_back(h);
  for (RevIndex s : starts) {
    if (state[s]) continue;
    state[s] = 1;
    stack.push_back({s, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& down = g.at(node).down;
      if (next < down.size()) {
        RevIndex d = down[next++];
        if (!state[d]) {
          state[d] = 1;
          stack.push_back({d, 0});
        }
        continue;
      }
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::reverse(order.begin(), order.end());
  return order;
}

std::string history_line(const RevisionGraph& g, RevIndex i, const std::vector<std::string>& current) {
  const Revision& r = g.at(i);
  std::string text = r.parents.empty() ? "<base>" : comma(g.ids(r.parents));
  if (!r.dependencies.empty()) text += " (" + comma(g.ids(r.dependencies)) + ")";
  text += " -> " + r.id() + labels_suffix(r) + head_markers(r, current) + tree_markers(r);
  return text + ", " + r.script.message;
}

std::string revision_text(const RevisionGraph& g, RevIndex i, const std::vector<std::string>& current) {
  const Revision& r = g.at(i);
  std::string text = "Rev: " + r.id() + labels_suffix(r) + head_markers(r, current) + tree_markers(r) + "\n";
  const std::string down = r.parents.empty() ? "<base>" : comma(g.ids(r.parents));
  text += (r.is_merge_point() ? "Merges: " : "Parent: ") + down + "\n";
  if (!r.dependencies.empty()) text += "Also depends on: " + comma(g.ids(r.dependencies)) + "\n";
  if (r.is_branch_point()) text += "Branches into: " + comma(g.ids(r.children)) + "\n";
  return text + "Path: " + r.script.file + "\n\n    " + r.script.message + "\n\n";
}

std::vector<std::string> branches_lines(const RevisionGraph& g, bool verbose) {
  std::vector<std::string> out;
  auto describe = [&](RevIndex i) {
    const Revision& r = g.at(i);
    return r.id() + labels_suffix(r) + head_markers(r, {}) + tree_markers(r) +
           (verbose ? ", " + r.script.message : "");
  };
  for (RevIndex b : g.branch_points()) {
    out.push_back(describe(b));
    for (RevIndex child : g.at(b).children)
      out.push_back(std::string(g.at(b).id().size(), ' ') + " -> " + describe(child));
  }
  return out;
}

std::vector<std::string> history_lines(const RevisionGraph& g, const std::vector<std::string>& current) {
  std::vector<std::string> out;
  for (RevIndex i : newest_first(g)) out.push_back(history_line(g, i, current));
  return out;
}

std::vector<std::string> heads_lines(const RevisionGraph& g, const std::vector<std::string>& current) {
  std::vector<std::string> out;
  for (RevIndex h : g.real_heads())
    out.push_back(g.at(h).id() + labels_suffix(g.at(h)) + head_markers(g.at(h), current));
  for (RevIndex h : g.heads())
    if (!g.at(h).dependents.empty())
      out.push_back(g.at(h).id() + labels_suffix(g.at(h)) + head_markers(g.at(h), current));
  return out;
}

namespace {

// Lanes of the text graph: each holds the revision expected next in that column.
class LaneDrawer {
 public:
  LaneDrawer(const RevisionGraph& g, const std::vector<std::string>& current) : g_(g), current_(current) {}

  std::string draw() {
    for (RevIndex r : newest_first(g_)) row(r);
    return out_;
  }

 private:
  void row(RevIndex r) {
    size_t col = lane_of(r);
    close_converging(r, col);
    std::string line;
    for (size_t k = 0; k < lanes_.size(); ++k) line += k == col ? "* " : (lanes_[k] ? "| " : "  ");
    out_ += line + describe(r) + "\n";
    open_parents(r, col);
    while (!lanes_.empty() && !lanes_.back()) lanes_.pop_back();
  }

  size_t lane_of(RevIndex r) {
    for (size_t k = 0; k < lanes_.size(); ++k)
      if (lanes_[k] == r) return k;
    return place(r);
  }

  size_t place(RevIndex r) {
    for (size_t k = 0; k < lanes_.size(); ++k)
      if (!lanes_[k]) {
        lanes_[k] = r;
        return k;
      }
    lanes_.push_back(r);
    return lanes_.size() - 1;
  }

  // Other lanes waiting for r (r is a branch point) join its lane: "|/".
  void close_converging(RevIndex r, size_t col) {
    std::vector<size_t> closing;
    for (size_t k = 0; k < lanes_.size(); ++k)
      if (k != col && lanes_[k] == r) closing.push_back(k);
    if (closing.empty()) return;
    out_ += junction(closing, col, '/', '\\') + "\n";
    for (size_t k : closing) lanes_[k] = std::nullopt;
    while (!lanes_.empty() && !lanes_.back()) lanes_.pop_back();
  }

  // r's first parent continues its lane; further parents (a merge) open lanes: "|\".
  void open_parents(RevIndex r, size_t col) {
    const auto& parents = g_.at(r).parents;
    lanes_[col] = parents.empty() ? std::nullopt : std::optional<RevIndex>(parents.front());
    std::vector<size_t> opened;
    for (size_t p = 1; p < parents.size(); ++p) {
      bool waiting = std::find(lanes_.begin(), lanes_.end(), parents[p]) != lanes_.end();
      if (!waiting) opened.push_back(place(parents[p]));
    }
    if (opened.empty()) return;
    out_ += junction(opened, col, '\\', '/') + "\n";
  }

  // A line joining lanes `moving` to lane `col` with diagonals between the columns ("|\", "|/ /"): `right`
  // for lanes right of col, `left` for lanes left of it. The moving lanes themselves are blank.
  std::string junction(const std::vector<size_t>& moving, size_t col, char right, char left) const {
    std::string line(2 * lanes_.size(), ' ');
    for (size_t k = 0; k < lanes_.size(); ++k) {
      bool moves = std::find(moving.begin(), moving.end(), k) != moving.end();
      if (!moves && lanes_[k]) line[2 * k] = '|';
      if (moves) line[k > col ? 2 * k - 1 : 2 * k + 1] = k > col ? right : left;
    }
    return rtrim(line);
  }

  std::string describe(RevIndex i) const {
    const Revision& r = g_.at(i);
    std::string text = r.id() + labels_suffix(r) + head_markers(r, current_) + tree_markers(r);
    if (!r.dependencies.empty()) text += " (depends on " + comma(g_.ids(r.dependencies)) + ")";
    return text + ", " + r.script.message;
  }

  static std::string rtrim(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }

  const RevisionGraph& g_;
  const std::vector<std::string>& current_;
  std::vector<std::optional<RevIndex>> lanes_;
  std::string out_;
};

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_graph_text(const RevisionGraph& g, const std::vector<std::string>& current) {
  return LaneDrawer(g, current).draw();
}

std::string render_graph_dot(const RevisionGraph& g, const std::vector<std::string>& current) {
  std::string out = "digraph revisions {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (RevIndex i = 0; i < g.size(); ++i) {
    const Revision& r = g.at(i);
    std::string label = r.id() + labels_suffix(r) + "\n" + r.script.message;
    std::string attrs = "label=" + dot_quote(label);
    std::vector<std::string> styles;
    if (r.is_head()) styles.push_back("bold");
    if (is_current(current, r.id())) {
      styles.push_back("filled");
      attrs += ", fillcolor=\"lightblue\"";
    }
    if (!styles.empty()) attrs += ", style=" + dot_quote(join(styles, ","));
    out += "  " + dot_quote(r.id()) + " [" + attrs + "];\n";
  }
  for (RevIndex i = 0; i < g.size(); ++i) {
    for (RevIndex p : g.at(i).parents)
      out += "  " + dot_quote(g.at(p).id()) + " -> " + dot_quote(g.at(i).id()) + ";\n";
    for (RevIndex d : g.at(i).dependencies)
      out += "  " + dot_quote(g.at(d).id()) + " -> " + dot_quote(g.at(i).id()) + " [style=dashed];\n";
  }
  return out + "}\n";
}

std::string statement_excerpt(std::string_view sql, int first_line, int line, int column, int context) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= sql.size();) {
    size_t end = sql.find('\n', start);
    if (end == std::string_view::npos) end = sql.size();
    lines.push_back(sql.substr(start, end - start));
    start = end + 1;
  }
  const int last_line = first_line + static_cast<int>(lines.size()) - 1;
  if (line < first_line || line > last_line) return "";
  // The statement holding the line bounds the excerpt: its first line, and the line before the next one.
  int from = first_line, to = last_line;
  for (const auto& statement : split_sql(sql, first_line)) {
    const int statement_end =
        statement.line + static_cast<int>(std::count(statement.sql.begin(), statement.sql.end(), '\n'));
    if (statement.line <= line && line <= statement_end) {
      from = statement.line;
      to = statement_end;
      break;
    }
  }
  from = std::max(from, line - context);
  to = std::min(to, line + context);
  const size_t width = std::to_string(to).size();
  std::string out;
  for (int n = from; n <= to; ++n) {
    std::string number = std::to_string(n);
    number.insert(0, width - number.size(), ' ');
    std::string text(lines[static_cast<size_t>(n - first_line)]);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    out += (n == line ? "  > " : "    ") + number + " | " + text + "\n";
    if (n == line && column > 0) {
      // Under the column: the characters before it as blanks (tabs kept, so the caret lines up).
      std::string under;
      int characters = 0;
      for (char c : text) {
        if (characters >= column - 1) break;
        if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte
        under += c == '\t' ? '\t' : ' ';
        ++characters;
      }
      out += "    " + std::string(width, ' ') + " | " + under + "^\n";
    }
  }
  return out;
}

}  // namespace pgrevise::revision
