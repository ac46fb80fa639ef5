// The example migration set end to end, and Alembic 1.8 side by side on the same revisions.
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

std::string examples_dir() {
  return source_dir() + "/migrations";
}

ProcessResult pgrevise_on(const TestDatabase& db, std::vector<std::string> args) {
  args.insert(args.begin(), "migrate");
  args.insert(args.begin() + 2, {"--dir", examples_dir(), "--database-url", db.url()});
  return run_pgrevise(args);
}

std::string rows(const TestDatabase& db) {
  if (!db.table_exists("public.alembic_version")) return "";
  return db.query(
      "SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '') FROM alembic_version");
}

// The schema without pgrevise's own history table (Alembic has none) and without the database's name.
std::string schema(const TestDatabase& db) {
  auto out = run_process({.argv = {"pg_dump", "--schema-only", "--no-owner",
                                   "--exclude-table=alembic_version_history", "-d", db.url()}})
                 .out;
  for (auto p = out.find(db.name()); p != std::string::npos; p = out.find(db.name()))
    out.erase(p, db.name().size());
  return without_restrict_lines(out);
}

// An Alembic project generated from the same files, shared by the tests of this file.
class AlembicSideBySide : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    auto r =
        run_process({.argv = {"/usr/bin/python3", source_dir() + "/tests/alembic/make_alembic_project.py",
                              examples_dir(), project_->str()}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete project_;
    project_ = nullptr;
  }
  static ProcessResult alembic(const TestDatabase& db, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/python3", "-m", "alembic", "-c",
                                     project_->str() + "/alembic.ini"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessSpec spec{.argv = argv};
    spec.env_set["DATABASE_URL"] = db.url();
    return run_process(spec);
  }
  static TempDir* project_;
};
TempDir* AlembicSideBySide::project_ = nullptr;

// `sync` moves to exactly a target across branches: from the billing branch's head to the reporting branch's
// 0013 reverts the billing revisions (only when allowed), then applies what 0013 needs.
TEST(ExampleMigrations, SyncMovesAcrossBranchesOnlyWhenDowngradesAreAllowed) {
  TestDatabase db;
  ASSERT_EQ(pgrevise_on(db, {"upgrade", "0010"}).exit_code, 0);
  const std::string before = schema(db);

  ProcessResult refused = pgrevise_on(db, {"sync", "0013"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("would revert 0010, 0009, 0008, 0007"), std::string::npos) << refused.err;
  EXPECT_EQ(rows(db), "0010");
  EXPECT_EQ(schema(db), before);

  ProcessResult moved = pgrevise_on(db, {"sync", "0013", "--allow-downgrade"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(rows(db), "0013");
  EXPECT_FALSE(db.table_exists("public.invoices"));

  ProcessResult up = pgrevise_on(db, {"sync", "heads"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(rows(db), "0016");
  ProcessResult again = pgrevise_on(db, {"sync", "heads"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Nothing to do"), std::string::npos) << again.out;
}

TEST(ExampleMigrations, BaseToHeadsToBaseToHeads) {
  TestDatabase db;
  auto r = pgrevise_on(db, {"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto first = schema(db);
  const auto heads = rows(db);
  EXPECT_EQ(heads, "0016");
  r = pgrevise_on(db, {"downgrade", "base"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(rows(db), "");
  EXPECT_EQ(db.query("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                     "('pg_catalog', 'information_schema') AND table_name NOT LIKE 'alembic_version%'"),
            "0");
  r = pgrevise_on(db, {"upgrade", "heads"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(rows(db), heads);
  EXPECT_EQ(schema(db), first);
}

TEST_F(AlembicSideBySide, EveryTargetEndsAtTheSameHeadsAndSchema) {
  for (const std::string target : {"0003", "0006", "0010", "0014", "billing@head", "0015", "heads"}) {
    TestDatabase ours, theirs;
    auto a = pgrevise_on(ours, {"upgrade", target});
    ASSERT_EQ(a.exit_code, 0) << target << "\n" << describe(a);
    auto b = alembic(theirs, {"upgrade", target});
    ASSERT_EQ(b.exit_code, 0) << target << "\n" << b.err;
    EXPECT_EQ(rows(ours), rows(theirs)) << "upgrade " << target;
    EXPECT_EQ(schema(ours), schema(theirs)) << "upgrade " << target;
  }
}

TEST_F(AlembicSideBySide, DowngradesEndAtTheSameHeads) {
  for (const std::string target : {"0011", "0007", "0006", "-1", "base"}) {
    TestDatabase ours, theirs;
    ASSERT_EQ(pgrevise_on(ours, {"upgrade", "heads"}).exit_code, 0);
    ASSERT_EQ(alembic(theirs, {"upgrade", "heads"}).exit_code, 0);
    auto a = pgrevise_on(ours, {"downgrade", target});
    ASSERT_EQ(a.exit_code, 0) << target << "\n" << describe(a);
    auto b = alembic(theirs, {"downgrade", target});
    ASSERT_EQ(b.exit_code, 0) << target << "\n" << b.err;
    EXPECT_EQ(rows(ours), rows(theirs)) << "downgrade " << target;
    EXPECT_EQ(schema(ours), schema(theirs)) << "downgrade " << target;
  }
}

TEST_F(AlembicSideBySide, BothRefuseAnAmbiguousWalkThroughTheMerge) {
  TestDatabase ours, theirs;
  ASSERT_EQ(pgrevise_on(ours, {"upgrade", "heads"}).exit_code, 0);
  ASSERT_EQ(alembic(theirs, {"upgrade", "heads"}).exit_code, 0);
  auto a = pgrevise_on(ours, {"downgrade", "-2"});  // 0016 -> 0015 -> (0010 or 0014)?
  auto b = alembic(theirs, {"downgrade", "-2"});
  EXPECT_EQ(a.exit_code, 2) << describe(a);
  EXPECT_NE(a.err.find("Ambiguous walk"), std::string::npos) << a.err;
  EXPECT_NE(b.err.find("Ambiguous walk"), std::string::npos) << b.err;
  EXPECT_EQ(rows(ours), "0016");
  EXPECT_EQ(rows(theirs), "0016");
}

TEST_F(AlembicSideBySide, EachContinuesWhatTheOtherStarted) {
  TestDatabase db;
  ASSERT_EQ(alembic(db, {"upgrade", "0006"}).exit_code, 0);
  auto r = pgrevise_on(db, {"upgrade", "0010"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.err.find("[1/4] 0007"), 0u) << r.err;  // continues from Alembic's 0006
  auto b = alembic(db, {"upgrade", "heads"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  TestDatabase reference;
  ASSERT_EQ(pgrevise_on(reference, {"upgrade", "heads"}).exit_code, 0);
  EXPECT_EQ(rows(db), rows(reference));
  EXPECT_EQ(schema(db), schema(reference));
  r = pgrevise_on(db, {"current"});
  EXPECT_EQ(r.out, "0016 (head)\n");
}

TEST_F(AlembicSideBySide, RelativeStepFromTheBranchPointResolvesAlike) {
  TestDatabase ours, theirs;
  ASSERT_EQ(pgrevise_on(ours, {"upgrade", "0006"}).exit_code, 0);
  ASSERT_EQ(alembic(theirs, {"upgrade", "0006"}).exit_code, 0);
  auto a = pgrevise_on(ours, {"upgrade", "+1"});
  auto b = alembic(theirs, {"upgrade", "+1"});
  EXPECT_EQ(a.exit_code == 0, b.exit_code == 0) << describe(a) << "\nalembic: " << b.err;
  EXPECT_EQ(rows(ours), rows(theirs));
}

TEST(AlembicRefusals, BothRefuseHeadWhenThereAreSeveralHeads) {
  TempDir files, project;
  files.write("a.sql", migration("aaaa", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
  files.write("b.sql", migration("bbbb", "aaaa", "CREATE TABLE tb (i int);", "DROP TABLE tb;"));
  files.write("c.sql", migration("cccc", "aaaa", "CREATE TABLE tc (i int);", "DROP TABLE tc;"));
  ASSERT_EQ(run_process({.argv = {"/usr/bin/python3", source_dir() + "/tests/alembic/make_alembic_project.py",
                                  files.str(), project.str()}})
                .exit_code,
            0);
  TestDatabase ours, theirs;
  auto a = run_pgrevise({"migrate", "upgrade", "head", "--dir", files.str(), "--database-url", ours.url()});
  ProcessSpec spec{
      .argv = {"/usr/bin/python3", "-m", "alembic", "-c", project.str() + "/alembic.ini", "upgrade", "head"}};
  spec.env_set["DATABASE_URL"] = theirs.url();
  auto b = run_process(spec);
  EXPECT_NE(a.exit_code, 0) << describe(a);
  EXPECT_NE(b.exit_code, 0) << b.err;
  EXPECT_NE(a.err.find("Multiple head revisions"), std::string::npos) << a.err;
  EXPECT_NE(b.err.find("Multiple head revisions"), std::string::npos) << b.err;
  EXPECT_EQ(rows(ours), "");
  EXPECT_EQ(rows(theirs), "");
  // `heads` is accepted by both and applies both branches.
  ASSERT_EQ(run_pgrevise({"migrate", "upgrade", "heads", "--dir", files.str(), "--database-url", ours.url()})
                .exit_code,
            0);
  spec.argv.back() = "heads";
  ASSERT_EQ(run_process(spec).exit_code, 0);
  EXPECT_EQ(rows(ours), "bbbb,cccc");
  EXPECT_EQ(rows(theirs), rows(ours));
}

}  // namespace
}  // namespace pgrevise::testing
