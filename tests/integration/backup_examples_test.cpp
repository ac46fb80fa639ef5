// The round trip on the example migrations/ set: a database part-way along both branches (two heads) with
// data in every table is backed up, migrated to heads with `pgrevise migrate`, restored with --clean, and
// must come back identical: schema, every row, and the heads of its manifest.
#include "integration/backup_fixture.h"

namespace pgrevise::testing {
namespace {

std::string all_tables(const TestDatabase& db) {
  return db.query(
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
      "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER "
      "BY 1");
}

// Every row of every user table.
std::string all_rows(const TestDatabase& db) {
  std::vector<std::string> tables;
  std::stringstream listed(all_tables(db));
  for (std::string t; std::getline(listed, t);) tables.push_back(t);
  return row_checksums(db, tables);
}

TEST_F(BackupTest, ExampleMigrationsRoundTrip) {
  TestDatabase db;
  const std::string dir = std::string(std::getenv("PGREVISE_SOURCE_DIR")) + "/migrations";
  auto migrate = [&](const std::string& target) {
    ProcessResult r = cli({"migrate", "upgrade", target, "--dir", dir, "--database-url", db.url()});
    ASSERT_EQ(r.exit_code, 0) << target << ": " << r.err;
  };
  migrate("0010");
  migrate("0014");
  db.exec(
      "INSERT INTO users (email, first_name, last_name) VALUES ('ada@example.com', 'Ada', 'L'), "
      "  ('bob@example.com', 'Bob', 'M');"
      "INSERT INTO clients (name) VALUES ('Acme'), ('Globex');"
      "INSERT INTO projects (client_id, name, hourly_rate) SELECT id, 'P-' || name, 90 FROM clients;"
      "INSERT INTO tasks (project_id, title, assignee_id) SELECT p.id, 'T-' || p.name, (SELECT min(id) FROM "
      "users)"
      "  FROM projects p;"
      "INSERT INTO time_entries (user_id, task_id, started_at, ended_at, note) SELECT (SELECT min(id) FROM "
      "users),"
      "  t.id, '2026-01-01 09:00+00', '2026-01-01 10:30+00', 'work' FROM tasks t;"
      "INSERT INTO project_costs (project_id, incurred_on, description, amount) SELECT id, '2026-01-02', "
      "'licence',"
      "  100 FROM projects;"
      "INSERT INTO invoices (client_id, currency, status) SELECT id, 'EUR', 'issued' FROM clients;"
      "INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price) SELECT id, 1, "
      "'hours',"
      "  1.5, 90 FROM invoices;");
  std::stringstream tables(all_tables(db));
  for (std::string t; std::getline(tables, t);) {
    EXPECT_NE(db.query("SELECT count(*) FROM " + t), "0")
        << t << " has no rows: the round trip would prove less";
  }
  const std::string schema_before = schema_dump(db);
  const std::string rows_before = all_rows(db);

  ProcessResult b = backup(db, {"--name", "before-heads", "--output", "json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(b.out)["backup"]["heads"], nlohmann::json({"0010", "0014"}));

  migrate("heads");
  ASSERT_NE(schema_dump(db), schema_before);

  ProcessResult r =
      cli({"restore", "--from", (out / "before-heads.dump").string(), "--database-url", db.url(), "--clean"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("heads now: 0010, 0014"), std::string::npos) << r.out;
  EXPECT_EQ(schema_dump(db), schema_before);
  EXPECT_EQ(all_rows(db), rows_before);
}

// The first install of an application: a database with nothing in it yet is backed up (an empty archive is
// a sound backup), migrated, and can be put back to empty.
TEST_F(BackupTest, BrandNewDatabaseIsBackedUpBeforeTheFirstMigration) {
  TestDatabase db;
  ProcessResult b = backup(db, {"--name", "first-install", "--output", "json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(b.out)["backup"]["heads"], nlohmann::json::array());

  const std::string dir = std::string(std::getenv("PGREVISE_SOURCE_DIR")) + "/migrations";
  ProcessResult m = cli({"migrate", "upgrade", "heads", "--dir", dir, "--database-url", db.url()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  ASSERT_TRUE(db.table_exists("public.time_entries"));

  ProcessResult r = cli(
      {"restore", "--from", (out / "first-install.dump").string(), "--database-url", db.url(), "--clean"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(db.table_exists("public.time_entries"));
  EXPECT_FALSE(db.table_exists("public.alembic_version"));
}

}  // namespace
}  // namespace pgrevise::testing
