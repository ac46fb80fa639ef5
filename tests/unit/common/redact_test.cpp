#include "common/redact.h"

#include <gtest/gtest.h>

namespace pgrevise {
namespace {

TEST(Redact, MasksUrlPassword) {
  EXPECT_EQ(redact_connection_string("postgresql://app:s3cr3t@db:5432/app"),
            "postgresql://app:******@db:5432/app");
  EXPECT_EQ(redact_connection_string("postgres://app@db/app"), "postgres://app@db/app");
  EXPECT_EQ(redact("connecting to postgresql://u:p%40ss@h/d failed"),
            "connecting to postgresql://u:******@h/d failed");
}

TEST(Redact, MasksKeywordPassword) {
  EXPECT_EQ(redact_connection_string("host=db password=hunter2 dbname=x"),
            "host=db password=****** dbname=x");
  EXPECT_EQ(redact_connection_string("host=db password='a b\\' c' user=x"), "host=db password=****** user=x");
  EXPECT_EQ(redact_connection_string("postgresql://h/d?password=zz&sslmode=require"),
            "postgresql://h/d?password=******");
}

TEST(Redact, MasksRegisteredSecretsAnywhere) {
  register_secret("canary-Pa55word");
  EXPECT_EQ(redact("error: role said canary-Pa55word twice canary-Pa55word"),
            "error: role said ****** twice ******");
}

TEST(Redact, IgnoresTooShortSecrets) {
  register_secret("ab");
  EXPECT_EQ(redact("abc about"), "abc about");
}

TEST(Redact, SqlLiteralsAreMaskedForDisplay) {
  EXPECT_EQ(redact_sql("ALTER ROLE app PASSWORD 'hunter2'"), "ALTER ROLE app PASSWORD '...'");
  EXPECT_EQ(redact_sql("INSERT INTO t VALUES ('it''s', E'a\\'b', 42)"),
            "INSERT INTO t VALUES ('...', E'...', 42)");
  EXPECT_EQ(redact_sql("DO $x$ BEGIN PERFORM 'tok'; END $x$"), "DO $x$...$x$");
  EXPECT_EQ(redact_sql("SELECT $$secret$$, $1"), "SELECT $$...$$, $1");
  EXPECT_EQ(redact_sql("CREATE INDEX \"it's\" ON t (a) -- 'note'\nWHERE b = 'x'"),
            "CREATE INDEX \"it's\" ON t (a) --\nWHERE b = '...'");
  EXPECT_EQ(redact_sql("SELECT pg_sleep(3)"), "SELECT pg_sleep(3)");
  EXPECT_EQ(redact_sql("SELECT 'unterminated"), "SELECT '...'");
}

}  // namespace
}  // namespace pgrevise
