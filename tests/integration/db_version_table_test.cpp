#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/error.h"
#include "db/connection.h"
#include "db/history.h"
#include "db/version_table.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using pgrevise::testing::TestDatabase;
using Heads = std::vector<std::string>;

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error";
  return Error(ErrorKind::kInternal, "none");
}

std::unique_ptr<pqxx::connection> open(const TestDatabase& db) {
  return connect(resolve_connection(db.url()), std::chrono::seconds(5), "pgrevise-test");
}

TEST(VersionTableName, ParsesSchemaAndName) {
  EXPECT_EQ(VersionTableName::parse("alembic_version"), (VersionTableName{"public", "alembic_version"}));
  EXPECT_EQ(VersionTableName::parse("app.versions"), (VersionTableName{"app", "versions"}));
  EXPECT_EQ(VersionTableName::parse(R"("my.schema"."t""x")"), (VersionTableName{"my.schema", "t\"x"}));
  EXPECT_EQ(VersionTableName::parse("Mixed.Case"), (VersionTableName{"Mixed", "Case"}));
}

TEST(VersionTableName, RejectsBadNamesNamingTheFlag) {
  for (const char* bad : {"", "a.b.c", ".t", "s.", "\"unterminated", "\"a\"b.c", "a..b"}) {
    auto e = error_of([&] { VersionTableName::parse(bad); });
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << bad;
    EXPECT_NE(std::string(e.what()).find("--version-table"), std::string::npos) << e.what();
  }
  auto too_long = error_of([] { VersionTableName::parse(std::string(56, 'v')); });
  EXPECT_NE(std::string(too_long.what()).find("longer than 55"), std::string::npos) << too_long.what();
  EXPECT_NO_THROW(VersionTableName::parse(std::string(55, 'v')));
}

TEST(VersionTableName, QuotesIdentifiersSafely) {
  VersionTableName t{"s\"; DROP", "n"};
  EXPECT_EQ(t.qualified_sql(), R"("s""; DROP"."n")");
  EXPECT_EQ(t.history_table().name, "n_history");
  EXPECT_EQ(t.primary_key_name(), "n_pkc");
}

TEST(VersionTable, MissingTableHasNoHeads) {
  TestDatabase db;
  auto c = open(db);
  EXPECT_TRUE(read_heads(*c, VersionTableName{}).empty());
}

TEST(VersionTable, CreatedWithAlembicsExactShape) {
  TestDatabase db;
  auto c = open(db);
  {
    pqxx::work tx(*c);
    ensure_version_table(tx, VersionTableName{});
    ensure_version_table(tx, VersionTableName{});  // idempotent
    tx.commit();
  }
  EXPECT_EQ(db.query("SELECT column_name || ' ' || data_type || ' ' || character_maximum_length || ' ' || "
                     "is_nullable FROM information_schema.columns WHERE table_name = 'alembic_version'"),
            "version_num character varying 32 NO");
  EXPECT_EQ(
      db.query(
          "SELECT conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
          "WHERE conrelid = 'public.alembic_version'::regclass"),
      "alembic_version_pkc p PRIMARY KEY (version_num)");
}

TEST(VersionTable, CreatesMissingSchema) {
  TestDatabase db;
  auto c = open(db);
  auto t = VersionTableName::parse("migrations.versions");
  pqxx::work tx(*c);
  stamp(tx, t, {"abc"});
  tx.commit();
  EXPECT_TRUE(db.table_exists("migrations.versions"));
  EXPECT_EQ(read_heads(*c, t), Heads{"abc"});
}

TEST(VersionTable, AppliesRowChangesWithAlembicSemantics) {
  TestDatabase db;
  auto c = open(db);
  VersionTableName t;
  pqxx::work tx(*c);
  ensure_version_table(tx, t);
  apply_version_changes(tx, t, {VersionChange::insert("001")});
  apply_version_changes(tx, t, {VersionChange::update("001", "002")});
  apply_version_changes(tx, t, {VersionChange::insert("b1"), VersionChange::insert("c1")});
  // A merge of two heads: one row moves, the other goes.
  apply_version_changes(tx, t, {VersionChange::remove("c1"), VersionChange::update("b1", "m1")});
  tx.commit();
  EXPECT_EQ(read_heads(*c, t), (Heads{"002", "m1"}));
}

TEST(VersionTable, MissingRowIsReportedAsConcurrentChangeAndNothingIsApplied) {
  TestDatabase db;
  auto c = open(db);
  VersionTableName t;
  {
    pqxx::work tx(*c);
    stamp(tx, t, {"001"});
    tx.commit();
  }
  ASSERT_EQ(read_heads(*c, t), Heads{"001"});
  // Another session moves the head after this runner read it.
  db.exec("UPDATE alembic_version SET version_num = '999'");
  {
    pqxx::work tx(*c);
    auto e = error_of([&] {
      apply_version_changes(tx, t, {VersionChange::insert("b1"), VersionChange::update("001", "002")});
    });
    EXPECT_EQ(e.kind(), ErrorKind::kMigrationFailed);
    EXPECT_NE(std::string(e.what()).find("changed concurrently"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'001'"), std::string::npos) << e.what();
  }  // aborted
  EXPECT_EQ(read_heads(*c, t), Heads{"999"});

  pqxx::work tx(*c);
  auto dup = error_of([&] { apply_version_changes(tx, t, {VersionChange::insert("999")}); });
  EXPECT_NE(std::string(dup.what()).find("already there"), std::string::npos) << dup.what();
  tx.abort();
  pqxx::work tx2(*c);
  auto del = error_of([&] { apply_version_changes(tx2, t, {VersionChange::remove("nope")}); });
  EXPECT_NE(std::string(del.what()).find("changed concurrently"), std::string::npos) << del.what();
}

TEST(VersionTable, StampReplacesAllRowsAndPurgeEmpties) {
  TestDatabase db;
  auto c = open(db);
  VersionTableName t;
  {
    pqxx::work tx(*c);
    stamp(tx, t, {"b", "a", "b"});
    tx.commit();
  }
  EXPECT_EQ(read_heads(*c, t), (Heads{"a", "b"}));
  {
    pqxx::work tx(*c);
    stamp(tx, t, {"c"});
    tx.commit();
  }
  EXPECT_EQ(read_heads(*c, t), Heads{"c"});
  {
    pqxx::work tx(*c);
    purge(tx, t);
    tx.commit();
  }
  EXPECT_TRUE(read_heads(*c, t).empty());
  EXPECT_TRUE(db.table_exists("public.alembic_version"));
}

TEST(VersionTable, EmptyRevisionIdsAreBadInput) {
  TestDatabase db;
  auto c = open(db);
  pqxx::work tx(*c);
  auto e = error_of([&] { stamp(tx, VersionTableName{}, {""}); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  auto e2 = error_of([&] { apply_version_changes(tx, VersionTableName{}, {VersionChange::insert("")}); });
  EXPECT_EQ(e2.kind(), ErrorKind::kBadInput);
}

// Whether an id fits is the column's business, as the database declares it: created wider, widened, turned
// into text or a domain, in another schema.
TEST(VersionTable, ReadsTheColumnsDeclaredWidth) {
  TestDatabase db;
  auto c = open(db);
  const VersionTableName t{"app", "versions"};
  pqxx::work tx(*c);
  EXPECT_FALSE(read_version_column(tx, t).exists);
  ensure_version_table(tx, t, 64);
  auto column = read_version_column(tx, t);
  EXPECT_TRUE(column.exists);
  EXPECT_EQ(column.max_length, 64u);
  EXPECT_FALSE(column.length_in_bytes);  // the test cluster is UTF8
  ensure_version_table(tx, t, 32);       // an existing table is left as it is
  EXPECT_EQ(read_version_column(tx, t).max_length, 64u);
  apply_version_changes(tx, t, {VersionChange::insert(std::string(64, 'x'))});
  tx.exec("ALTER TABLE app.versions ALTER COLUMN version_num TYPE text");
  EXPECT_EQ(read_version_column(tx, t).max_length, std::nullopt);
  tx.exec("CREATE DOMAIN app.revision_id AS varchar(80)");
  tx.exec("ALTER TABLE app.versions ALTER COLUMN version_num TYPE app.revision_id");
  EXPECT_EQ(read_version_column(tx, t).max_length, 80u);
  EXPECT_FALSE(read_version_column(tx, VersionTableName{}).exists);  // public.alembic_version
}

TEST(VersionTable, HostileNamesAndIdsCannotInject) {
  TestDatabase db;
  db.exec("CREATE TABLE victim (x int)");
  auto c = open(db);
  VersionTableName t{"ev'il\"; DROP TABLE victim; --", "v\"; DROP TABLE victim;-- $pgrevise$ $$"};
  const std::string hostile_id = "r'); DROP TABLE victim;--";
  {
    pqxx::work tx(*c);
    ensure_version_table(tx, t);
    HistoryTable(t).ensure(tx);
    apply_version_changes(tx, t, {VersionChange::insert(hostile_id)});
    apply_version_changes(tx, t, {VersionChange::insert("a$$b"), VersionChange::update(hostile_id, "z")});
    tx.commit();
  }
  EXPECT_EQ(read_heads(*c, t), (Heads{"a$$b", "z"}));
  EXPECT_TRUE(db.table_exists("public.victim"));
  pqxx::nontransaction check(*c);
  auto rows = check.exec_params(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
      "AND c.relkind = 'r' ORDER BY 1",
      t.schema);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<std::string>(), t.name);
  EXPECT_EQ(rows[1][0].as<std::string>(), t.name + "_history");
}

TEST(VersionTable, PlainSqlMatchesAlembicOfflineOutput) {
  auto sql = version_change_sql(
      VersionTableName{},
      {VersionChange::insert("001"), VersionChange::update("001", "002"), VersionChange::remove("002")});
  ASSERT_EQ(sql.size(), 3u);
  EXPECT_EQ(sql[0], R"(INSERT INTO "public"."alembic_version" (version_num) VALUES ('001'))");
  EXPECT_EQ(sql[1], R"(UPDATE "public"."alembic_version" SET version_num='002' WHERE version_num = '001')");
  EXPECT_EQ(sql[2], R"(DELETE FROM "public"."alembic_version" WHERE version_num = '002')");
  auto ddl = version_table_ddl(VersionTableName{});
  ASSERT_EQ(ddl.size(), 2u);
  EXPECT_EQ(ddl[1],
            R"(CREATE TABLE IF NOT EXISTS "public"."alembic_version" (version_num VARCHAR(32) NOT NULL, )"
            R"(CONSTRAINT "alembic_version_pkc" PRIMARY KEY (version_num)))");
  EXPECT_NE(version_table_ddl(VersionTableName{}, 128)[1].find("(version_num VARCHAR(128) NOT NULL"),
            std::string::npos);
}

}  // namespace
}  // namespace pgrevise::db
