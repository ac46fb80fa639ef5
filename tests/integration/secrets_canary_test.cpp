// Secrets and identifiers: a canary password must appear nowhere pgrevise writes (stdout, stderr at debug
// level, JSON output, reports, backup directories, the history table), and hostile version-table names are
// either refused as bad input or quoted, never executed.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <pqxx/pqxx>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

namespace fs = std::filesystem;

const std::string kCanary = "Cnry-7q2Xv9-pw";

// A login role whose password is the canary, owning the test database; dropped when this goes away (declare
// it before the TestDatabase, so that the database is dropped first).
class CanaryRole {
 public:
  CanaryRole() : name_("canary_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)) {
    pqxx::connection admin(admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE ROLE " + tx.quote_name(name_) + " LOGIN PASSWORD " + tx.quote(kCanary));
  }
  ~CanaryRole() {
    try {
      pqxx::connection admin(admin_url());
      pqxx::nontransaction tx(admin);
      tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(name_));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop role " << name_ << ": " << e.what();
    }
  }
  CanaryRole(const CanaryRole&) = delete;
  CanaryRole& operator=(const CanaryRole&) = delete;

  // Makes the role the owner of the database and its public schema, and returns its URL for the database.
  std::string own(const TestDatabase& db) const {
    {
      pqxx::connection admin(admin_url());
      pqxx::nontransaction tx(admin);
      tx.exec0("ALTER DATABASE " + tx.quote_name(db.name()) + " OWNER TO " + tx.quote_name(name_));
    }
    db.exec("ALTER SCHEMA public OWNER TO " + name_);
    const std::string url = db.url_with_password(kCanary);
    const auto user_start = url.find("://") + 3;
    return url.substr(0, user_start) + name_ + url.substr(url.find(':', user_start));
  }
  const std::string& name() const { return name_; }

 private:
  static inline int counter_ = 0;
  std::string name_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything a run left behind that a user, a log collector or the operator may read.
class Leaks {
 public:
  void check(const std::string& what, const ProcessResult& r) {
    ++places_;
    EXPECT_EQ(r.out.find(kCanary), std::string::npos) << what << ": stdout\n" << r.out;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos) << what << ": stderr\n" << r.err;
  }
  void check_files(const fs::path& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      ++places_;
      EXPECT_EQ(read_text(e.path()).find(kCanary), std::string::npos) << e.path();
    }
  }
  int places() const { return places_; }

 private:
  int places_ = 0;
};

TEST(SecretsCanary, ThePasswordAppearsNowhere) {
  CanaryRole role;
  TestDatabase db;
  const std::string url = role.own(db);
  TempDir dir, reports, backups;
  dir.write("a.sql", migration("a", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
  dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (i int);", "DROP TABLE tb;"));
  Leaks leaks;
  int report_number = 0;
  // Runs a migrate subcommand with every output switched on: debug logs, JSON and a report file.
  auto migrate = [&](std::vector<std::string> args, int expected_exit) {
    const std::string command = args[0];
    args.insert(args.begin(), "migrate");
    args.insert(args.end(),
                {"--dir", dir.str(), "--database-url", url, "--log-level", "debug", "--output", "json",
                 "--report", (reports.path() / (std::to_string(report_number++) + ".json")).string()});
    auto r = run_pgrevise(args);
    EXPECT_EQ(r.exit_code, expected_exit) << command << "\n" << describe(r);
    leaks.check("migrate " + command, r);
    return r;
  };

  migrate({"upgrade", "a"}, 0);
  migrate({"plan", "heads"}, 0);
  migrate({"plan", "heads", "--sql"}, 0);
  migrate({"upgrade", "heads", "--sql"}, 0);
  migrate({"upgrade", "heads"}, 0);
  migrate({"current", "--verbose"}, 0);
  migrate({"history"}, 0);
  migrate({"history", "--applied"}, 0);
  migrate({"heads"}, 0);
  migrate({"check"}, 0);
  dir.write("c.sql", migration("c", "b", "CREATE TABLE tc (i int);\nSELECT no_such_column FROM tc;", ""));
  auto failed = migrate({"upgrade", "heads"}, 1);
  EXPECT_NE(failed.err.find("no_such_column"), std::string::npos) << failed.err;
  migrate({"check"}, 0);
  migrate({"stamp", "b"}, 0);
  migrate({"downgrade", "a"}, 0);

  // The same URL through the environment, and the password alone through PGPASSWORD.
  auto r = run_pgrevise({"migrate", "current", "--dir", dir.str(), "--log-level", "debug"},
                        {{"DATABASE_URL", url}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  leaks.check("DATABASE_URL", r);
  const std::string no_password = url.substr(0, url.find(kCanary) - 1) + url.substr(url.find('@'));
  r = run_pgrevise(
      {"migrate", "current", "--dir", dir.str(), "--database-url", no_password, "--log-level", "debug"},
      {{"PGPASSWORD", kCanary}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  leaks.check("PGPASSWORD", r);

  // Backup and restore, with JSON output and reports; the backup directory is read whole afterwards.
  r = run_pgrevise({"backup", "--out", backups.str(), "--database-url", url, "--output", "json", "--report",
                    (reports.path() / "backup.json").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  leaks.check("backup", r);
  fs::path manifest;
  for (const auto& e : fs::directory_iterator(backups.path()))
    if (e.path().string().ends_with(".manifest.json")) manifest = e.path();
  ASSERT_FALSE(manifest.empty());
  r = run_pgrevise({"restore", "--from", manifest.string(), "--clean", "--database-url", url, "--output",
                    "json", "--report", (reports.path() / "restore.json").string()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  leaks.check("restore", r);
  r = run_pgrevise({"backup", "list", "--out", backups.str(), "--output", "json"});
  leaks.check("backup list", r);

  // Failures that print where they tried to connect: unreachable, wrong password, a conninfo string.
  const std::string unreachable = url.substr(0, url.rfind(':')) + ":1/" + db.name();
  r = run_pgrevise({"migrate", "upgrade", "--dir", dir.str(), "--database-url", unreachable, "--log-level",
                    "debug", "--output", "json", "--report", (reports.path() / "unreachable.json").string()});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  leaks.check("unreachable", r);
  r = run_pgrevise({"migrate", "current", "--dir", dir.str(), "--database-url",
                    "host=127.0.0.1 port=1 dbname=x user=u password=" + kCanary, "--log-level", "debug"});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  leaks.check("conninfo", r);
  r = run_pgrevise({"backup", "--out", backups.str(), "--database-url", unreachable, "--output", "json",
                    "--report", (reports.path() / "backup-unreachable.json").string()});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  leaks.check("backup unreachable", r);

  leaks.check_files(reports.path());
  leaks.check_files(backups.path());
  const std::string history = db.query("SELECT string_agg(h::text, E'\\n') FROM alembic_version_history h");
  EXPECT_NE(history, "");
  EXPECT_EQ(history.find(kCanary), std::string::npos) << history;
  EXPECT_GE(leaks.places(), 30);
  std::printf("canary password searched in %d outputs and files and the history table: not found\n",
              leaks.places());
}

// Version-table names an attacker (or a careless values.yaml) might pass. Each is refused as bad input, or
// used as one quoted identifier: the table with exactly that name holds the version, and nothing else moved.
TEST(HostileIdentifiers, VersionTableNamesAreRefusedOrQuotedNeverExecuted) {
  const std::vector<std::string> names = {
      "\"x; DROP TABLE users; --\"",
      "x; DROP TABLE users; --",
      "sch\"ema.na'me",
      "public.alembic_version; DROP TABLE users",
      "x' OR '1'='1",
      "a\".\"b",
      "\"a\"\".\"\"b\"",
      "my versions",
      "users",
      "pg_catalog.pg_class",
      "x\\'; DROP TABLE users; --",
  };
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    TestDatabase db;
    db.exec("CREATE TABLE users (id int); INSERT INTO users VALUES (1), (2)");
    TempDir dir;
    dir.write("a.sql", migration("a", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
    auto r = run_pgrevise(
        {"migrate", "upgrade", "--dir", dir.str(), "--database-url", db.url(), "--version-table", name});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << describe(r);
    EXPECT_EQ(db.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM users"), "1,2");
    EXPECT_FALSE(db.table_exists("public.alembic_version"));
    if (r.exit_code == 2) {
      EXPECT_NE(r.err.find("version table") == std::string::npos ? r.err.find("--version-table") : 0,
                std::string::npos)
          << r.err;
      EXPECT_FALSE(db.table_exists("public.ta"));
      continue;
    }
    // Accepted: exactly one new table besides ta and the history table, holding the version.
    auto current = run_pgrevise(
        {"migrate", "current", "--dir", dir.str(), "--database-url", db.url(), "--version-table", name});
    EXPECT_EQ(current.exit_code, 0) << describe(current);
    EXPECT_NE(current.out.find("a"), std::string::npos) << current.out;
    EXPECT_EQ(
        db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                 "c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"),
        "4")  // users, ta, the version table, its history table
        << db.query(
               "SELECT string_agg(n.nspname || '.' || c.relname, ', ') FROM pg_class c JOIN pg_namespace n "
               "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', "
               "'information_schema', 'pg_toast')");
  }
}

}  // namespace
}  // namespace pgrevise::testing
