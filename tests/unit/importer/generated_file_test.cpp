#include "importer/generated_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "revision/script.h"

namespace pgrevise::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

AlembicRevision plain_revision() {
  AlembicRevision r;
  r.revision = "3f9a1c2b7d10";
  r.down_revisions = {"a81c55e0f2b4"};
  r.message = "archive projects";
  r.path = "versions/3f9a1c2b7d10_archive_projects.py";
  r.source_sha256 = "5eed";
  r.rendered = true;
  r.upgrade.segments = {{false,
                         {"ALTER TABLE projects ADD COLUMN archived_at timestamptz;",
                          "CREATE INDEX projects_archived_idx ON projects (archived_at);"}}};
  r.downgrade.segments = {{false, {"DROP INDEX projects_archived_idx;"}}};
  return r;
}

TEST(GeneratedFile, TransactionalRevisionKeepsItsHeaderAndStatements) {
  const GeneratedFile file = generate_file(plain_revision());
  EXPECT_EQ(file.file_name, "3f9a1c2b7d10_archive_projects.sql");
  EXPECT_FALSE(file.upgrade_needs_sql || file.downgrade_needs_sql);
  const revision::Script script = revision::parse_script(file.text, file.file_name);
  EXPECT_EQ(script.revision, "3f9a1c2b7d10");
  EXPECT_THAT(script.down_revisions, ElementsAre("a81c55e0f2b4"));
  EXPECT_EQ(script.message, "archive projects");
  EXPECT_TRUE(script.transactional);
  EXPECT_EQ(script.upgrade.sql,
            "ALTER TABLE projects ADD COLUMN archived_at timestamptz;\n\n"
            "CREATE INDEX projects_archived_idx ON projects (archived_at);\n\n");
  ASSERT_TRUE(script.downgrade.has_value());
  EXPECT_EQ(script.downgrade->sql, "DROP INDEX projects_archived_idx;\n");
  EXPECT_THAT(file.text, Not(HasSubstr("BEGIN")));
}

TEST(GeneratedFile, MergeLabelsDependenciesAndLongIdsAsHeaders) {
  AlembicRevision r = plain_revision();
  r.revision = "089_allow_auto_entries_no_project, really";
  r.down_revisions = {"a1", "b2"};
  r.branch_labels = {"billing"};
  r.depends_on = {"c3", "reports"};
  r.path = "versions/089.py";
  const revision::Script script = revision::parse_script(generate_file(r).text, "089.sql");
  EXPECT_EQ(script.revision, "089_allow_auto_entries_no_project, really");
  EXPECT_THAT(script.down_revisions, ElementsAre("a1", "b2"));
  EXPECT_THAT(script.branch_labels, ElementsAre("billing"));
  EXPECT_THAT(script.depends_on, ElementsAre("c3", "reports"));
}

TEST(GeneratedFile, AutocommitBlockMakesTheFileNonTransactionalAndWrapsTheRest) {
  AlembicRevision r = plain_revision();
  r.upgrade.segments = {{false, {"ALTER TABLE t ADD COLUMN s text;", "ALTER TABLE t ADD CHECK (s <> '');"}},
                        {true, {"CREATE INDEX CONCURRENTLY t_s ON t (s);"}},
                        {false, {"COMMENT ON COLUMN t.s IS 'state';"}}};
  const GeneratedFile file = generate_file(r);
  const revision::Script script = revision::parse_script(file.text, file.file_name);
  EXPECT_FALSE(script.transactional);
  // The two statements Alembic ran in one transaction before the block stay in one; a lone statement after
  // it is a transaction of its own anyway.
  EXPECT_EQ(script.upgrade.sql,
            "BEGIN;\n\nALTER TABLE t ADD COLUMN s text;\n\nALTER TABLE t ADD CHECK (s <> '');\n\nCOMMIT;\n\n"
            "CREATE INDEX CONCURRENTLY t_s ON t (s);\n\nCOMMENT ON COLUMN t.s IS 'state';\n\n");
  EXPECT_EQ(script.downgrade->sql, "DROP INDEX projects_archived_idx;\n");
}

TEST(GeneratedFile, ACommitThroughTheConnectionSplitsTheTransactions) {
  AlembicRevision r = plain_revision();
  // op.get_bind().commit() between the statements: two transactions, no autocommit block.
  r.upgrade.segments = {{false, {"ALTER TABLE t ADD COLUMN u timestamp;", "UPDATE t SET u = now();"}},
                        {false, {"ANALYZE t;"}}};
  const revision::Script script = revision::parse_script(generate_file(r).text, "x.sql");
  EXPECT_FALSE(script.transactional);
  EXPECT_EQ(script.upgrade.sql,
            "BEGIN;\n\nALTER TABLE t ADD COLUMN u timestamp;\n\nUPDATE t SET u = "
            "now();\n\nCOMMIT;\n\nANALYZE t;\n\n");
  EXPECT_TRUE(runs_outside_one_transaction(r));
  EXPECT_FALSE(runs_outside_one_transaction(plain_revision()));
}

TEST(GeneratedFile, FailedSectionsAreMarkedWithAlembicsErrorAndWhatCameBefore) {
  AlembicRevision r = plain_revision();
  r.upgrade.error = "AttributeError: 'NoneType' object has no attribute 'fetchall' (x.py, line 18)";
  r.upgrade.segments = {{false, {"ALTER TABLE users ADD COLUMN slug text;"}}};
  const GeneratedFile file = generate_file(r);
  EXPECT_TRUE(file.upgrade_needs_sql);
  EXPECT_FALSE(file.downgrade_needs_sql);
  const revision::Script script = revision::parse_script(file.text, file.file_name);
  EXPECT_TRUE(script.upgrade_needs_sql);
  EXPECT_FALSE(script.downgrade_needs_sql);
  EXPECT_THAT(file.text, HasSubstr("-- needs_sql: upgrade\n"));
  EXPECT_THAT(
      script.upgrade.sql,
      HasSubstr("-- AttributeError: 'NoneType' object has no attribute 'fetchall' (x.py, line 18)\n"));
  EXPECT_THAT(
      script.upgrade.sql,
      HasSubstr("-- What Alembic rendered before the error:\n-- ALTER TABLE users ADD COLUMN slug text;\n"));

  r.downgrade.error = "NotImplementedError";
  EXPECT_THAT(generate_file(r).text, HasSubstr("-- needs_sql: upgrade, downgrade\n"));
}

TEST(GeneratedFile, EmptySectionSaysSo) {
  AlembicRevision r = plain_revision();
  r.upgrade.segments.clear();
  const revision::Script script = revision::parse_script(generate_file(r).text, "x.sql");
  EXPECT_EQ(script.upgrade.sql, "-- (Alembic renders no SQL for this section)\n\n");
}

TEST(ImportStamp, RecognisesAnUneditedFileAndAnyEdit) {
  const GeneratedFile file = generate_file(plain_revision());
  auto stamp = read_import_stamp(file.text);
  ASSERT_TRUE(stamp.has_value());
  EXPECT_TRUE(stamp->unedited);
  EXPECT_EQ(stamp->source_path, "versions/3f9a1c2b7d10_archive_projects.py");
  EXPECT_EQ(stamp->source_sha256, "5eed");

  std::string edited = file.text;
  edited.replace(edited.find("archived_at timestamptz"), 11, "archived_on");
  EXPECT_FALSE(read_import_stamp(edited)->unedited);
  EXPECT_FALSE(read_import_stamp(file.text + "\n")->unedited);
  EXPECT_FALSE(read_import_stamp("-- revision: a\n-- +upgrade\nSELECT 1;\n").has_value());
}

}  // namespace
}  // namespace pgrevise::importer
