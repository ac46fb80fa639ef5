// The rest of what an Alembic or Flask-Migrate user meets in the first hour: `new` as Alembic's `revision`
// (branches from any revision, chosen ids, sortable file names, non-ASCII messages), a folder that does not
// exist yet, a downgrade from a mergepoint, drift that blocks an upgrade, and how errors and results read.
#include <algorithm>

#include "common/process.h"
#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

class CliFirstHourTest : public RunnerTest {
 protected:
  ProcessResult cli(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    return run_pgrevise(args, env);
  }
  ProcessResult in_folder(const std::filesystem::path& cwd, std::vector<std::string> args,
                          const std::map<std::string, std::string>& env = {}) {
    auto spec = pgrevise_spec(args, env);
    spec.working_dir = cwd.string();
    return run_process(spec);
  }
  std::vector<std::string> sql_files() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
      if (e.path().extension() == ".sql") names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(CliFirstHourTest, DowngradeFromAMergepointSaysWhatToType) {
  dir.write("a.sql", migration("a1", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  dir.write("b1.sql", migration("b1", "a1", "CREATE TABLE tb1 (id int);", "DROP TABLE tb1;"));
  dir.write("b2.sql", migration("b2", "a1", "CREATE TABLE tb2 (id int);", "DROP TABLE tb2;"));
  dir.write("m.sql", migration("m1", "b1, b2", "CREATE TABLE tm (id int);", "DROP TABLE tm;"));
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  const auto r = migrate({"downgrade", "-1"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err,
                       "downgrade -1 walks down through the mergepoint 'm1', which has several parents "
                       "('b1', 'b2'); name the revision to go down to, e.g. `downgrade b1`"))
      << r.err;
  EXPECT_EQ(heads(), "m1");
  const auto suggested = migrate({"downgrade", "b1"});
  EXPECT_EQ(suggested.exit_code, 0) << describe(suggested);
  EXPECT_EQ(heads(), "b1\nb2");
}

TEST_F(CliFirstHourTest, DriftBlocksAnUpgradeUnlessAllowed) {
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id bigint);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (id int);", "DROP TABLE tb;"));
  const auto check = migrate({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  const std::string drift = "a.sql: revision a changed since it was applied (checksum ";
  ASSERT_TRUE(contains(check.out, drift)) << describe(check);
  const auto blocked = migrate({"upgrade"});
  EXPECT_EQ(blocked.exit_code, 2) << describe(blocked);
  EXPECT_TRUE(contains(blocked.err, drift)) << blocked.err;
  EXPECT_TRUE(contains(blocked.err, "pass --allow-drift to run anyway")) << blocked.err;
  EXPECT_EQ(heads(), "a");
  EXPECT_EQ(migrate({"sync", "heads"}).exit_code, 2);
  const auto allowed = migrate({"upgrade", "--allow-drift"});
  EXPECT_EQ(allowed.exit_code, 0) << describe(allowed);
  EXPECT_EQ(heads(), "b");
  // Going down is how drift is undone, so it is not blocked.
  EXPECT_EQ(migrate({"downgrade", "base"}).exit_code, 0);
}

TEST_F(CliFirstHourTest, AnErrorShowsTheHintAndPointsAtTheFailingLine) {
  dir.write("h.sql",
            "-- revision: h1\n"
            "-- message: hint\n"
            "\n"
            "-- +upgrade\n"
            "CREATE TABLE users (id int, name text);\n"
            "SELECT id,\n"
            "       nam\n"
            "  FROM users;\n");
  const auto r = migrate({"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err,
                       "revision h1 (h.sql:7) failed: ERROR 42703: column \"nam\" does not exist (HINT: "
                       "Perhaps you meant to reference the column \"users.name\".)\n"
                       "    6 | SELECT id,\n"
                       "  > 7 |        nam\n"
                       "      |        ^\n"
                       "    8 |   FROM users;\n"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "CREATE TABLE users")) << r.err;  // another statement
}

}  // namespace
}  // namespace pgrevise::testing
