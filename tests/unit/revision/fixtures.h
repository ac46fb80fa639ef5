#pragma once

// Revision graphs named by shape, shared by the revision module's tests. The same shapes were run through
// Alembic 1.8 (python3-alembic) on PostgreSQL with revisions that do nothing, to record the version-table
// rows the expectations in plan_test.cpp use.

#include <string>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision::testing {

struct Spec {
  std::string revision;
  std::vector<std::string> down = {};
  std::vector<std::string> labels = {};
  std::vector<std::string> depends_on = {};
};

inline std::vector<Script> scripts_of(const std::vector<Spec>& specs) {
  std::vector<Script> out;
  for (const auto& s : specs) {
    Script script;
    script.revision = s.revision;
    script.down_revisions = s.down;
    script.branch_labels = s.labels;
    script.depends_on = s.depends_on;
    script.message = "step " + s.revision;
    script.file = s.revision + ".sql";
    script.upgrade.sql = "SELECT 1;\n";
    out.push_back(std::move(script));
  }
  return out;
}

inline RevisionGraph graph_of(const std::vector<Spec>& specs) {
  return RevisionGraph::build(scripts_of(specs));
}

// lin1 -> lin2 -> lin3 -> lin4
inline std::vector<Spec> linear() {
  return {{"lin1"}, {"lin2", {"lin1"}}, {"lin3", {"lin2"}}, {"lin4", {"lin3"}}};
}

// dbase -> left1 (label left), right1 (label right) -> dmerge -> dtop
inline std::vector<Spec> diamond() {
  return {{"dbase"},
          {"left1", {"dbase"}, {"left"}},
          {"right1", {"dbase"}, {"right"}},
          {"dmerge", {"left1", "right1"}},
          {"dtop", {"dmerge"}}};
}

// xone (label xb) -> xtwo;  yone (label yb) -> ytwo
inline std::vector<Spec> several_bases() {
  return {{"xone", {}, {"xb"}}, {"xtwo", {"xone"}}, {"yone", {}, {"yb"}}, {"ytwo", {"yone"}}};
}

// hb00 -> hb01 -> cee1 (label cbr) -> cee2;  hb01 -> dee1 (label dbr) -> dee2
inline std::vector<Spec> several_heads() {
  return {{"hb00"},           {"hb01", {"hb00"}},          {"cee1", {"hb01"}, {"cbr"}},
          {"cee2", {"cee1"}}, {"dee1", {"hb01"}, {"dbr"}}, {"dee2", {"dee1"}}};
}

// root -> ppp1, qqq1, rrr1 -> mthree -> after
inline std::vector<Spec> merge_of_three() {
  return {{"root"},
          {"ppp1", {"root"}},
          {"qqq1", {"root"}},
          {"rrr1", {"root"}},
          {"mthree", {"ppp1", "qqq1", "rrr1"}},
          {"after", {"mthree"}}};
}

// aaa1 (label alpha) -> aaa2 -> aaa3 (depends on bbb1);  bbb1 (label beta) -> bbb2 (depends on aaa2)
inline std::vector<Spec> depends_on_across_branches() {
  return {{"aaa1", {}, {"alpha"}},
          {"aaa2", {"aaa1"}},
          {"aaa3", {"aaa2"}, {}, {"bbb1"}},
          {"bbb1", {}, {"beta"}},
          {"bbb2", {"bbb1"}, {}, {"aaa2"}}};
}

// The example set's shape (migrations/): 0001..0006, billing 0007..0010, reporting 0011..0014 (0014 depends
// on 0008), merge 0015, then 0016.
inline std::vector<Spec> example_shape() {
  std::vector<Spec> s = {{"0001"}};
  for (int i = 2; i <= 6; ++i) s.push_back({"000" + std::to_string(i), {"000" + std::to_string(i - 1)}});
  s.push_back({"0007", {"0006"}, {"billing"}});
  s.push_back({"0008", {"0007"}});
  s.push_back({"0009", {"0008"}});
  s.push_back({"0010", {"0009"}});
  s.push_back({"0011", {"0006"}, {"reporting"}});
  s.push_back({"0012", {"0011"}});
  s.push_back({"0013", {"0012"}});
  s.push_back({"0014", {"0013"}, {}, {"0008"}});
  s.push_back({"0015", {"0010", "0014"}});
  s.push_back({"0016", {"0015"}});
  return s;
}

// r00000 -> r00001 -> ... (n revisions)
inline std::vector<Spec> deep_chain(int n) {
  std::vector<Spec> s;
  s.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string id = "r" + std::to_string(100000 + i);
    if (i == 0)
      s.push_back({id});
    else
      s.push_back({id, {"r" + std::to_string(100000 + i - 1)}});
  }
  return s;
}

}  // namespace pgrevise::revision::testing
