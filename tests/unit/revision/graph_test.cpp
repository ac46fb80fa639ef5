#include "revision/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> ids(const RevisionGraph& g, const std::vector<RevIndex>& v) {
  return g.ids(v);
}

RevisionError build_error(const std::vector<Spec>& specs) {
  try {
    graph_of(specs);
  } catch (const RevisionError& e) {
    return e;
  }
  ADD_FAILURE() << "graph accepted";
  return RevisionError(RevisionErrorCode::kParse, "none");
}

TEST(Graph, Linear) {
  auto g = graph_of(linear());
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("lin4"));
  EXPECT_THAT(ids(g, g.real_heads()), ElementsAre("lin4"));
  EXPECT_THAT(ids(g, g.bases()), ElementsAre("lin1"));
  EXPECT_THAT(g.branch_points(), IsEmpty());
  EXPECT_THAT(g.merge_points(), IsEmpty());
  EXPECT_THAT(ids(g, g.topological_order()), ElementsAre("lin1", "lin2", "lin3", "lin4"));
  EXPECT_TRUE(g.is_ancestor(g.index_of("lin1"), g.index_of("lin4")));
  EXPECT_FALSE(g.is_ancestor(g.index_of("lin4"), g.index_of("lin1")));
}

TEST(Graph, DiamondBranchAndMergePointsAndLabels) {
  auto g = graph_of(diamond());
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("dtop"));
  EXPECT_THAT(ids(g, g.branch_points()), ElementsAre("dbase"));
  EXPECT_THAT(ids(g, g.merge_points()), ElementsAre("dmerge"));
  EXPECT_THAT(ids(g, g.at(g.index_of("dbase")).children), ElementsAre("left1", "right1"));
  // Labels reach descendants (through the merge) but not the branch point below them.
  EXPECT_THAT(g.at(g.index_of("dtop")).branch_labels, ElementsAre("left", "right"));
  EXPECT_THAT(g.at(g.index_of("left1")).branch_labels, ElementsAre("left"));
  EXPECT_THAT(g.at(g.index_of("dbase")).branch_labels, IsEmpty());
  EXPECT_EQ(g.label_owner("right"), g.find("right1"));
  EXPECT_TRUE(g.shares_lineage(g.index_of("left1"), g.index_of("dtop")));
  EXPECT_FALSE(g.shares_lineage(g.index_of("left1"), g.index_of("right1")));
}

TEST(Graph, LabelsReachDownTheBranchToItsBranchPoint) {
  auto g = graph_of({{"b0"}, {"b1", {"b0"}}, {"x1", {"b1"}}, {"x2", {"x1"}, {"xl"}}, {"y1", {"b1"}}});
  EXPECT_THAT(g.at(g.index_of("x1")).branch_labels, ElementsAre("xl"));
  EXPECT_THAT(g.at(g.index_of("b1")).branch_labels, IsEmpty());
}

TEST(Graph, SeveralBasesAndSeveralHeads) {
  auto g = graph_of(several_bases());
  EXPECT_THAT(ids(g, g.bases()), ElementsAre("xone", "yone"));
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("xtwo", "ytwo"));
  auto h = graph_of(several_heads());
  EXPECT_THAT(ids(h, h.heads()), ElementsAre("cee2", "dee2"));
  EXPECT_THAT(ids(h, h.branch_points()), ElementsAre("hb01"));
}

TEST(Graph, MergeOfThree) {
  auto g = graph_of(merge_of_three());
  const Revision& m = g.at(g.index_of("mthree"));
  EXPECT_TRUE(m.is_merge_point());
  EXPECT_THAT(ids(g, m.parents), ElementsAre("ppp1", "qqq1", "rrr1"));
  EXPECT_THAT(ids(g, g.collect({g.index_of("mthree")}, Edges::kParents)),
              UnorderedElementsAre("mthree", "ppp1", "qqq1", "rrr1", "root"));
}

TEST(Graph, DependenciesAcrossBranches) {
  auto g = graph_of(depends_on_across_branches());
  // aaa3 depends on bbb1 and bbb2 on aaa2: both branches stay heads, but only bbb2 and aaa3 are real heads.
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("aaa3", "bbb2"));
  EXPECT_THAT(ids(g, g.real_heads()), ElementsAre("aaa3", "bbb2"));
  EXPECT_THAT(ids(g, g.at(g.index_of("bbb2")).down), ElementsAre("bbb1", "aaa2"));
  EXPECT_THAT(ids(g, g.at(g.index_of("aaa2")).dependents), ElementsAre("bbb2"));
  EXPECT_TRUE(g.is_ancestor(g.index_of("aaa1"), g.index_of("bbb2")));
  EXPECT_FALSE(g.is_ancestor(g.index_of("aaa1"), g.index_of("bbb2"), Edges::kParents));
  auto topo = ids(g, g.topological_order());
  auto pos = [&](const std::string& id) { return std::find(topo.begin(), topo.end(), id) - topo.begin(); };
  EXPECT_LT(pos("bbb1"), pos("aaa3"));
  EXPECT_LT(pos("aaa2"), pos("bbb2"));
}

TEST(Graph, DependencyByLabelAndPrefixAndNormalisation) {
  // c2's dependency on a1 is implied by its parent c1's, so it is not one of c2's own down revisions.
  auto g = graph_of({{"aaa1", {}, {"alpha"}}, {"ccc1", {}, {}, {"alpha"}}, {"ccc2", {"ccc1"}, {}, {"aaa"}}});
  EXPECT_THAT(ids(g, g.at(g.index_of("ccc1")).dependencies), ElementsAre("aaa1"));
  EXPECT_THAT(ids(g, g.at(g.index_of("ccc2")).dependencies), ElementsAre("aaa1"));
  EXPECT_THAT(ids(g, g.at(g.index_of("ccc2")).down), ElementsAre("ccc1"));
  EXPECT_THAT(ids(g, g.real_heads()), ElementsAre("ccc2"));
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("aaa1", "ccc2"));
}

TEST(Graph, DeepChainOfTenThousandNeedsNoRecursion) {
  auto g = graph_of(deep_chain(10000));
  RevIndex head = g.heads().front();
  EXPECT_EQ(g.collect({head}, Edges::kDown).size(), 10000u);
  EXPECT_EQ(g.collect(g.bases(), Edges::kChildrenAndDependents).size(), 10000u);
  EXPECT_EQ(g.topological_order().size(), 10000u);
  EXPECT_TRUE(g.is_ancestor(g.bases().front(), head));
}

TEST(GraphErrors, MissingParentNamesRevisionAndMissingId) {
  auto e = build_error({{"a1"}, {"a2", {"a1", "nope"}}});
  EXPECT_EQ(e.code(), RevisionErrorCode::kMissingParent);
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  // a2 still descends from a1, so nothing is cut off from the bases.
  EXPECT_STREQ(e.what(), "a2.sql: revision a2 names down_revision 'nope', which no migration file declares");
  auto cut = build_error({{"a1"}, {"a2", {"nope"}}, {"a3", {"a2"}}});
  ASSERT_EQ(cut.problems().size(), 2u);
  EXPECT_EQ(cut.problems()[1].code, RevisionErrorCode::kUnreachable);
  EXPECT_EQ(cut.problems()[1].to_string(), "2 revisions cannot be reached from any base: a2, a3");
}

TEST(GraphErrors, CycleWithItsPath) {
  auto e = build_error({{"base"}, {"c1", {"c3"}}, {"c2", {"c1"}}, {"c3", {"c2"}}, {"after", {"c3"}}});
  EXPECT_EQ(e.code(), RevisionErrorCode::kCycleDetected);
  ASSERT_EQ(e.details().size(), 4u);
  EXPECT_EQ(e.details().front(), e.details().back());
  EXPECT_THAT(e.what(), HasSubstr("cycle in the revision graph: "));
  EXPECT_THAT(std::vector<std::string>(e.details().begin(), e.details().end() - 1),
              UnorderedElementsAre("c1", "c2", "c3"));
  EXPECT_EQ(e.problems().back().message, "4 revisions cannot be reached from any base: c1, c2, c3, after");
  EXPECT_EQ(build_error({{"self", {"self"}}}).code(), RevisionErrorCode::kCycleDetected);
  EXPECT_EQ(build_error({{"d1", {}, {}, {"d2"}}, {"d2", {}, {}, {"d1"}}}).code(),
            RevisionErrorCode::kCycleDetected);
}

TEST(GraphErrors, DuplicatesLabelsAndDependencies) {
  EXPECT_EQ(build_error({{"a1"}, {"a1"}}).code(), RevisionErrorCode::kDuplicateRevision);
  auto label = build_error({{"a1", {}, {"x"}}, {"a2", {"a1"}, {"x"}}});
  EXPECT_EQ(label.code(), RevisionErrorCode::kDuplicateLabel);
  EXPECT_THAT(label.what(), HasSubstr("branch label 'x' of revision a2 is already used by revision a1"));
  EXPECT_EQ(build_error({{"a1", {}, {"a1"}}}).code(), RevisionErrorCode::kDuplicateLabel);
  auto dep = build_error({{"abc1"}, {"abc2"}, {"zz", {}, {}, {"abc"}}, {"yy", {}, {}, {"nothing"}}});
  EXPECT_EQ(dep.code(), RevisionErrorCode::kUnknownDependency);
  ASSERT_EQ(dep.problems().size(), 2u);
  EXPECT_THAT(dep.problems()[0].message, HasSubstr("an ambiguous prefix (abc1, abc2)"));
  EXPECT_THAT(dep.problems()[1].message,
              HasSubstr("depends_on 'nothing', which is no revision or branch label"));
}

TEST(GraphErrors, AllProblemsAtOnce) {
  auto e = build_error({{"a1", {"m1"}}, {"a2", {"m2"}}, {"a2"}, {"a3", {"a1"}}});
  ASSERT_EQ(e.problems().size(), 4u);
  EXPECT_EQ(e.problems()[0].code, RevisionErrorCode::kDuplicateRevision);
  EXPECT_EQ(e.problems()[1].code, RevisionErrorCode::kMissingParent);
  EXPECT_EQ(e.problems()[2].code, RevisionErrorCode::kMissingParent);
  EXPECT_EQ(e.problems()[3].message, "3 revisions cannot be reached from any base: a1, a2, a3");
}

TEST(AppliedState, ComparesVersionRowsWithTheGraph) {
  auto g = graph_of(several_heads());
  auto state = applied_state(g, {"cee1", "hb01", "ghost"});
  EXPECT_THAT(state.unknown, ElementsAre("ghost"));
  EXPECT_THAT(state.redundant, ElementsAre("hb01"));
  EXPECT_TRUE(state.applied[g.index_of("hb00")]);
  EXPECT_FALSE(state.applied[g.index_of("dee1")]);
  try {
    current_heads(g, {"cee1", "ghost"});
    FAIL();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kUnknownCurrent);
    EXPECT_THAT(e.what(),
                HasSubstr("version table names revision 'ghost', which no migration file declares"));
  }
}

}  // namespace
}  // namespace pgrevise::revision
