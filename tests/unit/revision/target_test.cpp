#include "revision/target.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class TargetTest : public ::testing::Test {
 protected:
  std::vector<std::string> revisions(const RevisionGraph& g, const std::string& target) {
    return g.ids(resolve_revisions(g, target));
  }
  std::vector<std::string> upgrade(const RevisionGraph& g, const std::string& target,
                                   const std::vector<std::string>& current = {}) {
    return g.ids(resolve_upgrade_target(g, target, current_heads(g, current)));
  }
  std::string downgrade(const RevisionGraph& g, const std::string& target,
                        const std::vector<std::string>& current) {
    auto t = resolve_downgrade_target(g, target, current_heads(g, current));
    return (t.revision ? g.at(*t.revision).id() : std::string("base")) + (t.branch ? " on " + *t.branch : "");
  }
  template <typename Fn>
  RevisionError error_of(Fn fn) {
    try {
      fn();
    } catch (const RevisionError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      return e;
    }
    ADD_FAILURE() << "resolved";
    return RevisionError(RevisionErrorCode::kParse, "none");
  }
};

TEST_F(TargetTest, FullIdAndUniquePrefix) {
  auto g = graph_of(example_shape());
  EXPECT_THAT(revisions(g, "0014"), ElementsAre("0014"));
  auto h = graph_of({{"ae1027a6acf"}, {"ae2000", {"ae1027a6acf"}}, {"b77"}});
  EXPECT_THAT(revisions(h, "ae10"), ElementsAre("ae1027a6acf"));
  EXPECT_THAT(revisions(h, "b77"), ElementsAre("b77"));
}

TEST_F(TargetTest, AmbiguousPrefixListsTheCandidates) {
  auto g = graph_of(linear());
  auto e = error_of([&] { resolve_revisions(g, "lin"); });
  EXPECT_EQ(e.code(), RevisionErrorCode::kResolutionError);
  EXPECT_STREQ(e.what(), "Multiple revisions start with 'lin': 'lin1', 'lin2', 'lin3', 'lin4'");
  EXPECT_THAT(e.details(), ElementsAre("lin1", "lin2", "lin3", "lin4"));
}

TEST_F(TargetTest, UnknownEmptyAndShortPrefixes) {
  auto g = graph_of(linear());
  EXPECT_STREQ(error_of([&] { resolve_revisions(g, "zzzz"); }).what(),
               "Can't locate revision identified by 'zzzz'");
  EXPECT_THAT(error_of([&] { resolve_revisions(g, "zz"); }).what(), HasSubstr("at least four characters"));
  EXPECT_STREQ(error_of([&] { resolve_revisions(g, ""); }).what(), "empty target revision");
  EXPECT_STREQ(error_of([&] { resolve_downgrade_target(g, "  ", {}); }).what(), "empty target revision");
  // Alembic only matches prefixes of ids longer than three characters.
  auto h = graph_of({{"abc"}});
  EXPECT_EQ(error_of([&] { resolve_revisions(h, "ab"); }).code(), RevisionErrorCode::kResolutionError);
}

TEST_F(TargetTest, HeadHeadsAndBase) {
  auto g = graph_of(linear());
  EXPECT_THAT(revisions(g, "head"), ElementsAre("lin4"));
  EXPECT_THAT(revisions(g, "heads"), ElementsAre("lin4"));
  EXPECT_THAT(revisions(g, "base"), IsEmpty());
  EXPECT_EQ(resolve_revision(g, "base"), std::nullopt);
}

TEST_F(TargetTest, HeadWithSeveralHeadsIsRefusedLikeAlembic) {
  auto g = graph_of(several_heads());
  EXPECT_THAT(revisions(g, "heads"), ElementsAre("cee2", "dee2"));
  auto e = error_of([&] { resolve_revisions(g, "head"); });
  EXPECT_EQ(e.code(), RevisionErrorCode::kMultipleHeads);
  EXPECT_THAT(e.what(),
              HasSubstr("Multiple head revisions are present for given argument 'head'; please specify a "
                        "specific target revision, '<branchname>@head' to narrow to a specific head, or "
                        "'heads' for all heads"));
  EXPECT_THAT(e.details(), ElementsAre("cee2", "dee2"));
  EXPECT_EQ(error_of([&] { resolve_revision(g, "heads"); }).code(), RevisionErrorCode::kMultipleHeads);
}

TEST_F(TargetTest, LabelForms) {
  auto g = graph_of(several_heads());
  EXPECT_THAT(revisions(g, "cbr@head"), ElementsAre("cee2"));
  EXPECT_THAT(revisions(g, "dbr@heads"), ElementsAre("dee2"));
  EXPECT_THAT(revisions(g, "cbr"), ElementsAre("cee1"));  // a label alone names the revision declaring it
  EXPECT_THAT(revisions(g, "cbr@base"), IsEmpty());
  EXPECT_THAT(revisions(g, "cbr@cee2"), ElementsAre("cee2"));
  EXPECT_THAT(revisions(g, "cee1@head"), ElementsAre("cee2"));  // a revision id qualifies like a label
  EXPECT_STREQ(error_of([&] { resolve_revisions(g, "cbr@dee2"); }).what(),
               "Revision dee2 is not a member of branch 'cbr'");
  EXPECT_STREQ(error_of([&] { resolve_revisions(g, "nobranch@head"); }).what(), "No such branch: 'nobranch'");
  // A label shared after a merge: both branches' head is the merge's descendant.
  auto e = graph_of(example_shape());
  EXPECT_THAT(revisions(e, "billing@head"), ElementsAre("0016"));
  EXPECT_THAT(revisions(e, "reporting@head"), ElementsAre("0016"));
}

TEST_F(TargetTest, RelativeUpgrade) {
  auto g = graph_of(linear());
  EXPECT_THAT(upgrade(g, "+1"), ElementsAre("lin1"));
  EXPECT_THAT(upgrade(g, "+2", {"lin1"}), ElementsAre("lin3"));
  EXPECT_THAT(upgrade(g, "lin1+2"), ElementsAre("lin3"));
  EXPECT_THAT(upgrade(g, "lin4-2"), ElementsAre("lin2"));
  EXPECT_STREQ(error_of([&] { upgrade(g, "+5", {"lin1"}); }).what(),
               "Relative revision +5 didn't produce 5 migrations");
  EXPECT_STREQ(error_of([&] { upgrade(g, "-1", {"lin2"}); }).what(),
               "Relative revision -1 didn't produce 1 migrations");
  EXPECT_THAT(error_of([&] { upgrade(g, "lin1-1"); }).what(), HasSubstr("below base"));
  auto h = graph_of(several_heads());
  EXPECT_STREQ(error_of([&] { upgrade(h, "+1", {"hb01"}); }).what(), "Ambiguous walk: 'cee1', 'dee1'");
  EXPECT_THAT(upgrade(h, "dbr@+2", {"hb01"}), ElementsAre("dee2"));
  EXPECT_STREQ(error_of([&] {
                 upgrade(h, "+1", {"cee1", "dee1"});
               }).what(),
               "Ambiguous upgrade from multiple current revisions");
  EXPECT_THAT(upgrade(h, "cbr@+1", {"cee1", "dee1"}), ElementsAre("cee2"));
}

TEST_F(TargetTest, RelativeDowngrade) {
  auto g = graph_of(linear());
  EXPECT_EQ(downgrade(g, "-1", {"lin3"}), "lin2 on lin3");
  EXPECT_EQ(downgrade(g, "-3", {"lin3"}), "base on lin3");
  EXPECT_EQ(downgrade(g, "lin4-1", {"lin4"}), "lin3");
  EXPECT_EQ(downgrade(g, "lin1+1", {"lin4"}), "lin2");
  EXPECT_EQ(downgrade(g, "lin2", {"lin4"}), "lin2");
  EXPECT_EQ(downgrade(g, "base", {"lin4"}), "base");
  EXPECT_STREQ(error_of([&] { downgrade(g, "-4", {"lin3"}); }).what(),
               "Relative revision -4 didn't produce 4 migrations");
  EXPECT_STREQ(error_of([&] { downgrade(g, "+1", {"lin3"}); }).what(),
               "Relative revision +1 didn't produce 1 migrations");
  EXPECT_STREQ(error_of([&] { downgrade(g, "-1", {}); }).what(),
               "Relative revision -1 didn't produce 1 migrations");
  auto h = graph_of(several_heads());
  EXPECT_EQ(downgrade(h, "cbr@-1", {"cee2", "dee2"}), "cee1 on cbr");
  EXPECT_EQ(downgrade(h, "dbr@base", {"cee2", "dee2"}), "base on dbr");
  auto e = error_of([&] { downgrade(h, "-1", {"cee2", "dee2"}); });
  EXPECT_THAT(e.what(),
              HasSubstr("from several heads ('cee2', 'dee2') is ambiguous; name the branch, e.g. cee2@-1"));
  auto d = graph_of(diamond());
  EXPECT_STREQ(
      error_of([&] { downgrade(d, "left@-1", {"dmerge"}); }).what(),
      "Ambiguous walk: downgrade left@-1 walks down through the mergepoint 'dmerge', which has several "
      "parents ('left1', 'right1'); name the revision to go down to, e.g. `downgrade left1` (reverts "
      "what lies above 'left1' and keeps the other branches), or `downgrade dmerge` to stop at the "
      "merge");
}

// From a mergepoint, -1 gets the same kind of answer as from several heads: what to type instead.
TEST_F(TargetTest, DowngradeFromAMergepointNamesTheTargetsToType) {
  auto d = graph_of(diamond());
  auto e = error_of([&] { downgrade(d, "-1", {"dmerge"}); });
  EXPECT_THAT(e.what(),
              HasSubstr("downgrade -1 walks down through the mergepoint 'dmerge', which has several "
                        "parents ('left1', 'right1'); name the revision to go down to, e.g. "
                        "`downgrade left1`"));
  EXPECT_THAT(error_of([&] { downgrade(d, "-2", {"dtop"}); }).what(),
              HasSubstr("downgrade -2 walks down through the mergepoint 'dmerge'"));
  EXPECT_THAT(error_of([&] { downgrade(d, "dmerge-1", {"dtop"}); }).what(),
              HasSubstr("downgrade dmerge-1 walks down through the mergepoint 'dmerge'"));
  EXPECT_EQ(downgrade(d, "-1", {"dtop"}), "dmerge on dtop");
  EXPECT_EQ(downgrade(d, "left1", {"dmerge"}), "left1");
}

// Readable ids as real projects write them once version_num is widened, and the other strings Alembic takes.
TEST_F(TargetTest, LongAndUnusualIdsResolveInEveryForm) {
  const std::string base = "088_initial_schema_of_the_time_tracking_app";
  const std::string mid = "089_allow_auto_entries_no_project";
  const std::string top = std::string(64, 'z');
  const std::string side = "089 side.branch:größe";
  auto g = graph_of({{base}, {mid, {base}, {"main"}}, {top, {mid}}, {side, {base}, {"side"}}});
  EXPECT_THAT(revisions(g, mid), ElementsAre(mid));
  EXPECT_THAT(revisions(g, "089_allow"), ElementsAre(mid));  // a unique prefix
  EXPECT_THAT(revisions(g, std::string(40, 'z')), ElementsAre(top));
  EXPECT_THAT(error_of([&] { revisions(g, "089"); }).what(),
              HasSubstr("Multiple revisions start with '089'"));
  EXPECT_THAT(revisions(g, "main@head"), ElementsAre(top));
  EXPECT_THAT(revisions(g, "main@" + mid), ElementsAre(mid));
  EXPECT_THAT(revisions(g, mid + "@head"), ElementsAre(top));  // a long id qualifies like a label
  EXPECT_THAT(revisions(g, "side@head"), ElementsAre(side));
  EXPECT_THAT(revisions(g, side), ElementsAre(side));
  EXPECT_THAT(revisions(g, "heads"), ElementsAre(top, side));
  EXPECT_THAT(upgrade(g, mid + "+1"), ElementsAre(top));
  EXPECT_THAT(upgrade(g, top + "-2"), ElementsAre(base));
  EXPECT_EQ(downgrade(g, "main@-1", {top, side}), mid + " on main");
  // Like Alembic's \w, the relative form reads characters beyond ASCII as part of the id.
  auto u = graph_of({{"größe_1"}, {"größe_2", {"größe_1"}}});
  EXPECT_THAT(upgrade(u, "größe_1+1"), ElementsAre("größe_2"));
}

TEST_F(TargetTest, MalformedRelativeFormsAreIdentifiers) {
  auto g = graph_of(linear());
  EXPECT_EQ(error_of([&] { upgrade(g, "lin1+x"); }).code(), RevisionErrorCode::kResolutionError);
  EXPECT_EQ(error_of([&] { upgrade(g, "@+1"); }).code(), RevisionErrorCode::kResolutionError);
}

}  // namespace
}  // namespace pgrevise::revision
