#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "common/error.h"
#include "controller/postgres_probe.h"
#include "db/history.h"
#include "support/test_postgres.h"

namespace pgrevise::testing {
namespace {

controller::DatabaseTarget target_for(const std::string& url, db::VersionTableName table = {}) {
  return {url, "the test database", std::move(table)};
}

TEST(PostgresProbeTest, ReadsTheVersionTableSorted) {
  TestDatabase database;
  controller::PostgresProbe probe;
  EXPECT_TRUE(probe.read_heads(target_for(database.url())).empty());  // no table yet
  database.exec("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO alembic_version VALUES ('0012'), ('0007')");
  EXPECT_EQ(probe.read_heads(target_for(database.url())), (std::vector<std::string>{"0007", "0012"}));
}

TEST(PostgresProbeTest, ReadsAVersionTableInAnotherSchema) {
  TestDatabase database;
  database.exec("CREATE SCHEMA meta");
  database.exec("CREATE TABLE meta.versions (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO meta.versions VALUES ('abc')");
  controller::PostgresProbe probe;
  EXPECT_EQ(probe.read_heads(target_for(database.url(), {"meta", "versions"})),
            std::vector<std::string>{"abc"});
  EXPECT_TRUE(probe.read_heads(target_for(database.url())).empty());
}

TEST(PostgresProbeTest, UnreachableDatabaseIsAConnectionErrorWithoutThePassword) {
  controller::PostgresProbe probe(std::chrono::seconds(2));
  try {
    probe.read_heads(target_for("postgresql://app:probe-secret-pw@127.0.0.1:1/app"));
    FAIL() << "expected a connection error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConnection);
    EXPECT_EQ(std::string(e.what()).find("probe-secret-pw"), std::string::npos) << e.what();
  }
}

TEST(PostgresProbeTest, WrongPasswordIsAConnectionError) {
  TestDatabase database;
  controller::PostgresProbe probe;
  try {
    probe.read_heads(target_for(database.url_with_password("not-the-password")));
    FAIL() << "expected an authentication error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  }
}

TEST(PostgresProbeTest, ProgressOfTheLatestRunFromTheHistoryTable) {
  TestDatabase database;
  controller::PostgresProbe probe;
  EXPECT_FALSE(probe.read_progress(target_for(database.url())).has_value());
  db::HistoryTable history(db::VersionTableName{});
  pqxx::connection conn(database.url());
  pqxx::work tx(conn);
  history.ensure(tx);
  history.record(
      tx, db::StepRecord{
              .revision = "0001", .checksum = "c1", .run_id = "run-1", .step_index = 1, .step_count = 3});
  history.record(
      tx, db::StepRecord{
              .revision = "0002", .checksum = "c2", .run_id = "run-1", .step_index = 2, .step_count = 3});
  tx.commit();
  auto progress = probe.read_progress(target_for(database.url()));
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->run_id, "run-1");
  EXPECT_EQ(progress->total, 3);
  EXPECT_EQ(progress->done, 2);
  EXPECT_EQ(progress->failed, 0);
  EXPECT_FALSE(progress->started_at.empty());
}

}  // namespace
}  // namespace pgrevise::testing
