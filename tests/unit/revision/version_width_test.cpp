#include "revision/version_width.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "revision/target.h"

namespace pgrevise::revision {
namespace {

using ::testing::HasSubstr;

const VersionColumnRef kTable{.schema = "public",
                              .name = "alembic_version",
                              .sql_name = "\"public\".\"alembic_version\"",
                              .display = "public.alembic_version"};

// A chain of revisions, each with its own upgrade and downgrade SQL.
struct Rev {
  std::string id;
  std::string upgrade = "SELECT 1;";
  std::string downgrade = "SELECT 1;";
};

RevisionGraph chain(const std::vector<Rev>& revs) {
  std::vector<Script> scripts;
  for (size_t i = 0; i < revs.size(); ++i) {
    Script s;
    s.revision = revs[i].id;
    if (i > 0) s.down_revisions = {revs[i - 1].id};
    s.file = "versions/" + std::to_string(i + 1) + ".sql";
    s.upgrade.sql = revs[i].upgrade;
    s.downgrade = Section{.sql = revs[i].downgrade};
    scripts.push_back(std::move(s));
  }
  return RevisionGraph::build(std::move(scripts));
}

std::string refusal(const std::function<void()>& run) {
  try {
    run();
  } catch (const RevisionError& e) {
    EXPECT_EQ(e.code(), RevisionErrorCode::kIdTooLong);
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.what();
  }
  return "";
}

TEST(VersionWidth, LengthsAreCharactersUnlessTheServerCountsBytes) {
  EXPECT_EQ(id_length("089_allow_auto_entries_no_project"), 33u);
  EXPECT_EQ(id_length("größe"), 5u);
  EXPECT_EQ(id_length("größe", LengthUnit::kBytes), 7u);
  EXPECT_EQ(id_length("日本語"), 3u);
}

TEST(VersionWidth, CreatedTableIsAlembicsUnlessTheSetHoldsLongerIds) {
  EXPECT_EQ(created_version_width(chain({{"a"}, {std::string(32, 'b')}})), 32u);
  EXPECT_EQ(created_version_width(chain({{"a"}, {"089_allow_auto_entries_no_project"}})), 64u);
  EXPECT_EQ(created_version_width(chain({{"a"}, {std::string(64, 'b')}})), 64u);
  EXPECT_EQ(created_version_width(chain({{"a"}, {std::string(65, 'b')}})), 128u);
  EXPECT_EQ(created_version_width(chain({{std::string(300, 'c')}})), 512u);
  EXPECT_EQ(created_version_width(chain({{std::string(20, 'c') + "größe"}})), 32u);
  EXPECT_EQ(created_version_width(chain({{std::string(30, 'c') + "größe"}}), LengthUnit::kBytes), 64u);
}

TEST(VersionWidth, RecognisesWideningStatementsOnTheVersionTable) {
  const std::vector<std::pair<std::string, VersionWidth>> widening = {
      {"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128);", 128},
      {"alter table ALEMBIC_VERSION alter version_num type VARCHAR ( 255 )", 255},
      {"ALTER TABLE public.alembic_version ALTER COLUMN version_num SET DATA TYPE character varying(64)", 64},
      {"ALTER TABLE IF EXISTS ONLY \"public\".\"alembic_version\" ALTER COLUMN \"version_num\" TYPE "
       "pg_catalog.varchar(40) USING version_num::varchar(40)",
       40},
      {"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE text", std::nullopt},
      {"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar", std::nullopt},
      {"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE char(50)", 50},
      // Another action before it, with a comma inside its parentheses.
      {"ALTER TABLE alembic_version ADD CONSTRAINT c CHECK (length(version_num) IN (1, 2)), "
       "ALTER COLUMN version_num TYPE varchar(99)",
       99},
      // Comments, and a later statement of the same section that narrows it again.
      {"-- widen\nALTER TABLE /* the */ alembic_version ALTER COLUMN version_num TYPE varchar(128);\n"
       "UPDATE t SET x = 1;\nALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(48);",
       48},
  };
  for (const auto& [sql, width] : widening) {
    auto found = version_width_set_by(sql, kTable);
    ASSERT_TRUE(found.has_value()) << sql;
    EXPECT_EQ(*found, width) << sql;
  }
}

TEST(VersionWidth, IgnoresStatementsThatDoNotChangeTheColumnsType) {
  for (const std::string sql : {
           "SELECT 1;",
           "ALTER TABLE other_table ALTER COLUMN version_num TYPE varchar(128);",
           "ALTER TABLE app.alembic_version ALTER COLUMN version_num TYPE varchar(128);",  // another schema
           "ALTER TABLE \"Alembic_Version\" ALTER COLUMN version_num TYPE varchar(128);",  // quoted: exact
           "ALTER TABLE alembic_version ALTER COLUMN other TYPE varchar(128);",
           "ALTER TABLE alembic_version ADD COLUMN version_num_2 varchar(128);",
           "ALTER TABLE alembic_version ALTER COLUMN version_num SET NOT NULL;",
           "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE citext;",  // unknown type: unchanged
           "-- ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128);\nSELECT 1;",
           "SELECT 'ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128)';",
           "DO $$ BEGIN EXECUTE 'ALTER TABLE alembic_version ALTER COLUMN version_num TYPE text'; END $$;",
       }) {
    EXPECT_FALSE(version_width_set_by(sql, kTable).has_value()) << sql;
  }
}

TEST(VersionWidth, AnIdLongerThanTheColumnIsFoundBeforeAnythingRuns) {
  const std::string long_id = "089_allow_auto_entries_no_project";
  auto g = chain({{"001"}, {"002"}, {long_id}, {"090"}});
  auto plan = plan_upgrade(g, "heads", {});
  auto found = find_id_too_long(g, plan, 32, kTable, LengthUnit::kCharacters);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->step, 2u);
  EXPECT_EQ(found->id, long_id);
  EXPECT_EQ(found->length, 33u);
  EXPECT_EQ(found->width, 32u);
  const std::string message = refusal([&] { check_ids_fit(g, plan, 32, kTable, LengthUnit::kCharacters); });
  EXPECT_EQ(message, "revision " + long_id +
                         " (versions/3.sql): its id has 33 characters, which does not fit "
                         "public.alembic_version.version_num, varchar(32); nothing was run. Widen the column "
                         "first: ALTER TABLE \"public\".\"alembic_version\" ALTER COLUMN version_num TYPE "
                         "varchar(64) (on the database, or in a revision that runs before " +
                         long_id + ")");
  // A widened column, or one without a length, takes it.
  EXPECT_FALSE(find_id_too_long(g, plan, 64, kTable, LengthUnit::kCharacters));
  EXPECT_FALSE(find_id_too_long(g, plan, std::nullopt, kTable, LengthUnit::kCharacters));
  // Measured in bytes (a SQL_ASCII server), a short id of wide characters may not fit either.
  auto accented = chain({{"größe_" + std::string(26, 'x')}});
  EXPECT_FALSE(
      find_id_too_long(accented, plan_upgrade(accented, "heads", {}), 32, kTable, LengthUnit::kCharacters));
  EXPECT_TRUE(
      find_id_too_long(accented, plan_upgrade(accented, "heads", {}), 32, kTable, LengthUnit::kBytes));
}

TEST(VersionWidth, AWideningRevisionEarlierInTheRunMakesRoom) {
  const std::string long_id = std::string(60, 'l');
  auto g = chain({{"001"},
                  {"002", "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128);",
                   "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(32);"},
                  {long_id},
                  {"004"}});
  EXPECT_NO_THROW(check_ids_fit(g, plan_upgrade(g, "heads", {}), 32, kTable, LengthUnit::kCharacters));
  // From a database already past 002 there is nothing to recognise: the column decides.
  auto from_002 = plan_upgrade(g, "heads", {"002"});
  EXPECT_NO_THROW(check_ids_fit(g, from_002, 128, kTable, LengthUnit::kCharacters));
  EXPECT_THAT(refusal([&] { check_ids_fit(g, from_002, 32, kTable, LengthUnit::kCharacters); }),
              HasSubstr("revision " + long_id + " (versions/3.sql): its id has 60 characters"));
}

TEST(VersionWidth, AWideningThatIsTooNarrowIsNamed) {
  const std::string long_id = std::string(60, 'l');
  auto g = chain({{"001"},
                  {"002", "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(40);"},
                  {long_id}});
  EXPECT_THAT(
      refusal([&] { check_ids_fit(g, plan_upgrade(g, "heads", {}), 32, kTable, LengthUnit::kCharacters); }),
      HasSubstr("does not fit public.alembic_version.version_num, varchar(40) as revision 002 leaves it; "
                "nothing was run. Make revision 002 widen it enough: ALTER TABLE "
                "\"public\".\"alembic_version\" ALTER COLUMN version_num TYPE varchar(64)"));
}

TEST(VersionWidth, ADowngradeWritesItsParentsIdAfterItsOwnSql) {
  const std::string long_id = std::string(50, 'l');
  // 003's downgrade narrows the column back to 32 while the row it writes, its parent's id, needs 50.
  auto g = chain({{"001"},
                  {long_id},
                  {"003", "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(64);",
                   "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(32);"}});
  auto plan = plan_downgrade(g, long_id, {"003"});
  EXPECT_THAT(refusal([&] { check_ids_fit(g, plan, 64, kTable, LengthUnit::kCharacters); }),
              HasSubstr("revision 003 (versions/3.sql): its downgrade writes revision id '" + long_id +
                        "', of 50 characters, which does not fit public.alembic_version.version_num, "
                        "varchar(32) as revision 003 leaves it"));
  // Deleting rows needs no room: down to base writes nothing.
  EXPECT_NO_THROW(check_ids_fit(g, plan_downgrade(g, "base", {long_id}), 4, kTable, LengthUnit::kCharacters));
}

TEST(VersionWidth, StampChecksTheHeadsItWrites) {
  const std::string long_id = std::string(40, 's');
  EXPECT_NO_THROW(check_stamp_fits({"001", long_id}, 64, kTable, LengthUnit::kCharacters));
  EXPECT_NO_THROW(check_stamp_fits({long_id}, std::nullopt, kTable, LengthUnit::kCharacters));
  EXPECT_EQ(
      refusal([&] {
        check_stamp_fits({"001", long_id}, 32, kTable, LengthUnit::kCharacters);
      }),
      "revision id '" + long_id +
          "' has 40 characters, which does not fit public.alembic_version.version_num, varchar(32); "
          "nothing was stamped. Widen the column first: ALTER TABLE \"public\".\"alembic_version\" ALTER "
          "COLUMN version_num TYPE varchar(64)");
}

}  // namespace
}  // namespace pgrevise::revision
