#include "revision/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// History lines follow `alembic history` (Alembic 1.8) for the same shapes: down revisions, dependencies in
// parentheses, labels, then (head) / (branchpoint) / (mergepoint), then the message.
TEST(Render, HistoryNewestFirstLikeAlembic) {
  auto g = graph_of(example_shape());
  auto lines = history_lines(g, {"0010"});
  ASSERT_EQ(lines.size(), 16u);
  EXPECT_EQ(lines[0], "0015 -> 0016 (billing, reporting) (head), step 0016");
  EXPECT_EQ(lines[1], "0010, 0014 -> 0015 (billing, reporting) (mergepoint), step 0015");
  EXPECT_EQ(lines[2], "0013 (0008) -> 0014 (reporting), step 0014");
  EXPECT_EQ(lines[6], "0009 -> 0010 (billing) (current), step 0010");
  EXPECT_EQ(lines[10], "0005 -> 0006 (branchpoint), step 0006");
  EXPECT_EQ(lines[15], "<base> -> 0001, step 0001");
}

TEST(Render, NewestFirstPutsChildrenBeforeParents) {
  auto g = graph_of(depends_on_across_branches());
  auto order = g.ids(newest_first(g));
  ASSERT_EQ(order.size(), 5u);
  auto pos = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
  EXPECT_LT(pos("aaa3"), pos("bbb1"));
  EXPECT_LT(pos("bbb2"), pos("aaa2"));
  EXPECT_LT(pos("aaa2"), pos("aaa1"));
}

TEST(Render, HeadsListing) {
  auto g = graph_of(depends_on_across_branches());
  EXPECT_THAT(heads_lines(g, {"bbb2"}), ElementsAre("aaa3 (alpha) (head)", "bbb2 (beta) (head) (current)"));
  auto d = graph_of({{"aaa1"}, {"ccc1", {}, {}, {"aaa1"}}});
  EXPECT_THAT(heads_lines(d), ElementsAre("ccc1 (head)", "aaa1 (effective head)"));
}

TEST(Render, TextGraphWithBranchAndMerge) {
  auto g = graph_of(diamond());
  EXPECT_EQ(render_graph_text(g, {"left1", "right1"}),
            "* dtop (left, right) (head), step dtop\n"
            "* dmerge (left, right) (mergepoint), step dmerge\n"
            "|\\\n"
            "| * right1 (right) (current), step right1\n"
            "* | left1 (left) (current), step left1\n"
            "|/\n"
            "* dbase (branchpoint), step dbase\n");
}

TEST(Render, TextGraphMergeOfThreeAndSeveralHeads) {
  EXPECT_EQ(render_graph_text(graph_of(merge_of_three())),
            "* after (head), step after\n"
            "* mthree (mergepoint), step mthree\n"
            "|\\ \\\n"
            "| | * rrr1, step rrr1\n"
            "| * | qqq1, step qqq1\n"
            "* | | ppp1, step ppp1\n"
            "|/ /\n"
            "* root (branchpoint), step root\n");
  EXPECT_EQ(render_graph_text(graph_of(several_heads())),
            "* dee2 (dbr) (head), step dee2\n"
            "* dee1 (dbr), step dee1\n"
            "| * cee2 (cbr) (head), step cee2\n"
            "| * cee1 (cbr), step cee1\n"
            "|/\n"
            "* hb01 (branchpoint), step hb01\n"
            "* hb00, step hb00\n");
}

TEST(Render, TextGraphOfADeepChainHasOneLinePerRevision) {
  auto g = graph_of(deep_chain(10000));
  std::string text = render_graph_text(g);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10000);
}

TEST(Render, DotGraph) {
  auto specs = depends_on_across_branches();
  auto scripts = scripts_of(specs);
  scripts[0].message = "say \"hi\"";
  auto g = RevisionGraph::build(scripts);
  std::string dot = render_graph_dot(g, {"aaa1"});
  EXPECT_THAT(dot, HasSubstr("digraph revisions {\n  rankdir=BT;\n"));
  EXPECT_THAT(dot, HasSubstr("  \"aaa1\" [label=\"aaa1 (alpha)\\nsay \\\"hi\\\"\", fillcolor=\"lightblue\", "
                             "style=\"filled\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"aaa3\" [label=\"aaa3 (alpha)\\nstep aaa3\", style=\"bold\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"aaa1\" -> \"aaa2\";\n"));
  EXPECT_THAT(dot, HasSubstr("  \"bbb1\" -> \"aaa3\" [style=dashed];\n"));
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}

// An error's excerpt: the failing statement only, at most two lines either side of the failing one, the
// column the server pointed at marked under it.
TEST(Render, StatementExcerptShowsTheFailingLineOfItsStatement) {
  const std::string sql =
      "CREATE TABLE a (id int);\n"  // line 10
      "UPDATE users\n"
      "   SET nme = 1,\n"
      "       x = 2\n"
      "\tWHERE id = 1\n"
      "   AND y = 3\n"
      "   AND z = 4;\n"  // line 16
      "DROP TABLE b;\n";
  EXPECT_EQ(statement_excerpt(sql, 10, 12, 8),
            "    11 | UPDATE users\n"
            "  > 12 |    SET nme = 1,\n"
            "       |        ^\n"
            "    13 |        x = 2\n"
            "    14 | \tWHERE id = 1\n");
  EXPECT_EQ(statement_excerpt(sql, 10, 14, 3),
            "    12 |    SET nme = 1,\n"
            "    13 |        x = 2\n"
            "  > 14 | \tWHERE id = 1\n"
            "       | \t ^\n"
            "    15 |    AND y = 3\n"
            "    16 |    AND z = 4;\n");
  EXPECT_EQ(statement_excerpt(sql, 10, 10), "  > 10 | CREATE TABLE a (id int);\n");
  EXPECT_EQ(statement_excerpt("SELECT 'é', nope;", 1, 1, 13),
            "  > 1 | SELECT 'é', nope;\n      |             ^\n");
  EXPECT_EQ(statement_excerpt(sql, 10, 30), "");
  EXPECT_EQ(statement_excerpt(sql, 10, 0), "");
}

}  // namespace
}  // namespace pgrevise::revision
