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
  EXPECT_FALSE(by_id.new_branch);
  EXPECT_EQ(error_code(g, {.message = "m", .head = "nope"}), RevisionErrorCode::kResolutionError);
}

// Alembic's --head REV --splice: a revision that is not a head starts a new branch from it.
TEST(Scaffold, BranchesFromARevisionThatIsNotAHead) {
  auto g = graph_of(linear());
  auto f = scaffold_revision(g, {.message = "hotfix", .head = "lin2"}, ids_from({"0123456789ab"}));
  EXPECT_EQ(f.down_revision, "lin2");
  EXPECT_TRUE(f.new_branch);
  auto g2 = graph_of({{"lin1"}, {"lin2", {"lin1"}}, {"lin3", {"lin2"}}, {"0123456789ab", {"lin2"}}});
  EXPECT_EQ(g2.heads().size(), 2u);
}

TEST(Scaffold, RevIdSetsTheId) {
  auto g = graph_of(linear());
  auto f = scaffold_revision(g, {.message = "add users", .revision_id = "0005_users"}, ids_from({"unused"}));
  EXPECT_EQ(f.revision, "0005_users");
  EXPECT_EQ(f.file_name, "0005_users_add_users.sql");
  EXPECT_THAT(f.text, HasSubstr("-- revision: 0005_users\n"));
  auto slash = scaffold_revision(g, {.message = "m", .revision_id = "a/b c"}, ids_from({"unused"}));
  EXPECT_EQ(slash.file_name, "a_b_c_m.sql");
  EXPECT_EQ(error_code(g, {.message = "m", .revision_id = "lin2"}), RevisionErrorCode::kDuplicateRevision);
  EXPECT_EQ(error_code(g, {.message = "m", .revision_id = "bad-id"}), RevisionErrorCode::kParse);
  EXPECT_EQ(error_code(g, {.message = "m", .revision_id = "heads"}), RevisionErrorCode::kParse);
}

// Files made later sort after files made earlier, whatever their random ids.
TEST(Scaffold, FileNamesStartWithTheTimeTheyWereMade) {
  using std::chrono::seconds;
  const std::chrono::system_clock::time_point t{seconds(1796551503)};  // 2026-12-06T10:05:03Z
  EXPECT_EQ(file_name_prefix(t), "20261206_100503");
  auto g = graph_of(linear());
  auto first = scaffold_revision(g, {.message = "first", .name_prefix = file_name_prefix(t)},
                                 ids_from({"ffffffffffff"}));
  auto second = scaffold_revision(g, {.message = "second", .name_prefix = file_name_prefix(t + seconds(1))},
                                  ids_from({"000000000000"}));
  EXPECT_EQ(first.file_name, "20261206_100503_ffffffffffff_first.sql");
  EXPECT_EQ(second.file_name, "20261206_100504_000000000000_second.sql");
  EXPECT_LT(first.file_name, second.file_name);
  // Made within the same second as a file there, or with the clock set back: one second after the latest.
  EXPECT_EQ(file_name_prefix(t, {"20261206_100503_ffffffffffff_first.sql", "0001_old.sql", "README"}),
            "20261206_100504");
  EXPECT_EQ(file_name_prefix(t - seconds(3600), {"20261206_100504_x.sql", "20261206_100503_y.sql"}),
            "20261206_100505");
  EXPECT_EQ(file_name_prefix(t, {"20251206_100503_older.sql"}), "20261206_100503");
}

TEST(Scaffold, NonAsciiMessagesSlugToTheirBaseLetters) {
  EXPECT_EQ(slug("Größe der Bestellungen ändern"), "grosse_der_bestellungen_andern");
  EXPECT_EQ(slug("Crème brûlée, façade & naïve café"), "creme_brulee_facade_naive_cafe");
  EXPECT_EQ(slug("Łódź Œuvre Æsir ÞING Ørsted"), "lodz_oeuvre_aesir_thing_orsted");
  EXPECT_EQ(slug("添加 users 表"), "users");
  EXPECT_EQ(slug("日本語"), "");
  EXPECT_EQ(slug("2×3 ÷ 4"), "2_3_4");
  auto f = scaffold_revision(graph_of(linear()), {.message = "Ändern: größe"}, ids_from({"0123456789ab"}));
  EXPECT_EQ(f.file_name, "0123456789ab_andern_grosse.sql");
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
