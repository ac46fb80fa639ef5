// Fuzzes target resolution (revision/target.h) on a graph with every feature: two bases, a branch point,
// branch labels, depends_on across branches, a merge and several heads. The first input byte picks the
// database's current heads (any combination: the version table may hold anything); the rest is the target.
// Resolution either succeeds with revisions of the graph or throws RevisionError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "revision/target.h"

using namespace pgrevise::revision;

namespace {

Script script(std::string id, std::vector<std::string> down, std::vector<std::string> labels = {},
              std::vector<std::string> depends_on = {}) {
  Script s;
  s.revision = std::move(id);
  s.down_revisions = std::move(down);
  s.branch_labels = std::move(labels);
  s.depends_on = std::move(depends_on);
  s.file = s.revision + ".sql";
  s.upgrade.sql = "SELECT 1;\n";
  return s;
}

const RevisionGraph& graph() {
  static const RevisionGraph g = RevisionGraph::build({
      script("0001", {}),
      script("0002", {"0001"}),
      script("0003", {"0002"}, {"billing"}),
      script("0004", {"0003"}),
      script("0005", {"0002"}, {"reporting"}),
      script("0006", {"0005"}, {}, {"0004"}),
      script("0007", {"0004", "0006"}),
      script("0008", {"0007"}),
      script("abc123", {"0008"}),
      script("abc456", {"0008"}, {"side"}),
      script("x1", {}, {"other"}),
      script("x2", {"x1"}),
  });
  return g;
}

void check_indices(const std::vector<RevIndex>& revisions) {
  for (RevIndex r : revisions) FUZZ_CHECK(r < graph().size());
}

template <typename F>
void expect_result_or_revision_error(F&& f) {
  try {
    f();
  } catch (const RevisionError& e) {
    FUZZ_CHECK(e.what() != nullptr && *e.what() != '\0');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const RevisionGraph& g = graph();
  std::vector<RevIndex> current;
  for (RevIndex i = 0; i < 8; ++i)
    if (data[0] & (1u << i)) current.push_back((i * 3 + data[0] / 64) % static_cast<RevIndex>(g.size()));
  const std::string_view target(reinterpret_cast<const char*>(data) + 1, size - 1);

  expect_result_or_revision_error([&] { check_indices(resolve_revisions(g, target)); });
  expect_result_or_revision_error([&] {
    if (auto r = resolve_revision(g, target)) FUZZ_CHECK(*r < g.size());
  });
  expect_result_or_revision_error([&] { check_indices(resolve_upgrade_target(g, target, current)); });
  expect_result_or_revision_error([&] {
    auto d = resolve_downgrade_target(g, target, current);
    if (d.revision) FUZZ_CHECK(*d.revision < g.size());
  });
  expect_result_or_revision_error([&] { FUZZ_CHECK(resolve_branch(g, target) < g.size()); });
  expect_result_or_revision_error(
      [&] { check_indices(filter_for_lineage(g, current, target, data[0] & 1)); });
  return 0;
}
