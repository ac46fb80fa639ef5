#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/error.h"
#include "common/redact.h"
#include "db/connection.h"
#include "support/test_postgres.h"

namespace pgrevise::db {
namespace {

using pgrevise::testing::TestDatabase;

constexpr const char* kCanary = "Canary-Secret-9f2e71";
const char* const kConnectionVariables[] = {"DATABASE_URL", "PGHOST",     "PGPORT",    "PGDATABASE",
                                            "PGUSER",       "PGPASSWORD", "PGSSLMODE", "PGHOSTADDR"};

// Clears the connection variables for one test and puts the originals back afterwards.
class ConnectionEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kConnectionVariables) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kConnectionVariables) unsetenv(name);
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }
  std::map<std::string, std::string> saved_;
};

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error";
  return Error(ErrorKind::kInternal, "none");
}

TEST_F(ConnectionEnv, FlagWinsOverDatabaseUrlAndPgVariables) {
  setenv("DATABASE_URL", "postgresql://envuser@envhost:5555/envdb", 1);
  setenv("PGHOST", "pghost", 1);
  auto cfg = resolve_connection(std::string("postgresql://flaguser@flaghost:6666/flagdb?sslmode=disable"));
  EXPECT_EQ(cfg.host, "flaghost");
  EXPECT_EQ(cfg.port, "6666");
  EXPECT_EQ(cfg.dbname, "flagdb");
  EXPECT_EQ(cfg.user, "flaguser");
  EXPECT_EQ(cfg.sslmode, "disable");
  EXPECT_EQ(cfg.conninfo, "postgresql://flaguser@flaghost:6666/flagdb?sslmode=disable");
}

TEST_F(ConnectionEnv, DatabaseUrlWinsOverPgVariables) {
  setenv("DATABASE_URL", "postgresql://envuser@envhost:5555/envdb", 1);
  setenv("PGHOST", "pghost", 1);
  setenv("PGDATABASE", "pgdb", 1);
  auto cfg = resolve_connection(std::nullopt);
  EXPECT_EQ(cfg.host, "envhost");
  EXPECT_EQ(cfg.dbname, "envdb");
  EXPECT_EQ(cfg.user, "envuser");
  EXPECT_EQ(cfg.conninfo, "postgresql://envuser@envhost:5555/envdb");
}

TEST_F(ConnectionEnv, PgVariablesWhenNoUrl) {
  setenv("PGHOST", "pghost", 1);
  setenv("PGPORT", "7777", 1);
  setenv("PGDATABASE", "pgdb", 1);
  setenv("PGUSER", "pguser", 1);
  setenv("PGPASSWORD", kCanary, 1);
  auto cfg = resolve_connection(std::nullopt);
  EXPECT_EQ(cfg.conninfo, "");
  EXPECT_EQ(cfg.host, "pghost");
  EXPECT_EQ(cfg.port, "7777");
  EXPECT_EQ(cfg.dbname, "pgdb");
  EXPECT_EQ(cfg.user, "pguser");
  ASSERT_TRUE(cfg.password.has_value());
  EXPECT_EQ(*cfg.password, kCanary);
  EXPECT_EQ(cfg.display.find(kCanary), std::string::npos) << cfg.display;
  EXPECT_EQ(cfg.conninfo_without_password(), "");
}

TEST_F(ConnectionEnv, ConnectsThroughPgVariablesAlone) {
  TestDatabase db;
  auto from_url = resolve_connection(db.url());
  setenv("PGHOST", from_url.host.c_str(), 1);
  setenv("PGPORT", from_url.port.c_str(), 1);
  setenv("PGDATABASE", from_url.dbname.c_str(), 1);
  setenv("PGUSER", from_url.user.c_str(), 1);
  setenv("PGPASSWORD", from_url.password.value().c_str(), 1);
  auto cfg = resolve_connection(std::nullopt);
  auto conn = connect(cfg, std::chrono::seconds(5), "pgrevise-env-test");
  auto info = session_info(*conn);
  EXPECT_EQ(info.database, db.name());
  EXPECT_EQ(info.application_name, "pgrevise-env-test");
  EXPECT_GT(info.backend_pid, 0);
  EXPECT_GE(info.server_version_num, 100000);
  EXPECT_EQ(server_version_num(*conn), info.server_version_num);
}

TEST_F(ConnectionEnv, UrlPasswordIsRegisteredAndKeptOutOfDisplayAndChildConninfo) {
  auto cfg = resolve_connection(std::string("postgresql://app:") + kCanary + "@db.example:5432/app");
  ASSERT_TRUE(cfg.password.has_value());
  EXPECT_EQ(*cfg.password, kCanary);
  EXPECT_EQ(cfg.display.find(kCanary), std::string::npos) << cfg.display;
  EXPECT_NE(cfg.display.find("db.example"), std::string::npos) << cfg.display;
  const auto child = cfg.conninfo_without_password();
  EXPECT_EQ(child.find(kCanary), std::string::npos) << child;
  EXPECT_NE(child.find("host='db.example'"), std::string::npos) << child;
  EXPECT_NE(child.find("dbname='app'"), std::string::npos) << child;
  EXPECT_EQ(redact(std::string("oops ") + kCanary), "oops " + std::string(kRedacted));
}

TEST_F(ConnectionEnv, BadUrlNamesTheFlagOrVariableWithoutThePassword) {
  auto flag_error = error_of([] {
    resolve_connection(std::string("postgresql://app:") + kCanary + "@db.example/app?bogus_option=1");
  });
  EXPECT_EQ(flag_error.kind(), ErrorKind::kBadInput);
  EXPECT_NE(std::string(flag_error.what()).find("--database-url"), std::string::npos) << flag_error.what();
  EXPECT_EQ(std::string(flag_error.what()).find(kCanary), std::string::npos) << flag_error.what();

  setenv("DATABASE_URL", (std::string("postgresql://app:") + kCanary + "@[::1/app").c_str(), 1);
  auto env_error = error_of([] { resolve_connection(std::nullopt); });
  EXPECT_EQ(env_error.kind(), ErrorKind::kBadInput);
  EXPECT_NE(std::string(env_error.what()).find("DATABASE_URL"), std::string::npos) << env_error.what();
  EXPECT_EQ(std::string(env_error.what()).find(kCanary), std::string::npos) << env_error.what();

  auto empty_error = error_of([] { resolve_connection(std::string("  ")); });
  EXPECT_EQ(empty_error.kind(), ErrorKind::kBadInput);
}

TEST_F(ConnectionEnv, WrongPasswordIsAnAuthenticationFailureWithoutThePassword) {
  TestDatabase db;
  auto cfg = resolve_connection(db.url_with_password(kCanary));
  auto e = error_of([&] { connect(cfg, std::chrono::seconds(5)); });
  const std::string msg = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  EXPECT_NE(msg.find("authentication failed for user " + cfg.user), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kCanary), std::string::npos) << msg;
}

TEST_F(ConnectionEnv, UnreachableHostIsAConnectFailureWithoutThePassword) {
  auto cfg = resolve_connection(std::string("postgresql://app:") + kCanary + "@127.0.0.1:1/app");
  auto e = error_of([&] { connect(cfg, std::chrono::seconds(2)); });
  const std::string msg = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  EXPECT_NE(msg.find("could not connect to 127.0.0.1:1"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kCanary), std::string::npos) << msg;
}

TEST_F(ConnectionEnv, MissingDatabaseIsNamed) {
  TestDatabase db;
  auto cfg = resolve_connection(pgrevise::testing::url_for_database(db.url(), "no_such_db_x"));
  auto e = error_of([&] { connect(cfg, std::chrono::seconds(5)); });
  const std::string msg = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kConnection);
  EXPECT_NE(msg.find("database no_such_db_x does not exist at " + cfg.endpoint()), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.find(cfg.password.value()), std::string::npos) << msg;
}

TEST_F(ConnectionEnv, KeywordConninfoIsAcceptedToo) {
  TestDatabase db;
  auto url = resolve_connection(db.url());
  const std::string keyword = "host=" + url.host + " port=" + url.port + " dbname=" + url.dbname +
                              " user=" + url.user + " password=" + url.password.value();
  auto cfg = resolve_connection(keyword);
  EXPECT_EQ(cfg.display.find(url.password.value()), std::string::npos) << cfg.display;
  auto conn = connect(cfg);
  EXPECT_EQ(session_info(*conn).application_name, "pgrevise");
  EXPECT_EQ(session_info(*conn).database, db.name());
}

}  // namespace
}  // namespace pgrevise::db
