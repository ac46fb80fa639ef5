#include "lint/locks.h"

#include <gtest/gtest.h>

#include "sql/parse.h"

namespace pgrevise::lint {
namespace {

Effect effect(std::string_view sql, int version = 15) {
  const auto parsed = sql::parse(sql);
  EXPECT_FALSE(parsed.error) << sql;
  EXPECT_EQ(parsed.statements.size(), 1u) << sql;
  return effect_of(parsed.statements.front().tree, version);
}

TEST(Locks, StrongestOfSeveralSubcommands) {
  const auto e = effect("ALTER TABLE t ALTER COLUMN b SET STATISTICS 10, ALTER COLUMN a TYPE bigint");
  EXPECT_EQ(e.strongest(), LockLevel::kAccessExclusive);
  EXPECT_TRUE(e.rewrites);
  EXPECT_EQ(effect("ALTER TABLE t ALTER COLUMN a SET STATISTICS 10").strongest(),
            LockLevel::kShareUpdateExclusive);
}

TEST(Locks, NamesAsTheServerShowsThem) {
  EXPECT_EQ(lock_name(LockLevel::kShareRowExclusive), "SHARE ROW EXCLUSIVE");
  EXPECT_EQ(lock_mode(LockLevel::kShareRowExclusive), "ShareRowExclusiveLock");
  EXPECT_EQ(lock_mode(LockLevel::kAccessShare), "AccessShareLock");
  EXPECT_EQ(lock_name(LockLevel::kNone), "");
}

TEST(Locks, VersionDependentLocks) {
  const char* attach = "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)";
  EXPECT_EQ(effect(attach, 11).primary()->level, LockLevel::kAccessExclusive);
  EXPECT_EQ(effect(attach, 12).primary()->level, LockLevel::kShareUpdateExclusive);
  EXPECT_EQ(effect("ALTER INDEX i RENAME TO j", 11).primary()->level, LockLevel::kAccessExclusive);
  EXPECT_EQ(effect("ALTER INDEX i RENAME TO j", 12).primary()->level, LockLevel::kShareUpdateExclusive);
}

TEST(Locks, StatementsWithoutTableLocks) {
  EXPECT_TRUE(effect("CREATE TABLE x (id bigint)").locks.empty());
  EXPECT_TRUE(effect("SET lock_timeout = '1s'").locks.empty());
  EXPECT_EQ(effect("SELECT 1").describe(), "");
}

TEST(Locks, DefaultVolatility) {
  const auto parsed = sql::parse("ALTER TABLE t ADD a int DEFAULT 1, ADD b uuid DEFAULT gen_random_uuid()");
  const auto& cmds = parsed.statements[0].tree["AlterTableStmt"]["cmds"];
  EXPECT_EQ(column_rewrite_reason(cmds[0]["AlterTableCmd"]["def"]["ColumnDef"], 15), "");
  EXPECT_NE(column_rewrite_reason(cmds[0]["AlterTableCmd"]["def"]["ColumnDef"], 10), "");
  EXPECT_NE(column_rewrite_reason(cmds[1]["AlterTableCmd"]["def"]["ColumnDef"], 15).find("gen_random_uuid()"),
            std::string::npos);
}

}  // namespace
}  // namespace pgrevise::lint
