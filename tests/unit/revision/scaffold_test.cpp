#include "revision/scaffold.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"
#include "revision/script.h"

namespace pgrevise::revision {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixtures
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Hands out the given ids in turn.
RevisionIdSource ids_from(std::vector<std::string> ids) {
  auto next = std::make_shared<size_t>(0);
  return [ids, next] { return ids[(*next)++ % ids.size()]; };
}

RevisionErrorCode error_code(const RevisionGraph& g, const NewRevisionRequest& req) {
  try {
    scaffold_revision(g, req, ids_from({"0123456789ab"}));
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.code();
  }
  ADD_FAILURE() << "accepted";
  return RevisionErrorCode::kParse;
}

TEST(Scaffold, BuildsOnTheOnlyHead) {
  auto g = graph_of(linear());
  auto f = scaffold_revision(g, {.message = "Add project costs, table!"}, ids_from({"1f2e3d4c5b6a"}));
  EXPECT_EQ(f.revision, "1f2e3d4c5b6a");
  EXPECT_EQ(f.down_revision, "lin4");
  EXPECT_EQ(f.file_name, "1f2e3d4c5b6a_add_project_costs_table.sql");
  EXPECT_EQ(f.text,
            "-- revision: 1f2e3d4c5b6a\n"
            "-- down_revision: lin4\n"
            "-- message: Add project costs, table!\n"
            "\n"
            "-- +upgrade\n"
            "\n"
            "\n"
            "-- +downgrade\n"
            "\n");
  // The file parses back into the same revision.
  Script s = parse_script(f.text, f.file_name);
  EXPECT_EQ(s.revision, f.revision);
  EXPECT_THAT(s.down_revisions, ElementsAre("lin4"));
}

// Heads with long ids, or ids a header must quote, are written so that they parse back.
TEST(Scaffold, MergesHeadsWithLongAndQuotedIds) {
  const std::string readable = "089_allow_auto_entries_no_project";
  auto g = graph_of({{"base0"}, {readable, {"base0"}}, {"a,b", {"base0"}}, {" lead", {"base0"}}});
  auto f = scaffold_revision(g, {.message = "merge", .merge_heads = true, .depends_on = {"a,b"}},
                             ids_from({"0a0b0c0d0e0f"}));
  EXPECT_EQ(f.down_revision, readable + ", \"a,b\", \" lead\"");
  EXPECT_THAT(f.text, HasSubstr("-- depends_on: \"a,b\"\n"));
  Script s = parse_script(f.text, f.file_name);
  EXPECT_THAT(s.down_revisions, ElementsAre(readable, "a,b", " lead"));
  EXPECT_THAT(s.depends_on, ElementsAre("a,b"));
}

TEST(Scaffold, FirstRevisionIsABase) {
  auto g = RevisionGraph::build({});
  auto f = scaffold_revision(g, {.message = "init"}, ids_from({"aaaaaaaaaaaa"}));
  EXPECT_EQ(f.down_revision, "");
  EXPECT_THAT(f.text, ::testing::Not(HasSubstr("down_revision")));
}

TEST(Scaffold, SeveralHeadsNeedAChoice) {
  auto g = graph_of(several_heads());
  EXPECT_EQ(error_code(g, {.message = "m"}), RevisionErrorCode::kMultipleHeads);
  try {
    scaffold_revision(g, {.message = "m"}, ids_from({"0123456789ab"}));
  } catch (const RevisionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Multiple heads are present (cee2, dee2)"));
    EXPECT_THAT(e.what(), HasSubstr("--merge"));
  }
  auto merged = scaffold_revision(g, {.message = "merge", .merge_heads = true}, ids_from({"0123456789ab"}));
  EXPECT_EQ(merged.down_revision, "cee2, dee2");
  auto on_branch = scaffold_revision(g, {.message = "m", .head = "dbr@head"}, ids_from({"0123456789ab"}));
  EXPECT_EQ(on_branch.down_revision, "dee2");
  auto by_id = scaffold_revision(g, {.message = "m", .head = "cee2"}, ids_from({"0123456789ab"}));
  EXPECT_EQ(by_id.down_revision, "cee2");
  auto base = scaffold_revision(g, {.message = "m", .head = "base", .branch_labels = {"newbr"}},
                                ids_from({"0123456789ab"}));
  EXPECT_EQ(base.down_revision, "");
  EXPECT_THAT(base.text, HasSubstr("-- branch_labels: newbr\n"));
  EXPECT_EQ(error_code(g, {.message = "m", .head = "hb01"}), RevisionErrorCode::kResolutionError);
  EXPECT_EQ(error_code(g, {.message = "m", .head = "nope"}), RevisionErrorCode::kResolutionError);
}

TEST(Scaffold, LabelsDependenciesAndTransactional) {
  auto g = graph_of(depends_on_across_branches());
  auto f = scaffold_revision(g,
                             {.message = "index",
                              .head = "alpha@head",
                              .branch_labels = {"idx"},
                              .depends_on = {"beta", "bbb1"},
                              .transactional = false},
                             ids_from({"00000000000f"}));
  EXPECT_THAT(f.text, HasSubstr("-- down_revision: aaa3\n-- message: index\n-- branch_labels: idx\n"
                                "-- depends_on: beta, bbb1\n-- transactional: false\n"));
  Script s = parse_script(f.text, f.file_name);
  EXPECT_FALSE(s.transactional);
  EXPECT_EQ(error_code(g, {.message = "m", .head = "aaa3", .branch_labels = {"alpha"}}),
            RevisionErrorCode::kDuplicateLabel);
  EXPECT_EQ(error_code(g, {.message = "m", .head = "aaa3", .branch_labels = {"no-dash"}}),
            RevisionErrorCode::kParse);
  EXPECT_EQ(error_code(g, {.message = "m", .head = "aaa3", .depends_on = {"zzzz"}}),
            RevisionErrorCode::kUnknownDependency);
}

TEST(Scaffold, BadMessages) {
  auto g = graph_of(linear());
  EXPECT_EQ(error_code(g, {.message = "  "}), RevisionErrorCode::kParse);
  EXPECT_EQ(error_code(g, {.message = "two\nlines"}), RevisionErrorCode::kParse);
}

TEST(Scaffold, DrawsAgainWhenTheIdIsTaken) {
  auto g = graph_of(linear());
  auto f = scaffold_revision(g, {.message = "m"}, ids_from({"lin2", "bad-id", "abcdefabcdef"}));
  EXPECT_EQ(f.revision, "abcdefabcdef");
  EXPECT_EQ(error_code(graph_of({{"0123456789ab"}}), {.message = "m"}),
            RevisionErrorCode::kDuplicateRevision);
}

TEST(Scaffold, HexIds) {
  EXPECT_EQ(hex_revision_id(0), "000000000000");
  EXPECT_EQ(hex_revision_id(0xabcdef123456ULL), "abcdef123456");
  EXPECT_EQ(hex_revision_id(0xffffabcdef123456ULL), "abcdef123456");  // 48 bits
  std::string id = random_revision_ids()();
  EXPECT_EQ(id.size(), 12u);
  EXPECT_TRUE(is_valid_revision_id(id));
}

}  // namespace
}  // namespace pgrevise::revision
