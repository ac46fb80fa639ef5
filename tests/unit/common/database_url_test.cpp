#include "common/database_url.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/redact.h"

namespace pgrevise {
namespace {

TEST(DatabaseUrlTest, SqlAlchemyDriversAreDroppedForLibpq) {
  EXPECT_EQ(libpq_connection_text("postgresql+psycopg2://app:pw@db:5432/app?sslmode=require", "DATABASE_URL"),
            "postgresql://app:pw@db:5432/app?sslmode=require");
  EXPECT_EQ(libpq_connection_text("postgresql+psycopg://app@db/app", "x"), "postgresql://app@db/app");
  EXPECT_EQ(libpq_connection_text("postgresql+asyncpg://app@db/app", "x"), "postgresql://app@db/app");
  EXPECT_EQ(libpq_connection_text("postgres+pg8000://app@db/app", "x"), "postgresql://app@db/app");
  EXPECT_EQ(libpq_connection_text("PostgreSQL+Psycopg2://app@db/app", "x"), "postgresql://app@db/app");
  EXPECT_EQ(libpq_connection_text("postgres://app@db/app", "x"), "postgresql://app@db/app");
}

TEST(DatabaseUrlTest, LibpqFormsAreUnchanged) {
  EXPECT_EQ(libpq_connection_text("postgresql://app@db/app", "x"), "postgresql://app@db/app");
  EXPECT_EQ(libpq_connection_text("host=db dbname=app options='-c a=b://c'", "x"),
            "host=db dbname=app options='-c a=b://c'");
  EXPECT_EQ(libpq_connection_text("", "x"), "");
  EXPECT_FALSE(url_scheme_problem("dbname=app"));
}

TEST(DatabaseUrlTest, AnotherSchemeIsRefusedByNameWithoutTheRestOfTheUrl) {
  for (const std::string url :
       {"mysql://app:s3cret-pw@db/app", "sqlite:///app.db", "postgresql+://app@db/app",
        "postgresqlx://app:s3cret-pw@db/app", "mysql+pymysql://app:s3cret-pw@db/app"}) {
    try {
      libpq_connection_text(url, "DATABASE_URL");
      ADD_FAILURE() << url << " was accepted";
    } catch (const Error& e) {
      const std::string message = e.what();
      const std::string scheme = url.substr(0, url.find("://"));
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(message.find("DATABASE_URL: unsupported URL scheme '" + scheme + "'"), std::string::npos)
          << message;
      EXPECT_EQ(message.find("s3cret-pw"), std::string::npos) << message;
    }
  }
}

TEST(DatabaseUrlTest, RedactionMasksThePasswordOfEveryAcceptedForm) {
  for (const std::string url :
       {"postgresql+psycopg2://app:pw-9f3k@db/app", "postgresql+psycopg://app:pw-9f3k@db/app",
        "postgres://app:pw-9f3k@db/app", "postgresql+asyncpg://app:pw-9f3k@db/app"}) {
    const std::string shown = redact("connecting to " + url);
    EXPECT_EQ(shown.find("pw-9f3k"), std::string::npos) << shown;
    EXPECT_NE(shown.find("app:******@db/app"), std::string::npos) << shown;
  }
}

}  // namespace
}  // namespace pgrevise
