// Revision ids longer than Alembic's 32 characters against real PostgreSQL: the version table's real column
// decides what fits, a widened column keeps working, a revision that widens it makes room for the ids after
// it, and an id that does not fit is refused before anything runs.
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

const std::string kReadable = "089_allow_auto_entries_no_project";   // 33 characters
const std::string kLong60 = "090_" + std::string(52, 'x') + "_end";  // 60 characters

const std::string kWiden128 = "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128);";
const std::string kNarrow32 = "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(32);";

class RevisionIdsTest : public RunnerTest {
 protected:
  // version_num's declared length, or "" for none.
  std::string width() const {
    return db.query(
        "SELECT coalesce(character_maximum_length::text, '') FROM information_schema.columns WHERE "
        "table_name = 'alembic_version' AND column_name = 'version_num'");
  }
  std::string history() const {
    return db.query(
        "SELECT coalesce(string_agg(revision || ' ' || direction || ' ' || result, ',' ORDER BY id), '') "
        "FROM alembic_version_history");
  }
  void alembic_table(int width) {
    db.exec("CREATE TABLE alembic_version (version_num varchar(" + std::to_string(width) +
            ") NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))");
  }
  void table_revision(const std::string& file, const std::string& id, const std::string& parent,
                      const std::string& table, const std::string& headers = "") {
    dir.write(file, migration(id, parent, "CREATE TABLE " + table + " (id int);", "DROP TABLE " + table + ";",
                              headers));
  }
};

TEST_F(RevisionIdsTest, AWidenedColumnKeepsWorking) {
  alembic_table(128);
  table_revision("a.sql", "a", "", "ta");
  table_revision("b.sql", kReadable, "a", "tb");
  table_revision("c.sql", kLong60, kReadable, "tc", "-- transactional: false\n");
  auto r = migrate({"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), kLong60);
  EXPECT_EQ(tables(), "ta,tb,tc");
  EXPECT_EQ(width(), "128");
  EXPECT_EQ(history(),
            "a upgrade succeeded," + kReadable + " upgrade succeeded," + kLong60 + " upgrade succeeded");
  EXPECT_EQ(migrate({"current"}).out, kLong60 + " (head)\n");

  r = migrate({"downgrade", "089_allow"});  // a unique prefix
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), kReadable);
  r = migrate({"downgrade", "base"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "");
  r = migrate({"stamp", kLong60});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), kLong60);
}

TEST_F(RevisionIdsTest, AnIdThatDoesNotFitIsFoundBeforeAnythingRuns) {
  table_revision("a.sql", "a", "", "ta");
  table_revision("b.sql", "b", "a", "tb");
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  ASSERT_EQ(width(), "32");  // the set held no longer id: Alembic's own table
  table_revision("c.sql", "c", "b", "tc");
  table_revision("d.sql", kReadable, "c", "td");
  table_revision("e.sql", "e", kReadable, "te");
  const std::string history_before = history();

  const std::string expected =
      "revision " + kReadable +
      " (d.sql): its id has 33 characters, which does not fit public.alembic_version.version_num, "
      "varchar(32); "
      "nothing was run. Widen the column first: ALTER TABLE \"public\".\"alembic_version\" ALTER COLUMN "
      "version_num TYPE varchar(64) (on the database, or in a revision that runs before " +
      kReadable + ")";
  auto r = migrate({"upgrade", "heads"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  EXPECT_EQ(heads(), "b");  // c, which fits and comes first, did not run either
  EXPECT_EQ(tables(), "ta,tb");
  EXPECT_EQ(history(), history_before);
  auto plan = migrate({"plan", "heads"});
  EXPECT_EQ(plan.exit_code, 2) << describe(plan);
  EXPECT_NE(plan.err.find(expected), std::string::npos) << plan.err;
  auto stamp = migrate({"stamp", kReadable});
  EXPECT_EQ(stamp.exit_code, 2) << describe(stamp);
  EXPECT_NE(stamp.err.find("nothing was stamped"), std::string::npos) << stamp.err;
  EXPECT_EQ(heads(), "b");

  db.exec("ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(64)");  // the fix it names
  r = migrate({"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "e");
  EXPECT_EQ(tables(), "ta,tb,tc,td,te");
}

// Real projects widen the column in a migration of their own, then use long ids.
TEST_F(RevisionIdsTest, ARevisionThatWidensTheColumnMakesRoomForTheIdsAfterIt) {
  table_revision("001.sql", "001", "", "t1");
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  ASSERT_EQ(width(), "32");
  dir.write("002.sql", migration("002", "001", kWiden128, kNarrow32));
  table_revision("003.sql", kLong60, "002", "t3");
  table_revision("004.sql", "004", kLong60, "t4");

  auto r = migrate({"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "004");
  EXPECT_EQ(width(), "128");
  // Back down through the narrowing downgrade: 002's own row, written after its SQL, fits 32 again.
  r = migrate({"downgrade", "001"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), "001");
  EXPECT_EQ(width(), "32");
}

TEST_F(RevisionIdsTest, AWideningTooNarrowForTheIdsAfterItIsRefusedWithNothingApplied) {
  table_revision("001.sql", "001", "", "t1");
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  dir.write("002.sql", migration("002", "001",
                                 "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE "
                                 "varchar(40);",
                                 kNarrow32));
  table_revision("003.sql", kLong60, "002", "t3");
  auto r = migrate({"upgrade", "heads"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(
      r.err.find("revision " + kLong60 +
                 " (003.sql): its id has 60 characters, which does not fit "
                 "public.alembic_version.version_num, varchar(40) as revision 002 leaves it; nothing was "
                 "run"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(heads(), "001");
  EXPECT_EQ(width(), "32");  // 002 did not run
}

TEST_F(RevisionIdsTest, ACreatedTableHoldsTheLongestIdOfTheSet) {
  table_revision("a.sql", "a", "", "ta");
  table_revision("b.sql", kReadable, "a", "tb");
  auto r = migrate({"upgrade", "a"});  // the table is created on the first run, for every id of the set
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(width(), "64");
  EXPECT_EQ(db.query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                     "'alembic_version_history' AND column_name = 'revision'"),
            "text");
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  EXPECT_EQ(heads(), kReadable);

  // The offline script creates the same table.
  auto sql = run_pgrevise({"migrate", "upgrade", "heads", "--sql", "--dir", dir.str()});
  ASSERT_EQ(sql.exit_code, 0) << describe(sql);
  EXPECT_NE(sql.out.find("(version_num VARCHAR(64) NOT NULL"), std::string::npos) << sql.out;
}

TEST_F(RevisionIdsTest, AStampCreatesTheTableForTheSetToo) {
  table_revision("a.sql", "a", "", "ta");
  table_revision("b.sql", kLong60, "a", "tb");
  auto r = migrate({"stamp", kLong60});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), kLong60);
  EXPECT_EQ(width(), "64");
}

TEST_F(RevisionIdsTest, AHistoryTableFromBeforeLongIdsIsWidened) {
  table_revision("a.sql", "a", "", "ta");
  ASSERT_EQ(migrate({"upgrade", "heads"}).exit_code, 0);
  // The history table as pgrevise created it while ids were at most 32 characters.
  db.exec("ALTER TABLE alembic_version_history ALTER COLUMN revision TYPE varchar(32)");
  db.exec("ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(64)");
  table_revision("b.sql", kLong60, "a", "tb");
  auto r = migrate({"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads(), kLong60);
  EXPECT_EQ(history(), "a upgrade succeeded," + kLong60 + " upgrade succeeded");
  EXPECT_EQ(db.query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                     "'alembic_version_history' AND column_name = 'revision'"),
            "text");
}

}  // namespace
}  // namespace pgrevise::testing
