// The rest of what an Alembic or Flask-Migrate user meets in the first hour: `new` as Alembic's `revision`
// (branches from any revision, chosen ids, sortable file names, non-ASCII messages), a folder that does not
// exist yet, a downgrade from a mergepoint, drift that blocks an upgrade, and how errors and results read.
#include <algorithm>

#include <nlohmann/json.hpp>

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

TEST_F(CliFirstHourTest, NewInAFolderThatDoesNotExistSaysWhatToDo) {
  const std::string missing = dir.str() + "/not-yet";
  const auto r = cli({"new", "-m", "first", "--dir", missing});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(
      contains(r.err, "no such directory of migration files; create it with `pgrevise init " + missing + "`"))
      << r.err;
  const auto init = cli({"init", missing});
  EXPECT_EQ(init.exit_code, 0) << describe(init);
  const auto again = cli({"new", "-m", "first", "--dir", missing});
  EXPECT_EQ(again.exit_code, 0) << describe(again);
}

TEST_F(CliFirstHourTest, NewBranchesFromARevisionThatIsNotAHead) {
  write_linear();
  const auto r = cli({"new", "-m", "hotfix", "--dir", dir.str(), "--head", "a", "--rev-id", "a_fix"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "(revision a_fix, down_revision a)")) << r.out;
  EXPECT_TRUE(contains(r.out, "starts a new branch")) << r.out;
  const auto heads = migrate({"heads"});
  EXPECT_TRUE(contains(heads.out, "a_fix (head)")) << describe(heads);
  EXPECT_TRUE(contains(heads.out, "c (head)")) << describe(heads);
  // Alembic's spelling of the same request.
  const auto splice = cli({"new", "-m", "again", "--dir", dir.str(), "--head", "b", "--splice"});
  EXPECT_EQ(splice.exit_code, 0) << describe(splice);
}

TEST_F(CliFirstHourTest, NewTakesAnIdAndNamesFilesInTheOrderTheyWereMade) {
  ASSERT_EQ(cli({"new", "-m", "Größe ändern", "--dir", dir.str(), "--rev-id", "zz_first"}).exit_code, 0);
  ASSERT_EQ(cli({"new", "-m", "Crème brûlée", "--dir", dir.str(), "--rev-id", "aa_second"}).exit_code, 0);
  const auto names = sql_files();
  ASSERT_EQ(names.size(), 2u);
  // YYYYMMDD_HHMMSS_<id>_<slug>.sql: sorted by name, the first made comes first despite its id.
  EXPECT_TRUE(contains(names[0], "_zz_first_grosse_andern.sql")) << names[0];
  EXPECT_TRUE(contains(names[1], "_aa_second_creme_brulee.sql")) << names[1];
  EXPECT_EQ(names[0].find('_'), 8u) << names[0];
  const auto taken = cli({"new", "-m", "x", "--dir", dir.str(), "--rev-id", "zz_first"});
  EXPECT_EQ(taken.exit_code, 2) << describe(taken);
  EXPECT_TRUE(contains(taken.err, "--rev-id: revision id 'zz_first' is already used")) << taken.err;
  ASSERT_EQ(migrate({"upgrade"}).exit_code, 0);
  EXPECT_EQ(heads(), "aa_second");
}

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

TEST_F(CliFirstHourTest, ErrorsAreInColourOnlyWhereWantedAndNeverWithNoColor) {
  write_linear();
  const std::vector<std::string> args = {"migrate", "upgrade",        "nope",  "--dir",
                                         dir.str(), "--database-url", db.url()};
  const std::string red = "\033[1;31mpgrevise migrate upgrade:\033[0m ";
  EXPECT_FALSE(contains(cli(args).err, "\033[")) << "not a terminal";
  EXPECT_TRUE(contains(cli(args, {{"CLICOLOR_FORCE", "1"}}).err, red));
  EXPECT_FALSE(contains(cli(args, {{"CLICOLOR_FORCE", "1"}, {"NO_COLOR", "1"}}).err, "\033["));
  const auto other = cli({"new", "--dir", dir.str() + "/missing", "-m", "x"}, {{"CLICOLOR_FORCE", "1"}});
  EXPECT_TRUE(contains(other.err, "\033[1;31mpgrevise new:\033[0m ")) << other.err;
}

TEST_F(CliFirstHourTest, BashCompletionCompletesFromTheHelpTable) {
  const auto script = cli({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << describe(script);
  dir.write("completion.bash", script.out);
  auto complete = [&](const std::string& words, int cword) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c",
                 "source " + dir.str() + "/completion.bash; COMP_WORDS=(" + words +
                     "); COMP_CWORD=" + std::to_string(cword) + "; _pgrevise; echo \"${COMPREPLY[*]}\""};
    return run_process(spec).out;
  };
  EXPECT_EQ(complete("pgrevise mig", 1), "migrate\n");
  EXPECT_EQ(complete("pgrevise migrate upg", 2), "upgrade\n");
  EXPECT_EQ(complete("pgrevise migrate upgrade --allow-d", 3), "--allow-drift\n");
  EXPECT_EQ(complete("pgrevise migrate upgrade --output ''", 4), "text json\n");
  EXPECT_EQ(complete("pgrevise new --rev", 2), "--rev-id\n");
  EXPECT_EQ(complete("pgrevise completion ''", 2), "--help bash zsh\n");
  const auto zsh = cli({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_EQ(zsh.out.rfind("#compdef pgrevise\n", 0), 0u);
  EXPECT_TRUE(contains(zsh.out, "_pgrevise_migrate_upgrade() {")) << zsh.out;
  EXPECT_EQ(cli({"completion", "fish"}).exit_code, 2);
}

TEST_F(CliFirstHourTest, InitWritesASettingsFileThatEveryCommandReads) {
  const auto project = dir.path() / "project";
  std::filesystem::create_directories(project);
  const auto init = in_folder(project, {"init", "db/migrations", "--config", "toml"});
  ASSERT_EQ(init.exit_code, 0) << describe(init);
  EXPECT_TRUE(std::filesystem::is_directory(project / "db/migrations"));
  EXPECT_TRUE(contains(dir.read("project/pgrevise.toml"), "migrations_dir = \"db/migrations\"\n"));
  dir.write("project/pgrevise.toml",
            "migrations_dir = \"db/migrations\"\ndatabase_url_env = \"APP_DB_URL\"\n"
            "version_table = \"app_version\"\n");
  const std::map<std::string, std::string> env = {{"APP_DB_URL", db.url()}};
  ASSERT_EQ(in_folder(project, {"new", "-m", "first", "--rev-id", "f1"}).exit_code, 0);
  const auto up = in_folder(project, {"migrate", "upgrade"}, env);
  EXPECT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(db.query("SELECT version_num FROM app_version"), "f1");
  // A flag overrides the file.
  const auto other_table =
      in_folder(project, {"migrate", "current", "--version-table", "alembic_version"}, env);
  EXPECT_EQ(other_table.out, "(base) — no revision applied\n") << describe(other_table);
  // The same settings as YAML, named by PGREVISE_CONFIG from another folder.
  dir.write("settings.yaml", "migrations_dir: " + (project / "db/migrations").string() +
                                 "\ndatabase_url_env: APP_DB_URL\nversion_table: app_version\n");
  auto yaml_env = env;
  yaml_env["PGREVISE_CONFIG"] = dir.str() + "/settings.yaml";
  const auto current = cli({"migrate", "current"}, yaml_env);
  EXPECT_TRUE(contains(current.out, "f1 (head)")) << describe(current);
  dir.write("project/pgrevise.toml", "migration_dir = \"x\"\n");
  const auto bad = in_folder(project, {"migrate", "heads"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(
      contains(bad.err, "pgrevise.toml:1: unknown setting 'migration_dir' (did you mean 'migrations_dir'?)"))
      << bad.err;
  EXPECT_EQ(in_folder(project, {"init", "--config", "yaml"}).exit_code, 2);  // a settings file exists
}

// Every key of a JSON document, nested ones included.
void collect_keys(const nlohmann::json& j, std::vector<std::string>& keys) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      keys.push_back(key);
      collect_keys(value, keys);
    }
  } else if (j.is_array()) {
    for (const auto& value : j) collect_keys(value, keys);
  }
}

// --output json for the commands that print something, each one JSON document with camelCase keys.
TEST_F(CliFirstHourTest, JsonOutputOfEveryCommandIsCamelCase) {
  const std::string fresh = dir.str() + "/fresh";
  std::vector<std::pair<std::string, ProcessResult>> runs;
  runs.push_back({"init", cli({"init", fresh, "--output", "json"})});
  runs.push_back({"new", cli({"new", "-m", "first", "--dir", fresh, "--rev-id", "j1", "--output", "json"})});
  write_linear();
  for (const auto& sub : {"upgrade", "current", "heads", "history", "branches", "graph", "check", "plan"})
    runs.push_back({sub, migrate({sub, "--output", "json"})});
  runs.push_back({"show", migrate({"show", "b", "--output", "json"})});
  runs.push_back({"history --applied", migrate({"history", "--applied", "--output", "json"})});
  runs.push_back({"stamp", migrate({"stamp", "b", "--output", "json"})});
  runs.push_back({"version", cli({"version", "--output", "json"})});
  for (const auto& [what, r] : runs) {
    EXPECT_EQ(r.exit_code, 0) << what << "\n" << describe(r);
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << what << "\n" << describe(r);
    std::vector<std::string> keys;
    collect_keys(j, keys);
    for (const auto& key : keys) EXPECT_EQ(key.find('_'), std::string::npos) << what << ": " << key;
  }
  EXPECT_EQ(nlohmann::json::parse(runs[1].second.out)["revision"], "j1");
  EXPECT_EQ(nlohmann::json::parse(runs[2].second.out)["result"], "succeeded");  // upgrade
}

}  // namespace
}  // namespace pgrevise::testing
