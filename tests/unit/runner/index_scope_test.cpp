#include "runner/index_scope.h"

#include <gtest/gtest.h>

namespace pgrevise::runner {
namespace {

db::InvalidIndex invalid(const std::string& name, const std::string& table,
                         const std::string& schema = "public") {
  return {.schema = schema, .name = name, .table_schema = schema, .table_name = table};
}

TEST(IndexScope, CreateIndexNamesItsIndexInItsTablesSchema) {
  const auto scope =
      index_scope({"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_uq ON app.orders (id)",
                   "create index Orders_Total on orders (total)"});
  EXPECT_EQ(scope.indexes, (std::vector<RelationRef>{{"app", "orders_uq"}, {"", "orders_total"}}));
  EXPECT_TRUE(scope.tables.empty());
}

TEST(IndexScope, CreateIndexWithoutANameNamesItsTable) {
  const auto scope = index_scope({"CREATE INDEX CONCURRENTLY ON ONLY \"Sales\".\"Orders\" (id)"});
  EXPECT_TRUE(scope.indexes.empty());
  EXPECT_EQ(scope.tables, (std::vector<RelationRef>{{"Sales", "Orders"}}));
}

TEST(IndexScope, QuotedNamesKeepTheirCaseAndMayBeKeywords) {
  const auto scope = index_scope({"CREATE INDEX \"On\" ON t (id)", "CREATE INDEX \"A \"\"b\"\"\" ON t (id)"});
  EXPECT_EQ(scope.indexes, (std::vector<RelationRef>{{"", "On"}, {"", "A \"b\""}}));
}

TEST(IndexScope, CommentsBetweenWordsAreSkipped) {
  const auto scope =
      index_scope({"CREATE /* a /* nested */ comment */ INDEX -- line\n CONCURRENTLY x_idx ON x (id)"});
  EXPECT_EQ(scope.indexes, (std::vector<RelationRef>{{"", "x_idx"}}));
}

TEST(IndexScope, ReindexNamesWhatItRebuilds) {
  const auto scope = index_scope({"REINDEX (VERBOSE, TABLESPACE fast) INDEX CONCURRENTLY app.items_v",
                                  "REINDEX TABLE CONCURRENTLY items", "REINDEX SCHEMA CONCURRENTLY archive"});
  EXPECT_EQ(scope.indexes, (std::vector<RelationRef>{{"app", "items_v"}}));
  EXPECT_EQ(scope.tables, (std::vector<RelationRef>{{"", "items"}}));
  EXPECT_EQ(scope.schemas, std::vector<std::string>{"archive"});
  EXPECT_FALSE(scope.whole_database);
  EXPECT_TRUE(index_scope({"REINDEX DATABASE CONCURRENTLY app"}).whole_database);
  EXPECT_TRUE(index_scope({"reindex system"}).whole_database);
}

TEST(IndexScope, OtherStatementsNameNothing) {
  EXPECT_EQ(index_scope({"DROP INDEX CONCURRENTLY IF EXISTS x", "CREATE TABLE t (id int)",
                         "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_idx",
                         "SELECT 'CREATE INDEX'"}),
            IndexScope{});
}

TEST(LeftBy, AnIndexTheStatementsNameInAnySchemaWhenUnqualified) {
  const auto scope = index_scope({"CREATE INDEX CONCURRENTLY orders_idx ON orders (id)"});
  EXPECT_TRUE(left_by(invalid("orders_idx", "orders"), scope));
  EXPECT_TRUE(left_by(invalid("orders_idx", "orders", "app"), scope));
  EXPECT_FALSE(left_by(invalid("orders_idx1", "orders"), scope));
  EXPECT_FALSE(left_by(invalid("other_idx", "orders"), scope));
}

TEST(LeftBy, AQualifiedNameMatchesItsSchemaOnly) {
  const auto scope = index_scope({"CREATE INDEX CONCURRENTLY orders_idx ON app.orders (id)"});
  EXPECT_TRUE(left_by(invalid("orders_idx", "orders", "app"), scope));
  EXPECT_FALSE(left_by(invalid("orders_idx", "orders", "public"), scope));
}

TEST(LeftBy, ReindexConcurrentlyCopiesOfANamedIndex) {
  const auto scope = index_scope({"REINDEX INDEX CONCURRENTLY items_v"});
  EXPECT_TRUE(left_by(invalid("items_v_ccnew", "items"), scope));
  EXPECT_TRUE(left_by(invalid("items_v_ccnew2", "items"), scope));
  EXPECT_TRUE(left_by(invalid("items_v_ccold", "items"), scope));
  EXPECT_FALSE(left_by(invalid("items_v_ccnewer", "items"), scope));
  EXPECT_FALSE(left_by(invalid("items_w_ccnew", "items"), scope));
}

// PostgreSQL keeps 63 bytes of a name: the copy of a 60-byte name is 57 of its bytes and "_ccnew".
TEST(LeftBy, TheCopyOfALongNameIsCutShortToFit) {
  const std::string name(60, 'n');
  const auto scope = index_scope({"REINDEX INDEX CONCURRENTLY " + name});
  std::string copy = name.substr(0, 57);
  copy.append("_ccnew");
  EXPECT_TRUE(left_by(invalid(copy, "items"), scope));
  std::string short_copy = name.substr(0, 20);
  short_copy.append("_ccnew");
  EXPECT_FALSE(left_by(invalid(short_copy, "items"), scope));
}

TEST(LeftBy, AnyIndexOnATableOrInASchemaIndexedAsAWhole) {
  EXPECT_TRUE(
      left_by(invalid("orders_user_id_idx", "orders"), index_scope({"CREATE INDEX ON orders (user_id)"})));
  EXPECT_TRUE(
      left_by(invalid("orders_pkey_ccnew", "orders"), index_scope({"REINDEX TABLE CONCURRENTLY orders"})));
  EXPECT_FALSE(left_by(invalid("items_idx", "items"), index_scope({"REINDEX TABLE CONCURRENTLY orders"})));
  EXPECT_TRUE(
      left_by(invalid("x_ccnew", "x", "archive"), index_scope({"REINDEX SCHEMA CONCURRENTLY archive"})));
  EXPECT_TRUE(left_by(invalid("x_ccnew", "x"), index_scope({"REINDEX DATABASE app"})));
}

TEST(LeftBy, AnIndexCreatedDuringTheAttemptWhateverTheStatementsSay) {
  auto index = invalid("made_elsewhere_idx", "other");
  EXPECT_FALSE(left_by(index, IndexScope{}));
  index.created_during_attempt = true;
  EXPECT_TRUE(left_by(index, IndexScope{}));
}

TEST(ConcurrentCopyBase, IsTheNameBeforeTheSuffix) {
  EXPECT_EQ(concurrent_copy_base("items_v_ccnew"), "items_v");
  EXPECT_EQ(concurrent_copy_base("items_v_ccold12"), "items_v");
  EXPECT_EQ(concurrent_copy_base("items_v"), std::nullopt);
  EXPECT_EQ(concurrent_copy_base("_ccnew"), std::nullopt);
}

}  // namespace
}  // namespace pgrevise::runner
