#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "common/clock.h"

#include "common/error.h"
#include "controller/postgres_probe.h"
#include "db/history.h"
#include "db/lock.h"
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

// The version the safety gate's rules follow: the server's own major version, on each server of the matrix.
TEST(PostgresProbeTest, ReadsTheServersMajorVersion) {
  TestDatabase database;
  controller::PostgresProbe probe;
  const int expected = std::stoi(database.query("SELECT current_setting('server_version_num')::int / 10000"));
  EXPECT_EQ(probe.read_server_version(target_for(database.url())), expected);
  EXPECT_GE(expected, 15);
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

// A session that holds the migration lock, as a runner does, and builds an index concurrently: held back
// by a transaction that wrote the table, the build stays in its "waiting for writers" phase while the probe
// looks.
TEST(PostgresProbeTest, TheStatementOfTheSessionHoldingTheMigrationLock) {
  TestDatabase database;
  database.exec(
      "CREATE TABLE big (id int, secret text); INSERT INTO big SELECT g, 'x' FROM generate_series(1, 1000) "
      "g");
  controller::PostgresProbe probe;
  pqxx::connection writer_conn(database.url());
  pqxx::work writer(writer_conn);
  writer.exec("LOCK TABLE big IN ROW EXCLUSIVE MODE");
  pqxx::connection runner(database.url());
  {
    pqxx::nontransaction tx(runner);
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(db::migration_lock_key(db::VersionTableName{})) +
            ")");
  }
  std::thread build([&] {
    pqxx::nontransaction tx(runner);
    tx.exec("CREATE INDEX CONCURRENTLY big_secret_idx ON big (id) WHERE secret <> 'hunter2-canary'");
  });
  std::optional<controller::MigrationProgress> progress;
  for (int i = 0; i < 600; ++i) {  // until the build waits (or a minute has passed)
    progress = probe.read_progress(target_for(database.url()));
    if (progress && progress->statement && !progress->statement->phase.empty() &&
        progress->statement->phase != "initializing")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  writer.commit();
  build.join();
  ASSERT_TRUE(progress && progress->statement);
  EXPECT_EQ(progress->run_id, "");  // no history table: the statement alone
  EXPECT_EQ(progress->statement->statement,
            "CREATE INDEX CONCURRENTLY big_secret_idx ON big (id) WHERE secret <> '...'");
  EXPECT_EQ(progress->statement->phase, "waiting for writers before build");
  EXPECT_GE(progress->statement->running_seconds, 0);
  // Once it finished, nothing runs.
  EXPECT_FALSE(probe.read_progress(target_for(database.url())).has_value());
}

// ---- connections kept between calls ----

constexpr auto kLifetime = std::chrono::seconds(5);

controller::PostgresProbeOptions keeping(std::size_t max_idle = 16) {
  return {.connect_timeout = std::chrono::seconds(5),
          .idle_lifetime = kLifetime,
          .max_idle_connections = max_idle};
}

// The backends of the probe (its application_name) in `database`, as `user` (any user when empty).
std::vector<std::string> probe_backends(const TestDatabase& database, const std::string& user = "") {
  std::string sql =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgrevise-operator' AND datname = '" +
      database.name() + "'";
  if (!user.empty()) sql += " AND usename = '" + user + "'";
  const std::string text = database.query(sql + " ORDER BY pid");
  std::vector<std::string> pids;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    pids.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return pids;
}

// A backend closed by its client or terminated goes away shortly after; waits (up to 30 s) until the probe's
// backends are `expected` in number.
std::vector<std::string> await_backends(const TestDatabase& database, std::size_t expected,
                                        const std::string& user = "") {
  auto pids = probe_backends(database, user);
  for (int i = 0; i < 600 && pids.size() != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pids = probe_backends(database, user);
  }
  return pids;
}

// A login role with a password, dropped at the end (declare it before the database, so that it outlives the
// database's sessions).
class TestRole {
 public:
  TestRole(const TestDatabase& admin, std::string name, const std::string& password)
      : admin_(admin), name_(std::move(name)) {
    admin_.exec("CREATE ROLE " + name_ + " LOGIN PASSWORD '" + password + "'");
  }
  ~TestRole() {
    try {
      admin_.exec("DROP ROLE IF EXISTS " + name_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop role " << name_ << ": " << e.what();
    }
  }
  const std::string& name() const { return name_; }
  void set_password(const std::string& password) const {
    admin_.exec("ALTER ROLE " + name_ + " PASSWORD '" + password + "'");
  }
  // `url` with this role and `password` as its user and password.
  std::string url(const std::string& url, const std::string& password) const {
    const auto user_start = url.find("://") + 3;
    return url.substr(0, user_start) + name_ + ":" + password + url.substr(url.find('@', user_start));
  }

 private:
  const TestDatabase& admin_;
  std::string name_;
};

TEST(PostgresProbeKeptConnectionTest, TheNextCallReusesTheConnection) {
  TestDatabase database;
  database.exec("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO alembic_version VALUES ('0001')");
  ManualClock clock;
  controller::PostgresProbe probe(keeping(), clock);
  EXPECT_EQ(probe.read_heads(target_for(database.url())), std::vector<std::string>{"0001"});
  EXPECT_EQ(probe.idle_connections(), 1u);
  const auto first = probe_backends(database);
  ASSERT_EQ(first.size(), 1u);

  database.exec("INSERT INTO alembic_version VALUES ('0002')");
  clock.advance(kLifetime - std::chrono::milliseconds(1));
  EXPECT_EQ(probe.read_heads(target_for(database.url())), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_FALSE(probe.read_progress(target_for(database.url())).has_value());
  EXPECT_EQ(probe.idle_connections(), 1u);
  EXPECT_EQ(probe_backends(database), first);  // the same session answered every call
}

TEST(PostgresProbeKeptConnectionTest, ClosedAfterItsIdleLifetime) {
  TestDatabase database;
  ManualClock clock;
  controller::PostgresProbe probe(keeping(), clock);
  EXPECT_TRUE(probe.read_heads(target_for(database.url())).empty());
  const auto first = probe_backends(database);
  ASSERT_EQ(first.size(), 1u);

  clock.advance(kLifetime);
  probe.close_expired();
  EXPECT_EQ(probe.idle_connections(), 0u);
  EXPECT_TRUE(await_backends(database, 0).empty());

  // The next call connects again, and keeps that connection.
  EXPECT_TRUE(probe.read_heads(target_for(database.url())).empty());
  const auto second = probe_backends(database);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second, first);
  EXPECT_EQ(probe.idle_connections(), 1u);
}

TEST(PostgresProbeKeptConnectionTest, AnExpiredConnectionIsNotUsedEvenBeforeItIsClosed) {
  TestDatabase database;
  ManualClock clock;
  controller::PostgresProbe probe(keeping(), clock);
  probe.read_heads(target_for(database.url()));
  const auto first = probe_backends(database);
  clock.advance(kLifetime + std::chrono::seconds(1));
  probe.read_heads(target_for(database.url()));
  const auto now = await_backends(database, 1);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now, first);
}

TEST(PostgresProbeKeptConnectionTest, ATerminatedBackendIsReplacedWithoutAnError) {
  TestDatabase database;
  database.exec("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO alembic_version VALUES ('0007')");
  ManualClock clock;
  controller::PostgresProbe probe(keeping(), clock);
  probe.read_heads(target_for(database.url()));
  const auto first = probe_backends(database);
  ASSERT_EQ(first.size(), 1u);

  database.exec("SELECT pg_terminate_backend(" + first[0] + ")");
  ASSERT_TRUE(await_backends(database, 0).empty());
  database.exec("INSERT INTO alembic_version VALUES ('0012')");

  EXPECT_EQ(probe.read_heads(target_for(database.url())), (std::vector<std::string>{"0007", "0012"}));
  const auto second = probe_backends(database);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second, first);
  EXPECT_EQ(probe.idle_connections(), 1u);

  // The same for the history read.
  database.exec("SELECT pg_terminate_backend(" + second[0] + ")");
  ASSERT_TRUE(await_backends(database, 0).empty());
  EXPECT_FALSE(probe.read_progress(target_for(database.url())).has_value());
  EXPECT_EQ(probe.idle_connections(), 1u);
}

TEST(PostgresProbeKeptConnectionTest, ALockedVersionTableTimesOutAsATransientError) {
  TestDatabase database;
  database.exec("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO alembic_version VALUES ('0001')");
  ManualClock clock;
  controller::PostgresProbe probe(
      {.connect_timeout = std::chrono::seconds(1), .idle_lifetime = kLifetime, .max_idle_connections = 4},
      clock);
  probe.read_heads(target_for(database.url()));  // kept

  pqxx::connection locker(database.url());
  pqxx::work lock(locker);
  lock.exec("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE");
  try {
    probe.read_heads(target_for(database.url()));
    FAIL() << "expected the statement timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient) << e.what();
  }
  lock.abort();
  EXPECT_EQ(probe.read_heads(target_for(database.url())), std::vector<std::string>{"0001"});
}

TEST(PostgresProbeKeptConnectionTest, ANewPasswordClosesTheConnectionOfTheOldOne) {
  TestDatabase admin;  // the role is created and dropped through the first database's admin session
  const std::string role_name = "probe_role_" + admin.name();
  TestRole role(admin, role_name, "first-secret");
  TestDatabase database;
  ManualClock clock;
  controller::PostgresProbe probe(keeping(), clock);

  const std::string old_url = role.url(database.url(), "first-secret");
  EXPECT_TRUE(probe.read_heads(target_for(old_url)).empty());
  const auto first = probe_backends(database, role.name());
  ASSERT_EQ(first.size(), 1u);

  role.set_password("second-secret");
  // The kept connection was opened with the old password: with the new one it is not used, and closed.
  EXPECT_TRUE(probe.read_heads(target_for(role.url(database.url(), "second-secret"))).empty());
  EXPECT_EQ(probe.idle_connections(), 1u);
  const auto now = await_backends(database, 1, role.name());
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now, first);

  // The old password no longer logs in: nothing kept answers for it.
  try {
    probe.read_heads(target_for(old_url));
    FAIL() << "expected an authentication error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConnection);
    EXPECT_EQ(std::string(e.what()).find("first-secret"), std::string::npos) << e.what();
  }
}

TEST(PostgresProbeKeptConnectionTest, AtMostMaxIdleConnectionsStayOpen) {
  TestDatabase a, b, c;
  ManualClock clock;
  controller::PostgresProbe probe(keeping(2), clock);
  for (const auto* database : {&a, &b, &c}) probe.read_heads(target_for(database->url()));
  EXPECT_EQ(probe.idle_connections(), 2u);
  EXPECT_TRUE(await_backends(a, 0).empty());  // the one idle longest was closed
  EXPECT_EQ(probe_backends(b).size(), 1u);
  EXPECT_EQ(probe_backends(c).size(), 1u);
}

TEST(PostgresProbeKeptConnectionTest, ZeroLifetimeKeepsNothing) {
  TestDatabase database;
  ManualClock clock;
  controller::PostgresProbe probe({.idle_lifetime = std::chrono::milliseconds(0)}, clock);
  probe.read_heads(target_for(database.url()));
  EXPECT_EQ(probe.idle_connections(), 0u);
  EXPECT_TRUE(await_backends(database, 0).empty());
}

TEST(PostgresProbeKeptConnectionTest, CallsFromSeveralThreadsShareTheKeptConnections) {
  TestDatabase database;
  database.exec("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  database.exec("INSERT INTO alembic_version VALUES ('0003')");
  ManualClock clock;
  controller::PostgresProbe probe(keeping(3), clock);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (probe.read_heads(target_for(database.url())) != std::vector<std::string>{"0003"}) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(probe.idle_connections(), 1u);
  EXPECT_LE(probe.idle_connections(), 3u);
  EXPECT_EQ(await_backends(database, probe.idle_connections()).size(), probe.idle_connections());
}

}  // namespace
}  // namespace pgrevise::testing
