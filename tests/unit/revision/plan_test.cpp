#include "revision/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "id: change, change" per step, for compact expectations.
std::vector<std::string> describe(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps) {
    std::string line = (step.direction == Direction::kUpgrade ? "+" : "-") + step.revision_id + ":";
    for (const auto& c : step.version_changes) line += " " + c.to_string() + ";";
    out.push_back(line);
  }
  return out;
}

// The row changes below are those Alembic 1.8's HeadMaintainer makes for the same steps (checked by running
// Alembic on the same shapes); where Alembic picks a survivor of a merge in set order, the survivor here is
// the first down_revision, which leaves the same rows.

TEST(PlanUpgrade, LinearFromBase) {
  auto g = graph_of(linear());
  Plan p = plan_upgrade(g, "lin3", {});
  EXPECT_THAT(describe(p), ElementsAre("+lin1: insert lin1;", "+lin2: update lin1 -> lin2;",
                                       "+lin3: update lin2 -> lin3;"));
  EXPECT_THAT(p.heads_before, IsEmpty());
  EXPECT_THAT(p.heads_after, ElementsAre("lin3"));
  EXPECT_THAT(p.steps[1].heads_after, ElementsAre("lin2"));
  EXPECT_EQ(p.steps[0].revision, g.index_of("lin1"));
}

TEST(PlanUpgrade, NothingToDo) {
  auto g = graph_of(linear());
  Plan p = plan_upgrade(g, "heads", {"lin4"});
  EXPECT_TRUE(p.empty());
  EXPECT_THAT(p.heads_after, ElementsAre("lin4"));
  EXPECT_TRUE(plan_upgrade(g, "lin2", {"lin4"}).empty());
}

TEST(PlanUpgrade, DiamondCreatesABranchThenMergesIt) {
  auto g = graph_of(diamond());
  EXPECT_THAT(
      describe(plan_upgrade(g, "heads", {})),
      ElementsAre("+dbase: insert dbase;", "+left1: update dbase -> left1;", "+right1: insert right1;",
                  "+dmerge: delete right1; update left1 -> dmerge;", "+dtop: update dmerge -> dtop;"));
}

TEST(PlanUpgrade, MergeOfThree) {
  auto g = graph_of(merge_of_three());
  EXPECT_THAT(
      describe(plan_upgrade(g, "mthree", {"ppp1", "qqq1"})),
      ElementsAre("+rrr1: insert rrr1;", "+mthree: delete qqq1; delete rrr1; update ppp1 -> mthree;"));
}

TEST(PlanUpgrade, SeveralBases) {
  auto g = graph_of(several_bases());
  EXPECT_THAT(
      describe(plan_upgrade(g, "heads", {"xone"})),
      ElementsAre("+xtwo: update xone -> xtwo;", "+yone: insert yone;", "+ytwo: update yone -> ytwo;"));
  EXPECT_THAT(describe(plan_upgrade(g, "yb@head", {"xone"})),
              ElementsAre("+yone: insert yone;", "+ytwo: update yone -> ytwo;"));
}

TEST(PlanUpgrade, DependencyThatIsAHeadIsMergedAway) {
  auto g = graph_of(depends_on_across_branches());
  Plan p = plan_upgrade(g, "bbb2", {});
  EXPECT_THAT(describe(p),
              ElementsAre("+bbb1: insert bbb1;", "+aaa1: insert aaa1;", "+aaa2: update aaa1 -> aaa2;",
                          "+bbb2: delete aaa2; update bbb1 -> bbb2;"));
  EXPECT_THAT(p.heads_after, ElementsAre("bbb2"));
  // A dependency that is no longer a head is not touched.
  EXPECT_THAT(describe(plan_upgrade(g, "aaa3", {"bbb2"})), ElementsAre("+aaa3: insert aaa3;"));
}

TEST(PlanUpgrade, OneBranchViaLabelHeadRunsEachBranchInTurn) {
  auto g = graph_of(example_shape());
  Plan p = plan_upgrade(g, "billing@head", {});
  std::vector<std::string> order;
  for (const auto& s : p.steps) order.push_back(s.revision_id);
  EXPECT_THAT(order, ElementsAre("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009",
                                 "0010", "0011", "0012", "0013", "0014", "0015", "0016"));
  EXPECT_THAT(describe(p)[10], "+0011: insert 0011;");
  EXPECT_THAT(describe(p)[13], "+0014: update 0013 -> 0014;");
  EXPECT_THAT(describe(p)[14], "+0015: delete 0014; update 0010 -> 0015;");
}

TEST(PlanUpgrade, HeadWithSeveralHeadsIsRefused) {
  auto g = graph_of(several_heads());
  try {
    plan_upgrade(g, "head", {});
    FAIL();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kMultipleHeads);
  }
}

TEST(PlanUpgrade, UnknownVersionRowIsAnError) {
  auto g = graph_of(linear());
  try {
    plan_upgrade(g, "heads", {"lin1", "ghost"});
    FAIL();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kUnknownCurrent);
    EXPECT_THAT(e.details(), ElementsAre("ghost"));
  }
}

TEST(PlanDowngrade, DiamondUnmergesThenDeletesTheBranch) {
  auto g = graph_of(diamond());
  EXPECT_THAT(describe(plan_downgrade(g, "dbase", {"dtop"})),
              ElementsAre("-dtop: update dtop -> dmerge;", "-dmerge: update dmerge -> left1; insert right1;",
                          "-right1: delete right1;", "-left1: update left1 -> dbase;"));
  EXPECT_THAT(describe(plan_downgrade(g, "base", {"dbase"})), ElementsAre("-dbase: delete dbase;"));
}

TEST(PlanDowngrade, MergeOfThreeUnmergesIntoThreeRows) {
  auto g = graph_of(merge_of_three());
  Plan p = plan_downgrade(g, "ppp1", {"mthree"});
  EXPECT_THAT(describe(p), ElementsAre("-mthree: update mthree -> ppp1; insert qqq1; insert rrr1;"));
  EXPECT_THAT(p.heads_after, ElementsAre("ppp1", "qqq1", "rrr1"));
}

TEST(PlanDowngrade, OnlyTheTargetsDescendantsGo) {
  auto g = graph_of(example_shape());
  Plan p = plan_downgrade(g, "0011", {"0016"});
  std::vector<std::string> order;
  for (const auto& s : p.steps) order.push_back(s.revision_id);
  EXPECT_THAT(order, ElementsAre("0016", "0015", "0014", "0013", "0012"));
  EXPECT_THAT(p.heads_after, ElementsAre("0010", "0011"));
}

TEST(PlanDowngrade, WhatDependsOnTheRemovedGoesToo) {
  auto g = graph_of(depends_on_across_branches());
  // bbb2 depends on aaa2: removing aaa2 removes bbb2 first.
  EXPECT_THAT(describe(plan_downgrade(g, "aaa1", {"bbb2"})),
              ElementsAre("-bbb2: update bbb2 -> bbb1; insert aaa2;", "-aaa2: update aaa2 -> aaa1;"));
  // aaa3's down revisions are still implied by bbb2: its row just goes.
  EXPECT_THAT(describe(plan_downgrade(g, "aaa2", {"aaa3", "bbb2"})), ElementsAre("-aaa3: delete aaa3;"));
}

TEST(PlanDowngrade, TargetNotBelowTheCurrentHeadsIsRefused) {
  auto g = graph_of(several_heads());
  try {
    plan_downgrade(g, "cee1", {"hb00"});
    FAIL();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kRangeNotAncestor);
    EXPECT_STREQ(e.what(), "Destination cee1 is not a valid downgrade target from current head(s) hb00");
    EXPECT_THAT(e.details(), ElementsAre("cee1"));
  }
  EXPECT_TRUE(plan_downgrade(g, "cee2", {"cee2", "dee2"}).empty());
}

TEST(PlanDowngrade, LabelBaseRemovesOnlyThatBranchWhenBasesDiffer) {
  auto g = graph_of(several_bases());
  Plan p = plan_downgrade(g, "xb@base", {"xtwo", "ytwo"});
  EXPECT_THAT(describe(p), ElementsAre("-xtwo: update xtwo -> xone;", "-xone: delete xone;"));
  EXPECT_THAT(p.heads_after, ElementsAre("ytwo"));
}

TEST(PlanDeepChain, TenThousandStepsBothWays) {
  auto g = graph_of(deep_chain(10000));
  Plan up = plan_upgrade(g, "heads", {});
  ASSERT_EQ(up.steps.size(), 10000u);
  EXPECT_THAT(describe(up).front(), "+r100000: insert r100000;");
  EXPECT_THAT(describe(up).back(), "+r109999: update r109998 -> r109999;");
  Plan down = plan_downgrade(g, "base", up.heads_after);
  ASSERT_EQ(down.steps.size(), 10000u);
  EXPECT_THAT(describe(down).back(), "-r100000: delete r100000;");
  EXPECT_THAT(down.heads_after, IsEmpty());
}

TEST(PlanStamp, ReplacesHeadsOnTheTargetsLineageOnly) {
  auto g = graph_of(several_heads());
  StampPlan p = plan_stamp(g, "dee1", {"cee2", "dee2"});
  EXPECT_THAT(p.heads_after, ElementsAre("cee2", "dee1"));
  EXPECT_THAT(p.version_changes, ElementsAre(VersionChange::remove("dee2"), VersionChange::insert("dee1")));
  EXPECT_THAT(plan_stamp(g, "hb00", {"cee2", "dee1"}).heads_after, ElementsAre("hb00"));
  EXPECT_THAT(plan_stamp(g, "heads", {}).heads_after, ElementsAre("cee2", "dee2"));
  EXPECT_THAT(plan_stamp(g, "base", {"cee2", "dee2"}).heads_after, IsEmpty());
  EXPECT_TRUE(plan_stamp(g, "cee2", {"cee2", "dee2"}).version_changes.empty());
}

TEST(PlanStamp, LabelBaseAndDependencies) {
  auto g = graph_of(several_bases());
  EXPECT_THAT(plan_stamp(g, "yb@base", {"xtwo", "yone"}).heads_after, ElementsAre("xtwo"));
  auto d = graph_of(depends_on_across_branches());
  // bbb2 depends on aaa2, so stamping aaa1 replaces both heads.
  EXPECT_THAT(plan_stamp(d, "aaa1", {"aaa3", "bbb2"}).heads_after, ElementsAre("aaa1"));
}

TEST(PlanStamp, PurgeStartsFromAnEmptyTableAndToleratesUnknownRows) {
  auto g = graph_of(several_bases());
  StampPlan p = plan_stamp(g, "xone", {"ytwo", "ghost"}, /*purge=*/true);
  EXPECT_THAT(p.heads_before, ElementsAre("ghost", "ytwo"));
  EXPECT_THAT(p.heads_after, ElementsAre("xone"));
  EXPECT_THAT(p.version_changes, ElementsAre(VersionChange::remove("ghost"), VersionChange::remove("ytwo"),
                                             VersionChange::insert("xone")));
  try {
    plan_stamp(g, "xone", {"ghost"});
    FAIL();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kUnknownCurrent);
  }
}

}  // namespace
}  // namespace pgrevise::revision

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;

TEST(PlanToTarget, UpgradeOnlyWhenTheTargetIsAhead) {
  auto g = graph_of(example_shape());
  Plan p = plan_to_target(g, "heads", {"0010", "0013"});
  EXPECT_EQ(downgrade_step_count(p), 0u);
  EXPECT_THAT(p.heads_after, ElementsAre("0016"));
  EXPECT_TRUE(plan_to_target(g, "heads", {"0016"}).empty());
}

TEST(PlanToTarget, GoingBackDowngradesWhatTheTargetDoesNotNeed) {
  auto g = graph_of(example_shape());
  // From the merged head back to billing's 0010: reporting's revisions and the merge go, children first.
  Plan p = plan_to_target(g, "0010", {"0016"});
  std::vector<std::string> order;
  for (const auto& s : p.steps)
    order.push_back(std::string(s.direction == Direction::kUpgrade ? "+" : "-") + s.revision_id);
  EXPECT_THAT(order, ElementsAre("-0016", "-0015", "-0014", "-0013", "-0012", "-0011"));
  EXPECT_EQ(downgrade_step_count(p), 6u);
  EXPECT_THAT(p.heads_after, ElementsAre("0010"));
  // Sideways: from billing's head to reporting's 0013 removes billing's own revisions and applies
  // reporting's.
  Plan side = plan_to_target(g, "0013", {"0010"});
  order.clear();
  for (const auto& s : side.steps)
    order.push_back(std::string(s.direction == Direction::kUpgrade ? "+" : "-") + s.revision_id);
  EXPECT_THAT(order, ElementsAre("-0010", "-0009", "-0008", "-0007", "+0011", "+0012", "+0013"));
  EXPECT_THAT(side.heads_after, ElementsAre("0013"));
  EXPECT_THAT(plan_to_target(g, "base", {"0003"}).heads_after, ::testing::IsEmpty());
}

}  // namespace
}  // namespace pgrevise::revision
