#include "api/validation.h"

#include <gtest/gtest.h>

namespace pgrevise::api {
namespace {

TEST(TargetSyntax, AcceptsAlembicsAbsoluteForms) {
  for (const char* target :
       {"heads", "head", "base", "0016", "00", "ae1027a6acf", "billing@head", "billing@heads",
        "reporting@base", "billing@0009", "0012+2", "0016-1", "my_branch.v2@head", "feature-x@head"}) {
    EXPECT_EQ(target_syntax_problem(target), "") << target;
  }
}

// Alembic takes any string as a revision id but one holding '@', '-' or '+': readable ids of any length the
// version table holds, with dots, spaces or letters beyond ASCII.
TEST(TargetSyntax, AcceptsLongAndUnusualRevisionIds) {
  const std::string long_id = "089_allow_auto_entries_no_project";
  for (const std::string& target : std::vector<std::string>{
           long_id, long_id + "+1", "billing@" + long_id, long_id + "@head", std::string(255, 'z'),
           std::string(1024, 'z'), "he ad", "v1.2 größe", "head; DROP TABLE users", "a,b", "a:b"}) {
    EXPECT_EQ(target_syntax_problem(target), "") << target;
  }
}

TEST(TargetSyntax, RefusesRelativeAndMalformedForms) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "must not be empty"},         {"+1", "relative target"},
      {"-2", "relative target"},         {"billing@+1", "relative target"},
      {"billing@-1", "relative target"}, {"a@b@head", "at most one '@'"},
      {"@head", "branch label"},         {"billing@", "nothing after '@'"},
      {"0012+x", "'+' only in REV+N"},   {"rev\n", "expected heads"},
      {"rev\rx", "expected heads"},      {"bill\ning@head", "branch label"},
  };
  for (const auto& [target, problem] : cases) {
    EXPECT_NE(target_syntax_problem(target).find(problem), std::string::npos)
        << "\"" << target << "\": " << target_syntax_problem(target);
  }
  EXPECT_NE(target_syntax_problem(std::string(1025, 'a')), "");
}

TEST(Messages, QuotedAndPrintable) {
  EXPECT_EQ(quote_for_message("5x"), "\"5x\"");
  EXPECT_EQ(quote_for_message("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(quote_for_message("abcdef", 3), "\"abc...\"");
  EXPECT_EQ(printable("ok é"), "ok é");
  EXPECT_EQ(printable("a\xff\nb\xc3"), "a??b?");
}

TEST(KubernetesNames, Dns1123Subdomain) {
  for (const char* ok : {"a", "app-db", "app.db", "0db"}) {
    EXPECT_EQ(dns1123_subdomain_problem(ok), "") << ok;
  }
  for (const char* bad : {"", "App", "app_db", "-app", "app-", "app db", "app/db"}) {
    EXPECT_NE(dns1123_subdomain_problem(bad), "") << bad;
  }
  EXPECT_EQ(dns1123_subdomain_problem(std::string(253, 'a')), "");
  EXPECT_NE(dns1123_subdomain_problem(std::string(254, 'a')), "");
}

TEST(KubernetesNames, SecretKeys) {
  for (const char* ok : {"url", "DATABASE_URL", "tls.crt", "a-b"})
    EXPECT_EQ(secret_key_problem(ok), "") << ok;
  for (const char* bad : {"", ".", "..", "a/b", "a b"}) EXPECT_NE(secret_key_problem(bad), "") << bad;
}

TEST(KubernetesNames, LabelKeysAndValues) {
  for (const char* ok : {"app", "app.kubernetes.io/name", "example.com/a_b-c.d"}) {
    EXPECT_EQ(label_key_problem(ok), "") << ok;
  }
  for (const char* bad : {"", "/name", "Example.com/name", "bad key", "a/"}) {
    EXPECT_NE(label_key_problem(bad), "") << bad;
  }
  EXPECT_NE(label_key_problem(std::string(64, 'a')), "");
  EXPECT_EQ(label_value_problem(""), "");
  EXPECT_EQ(label_value_problem("v1.2_x-y"), "");
  EXPECT_NE(label_value_problem("-x"), "");
  EXPECT_NE(label_value_problem("a b"), "");
}

Spec valid_spec() {
  Spec spec;
  spec.database.url_secret_ref = SecretKeyRef{"app-db", "url"};
  spec.target_revision = "heads";
  spec.migrations.config_map_ref = ConfigMapRef{"app-migrations"};
  return spec;
}

TEST(ValidateSpec, AValidSpecHasNoProblems) {
  EXPECT_EQ(validate_spec(valid_spec()), std::vector<FieldError>{});
  Spec host = valid_spec();
  host.database = DatabaseSpec{
      .host = "db", .dbname = "app", .user = "app", .password_secret_ref = SecretKeyRef{"pw", "p"}};
  EXPECT_EQ(validate_spec(host), std::vector<FieldError>{});
}

TEST(ValidateSpec, UrlSecretRefWithHostOnlyFieldsNamesEach) {
  Spec spec = valid_spec();
  spec.database.dbname = "app";
  spec.database.password_secret_ref = SecretKeyRef{"pw", "p"};
  const auto errors = validate_spec(spec);
  ASSERT_EQ(errors.size(), 2u) << describe(errors);
  EXPECT_EQ(errors[0].path, "spec.database.dbname");
  EXPECT_EQ(errors[1].path, "spec.database.passwordSecretRef");
}

TEST(ValidateSpec, MetadataNameIsRequired) {
  PostgresMigration pgm;
  pgm.spec = valid_spec();
  const auto errors = validate(pgm);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "metadata.name: required");
}

TEST(ValidateSpec, ValidationErrorListsEveryProblemOnItsOwnLine) {
  const ValidationError e({{"spec.a", "one"}, {"spec.b", "two"}});
  EXPECT_EQ(std::string(e.what()), "spec.a: one\nspec.b: two");
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(e.errors().size(), 2u);
}

}  // namespace
}  // namespace pgrevise::api
