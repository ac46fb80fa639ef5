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

}  // namespace
}  // namespace pgrevise
