#include "lint/evidence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "lint/config.h"
#include "lint/lint.h"

namespace pgrevise::lint {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SourceResult lint(std::string_view sql) {
  return lint_source(Source{"m.sql", "", true, sql, {}}, {});
}

const Finding& only(const SourceResult& result, std::string_view rule) {
  for (const auto& f : result.findings)
    if (f.rule == rule) return f;
  throw std::runtime_error("no finding of " + std::string(rule));
}

RelationFacts table(double rows, std::int64_t bytes) {
  return RelationFacts{
      .exists = true, .name = "public.time_entries", .rows = rows, .bytes = bytes, .heap_bytes = bytes};
}

TEST(Evidence, ALargeRewriteIsAnErrorWithRowsBytesAndTime) {
  auto result = lint("ALTER TABLE time_entries ALTER COLUMN n TYPE bigint;");
  apply_evidence(result, {{"time_entries", table(12.4e6, 3'100'000'000)}}, {});
  const auto& f = only(result, "changing-column-type");
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_THAT(f.message, HasSubstr("ACCESS EXCLUSIVE on public.time_entries (12.4 M rows, 3.1 GB): rewrites "
                                   "the table; at ~150 MB/s about 21 s of blocked reads and writes"));
}

TEST(Evidence, AnIndexOnAnEmptyTableIsInfo) {
  auto result = lint("CREATE INDEX i ON time_entries (a);");
  apply_evidence(result, {{"time_entries", table(0, 0)}}, {});
  const auto& f = only(result, "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_THAT(f.message, HasSubstr("SHARE on public.time_entries (0 rows, 0 bytes): scans the table"));
  EXPECT_THAT(f.message, HasSubstr("the table is empty"));
}

TEST(Evidence, ARelationThatDoesNotExistYetOrIsCreatedInTheRevisionIsInfo) {
  auto result = lint("CREATE INDEX i ON later (a);");
  apply_evidence(result, {{"later", RelationFacts{}}}, {});
  EXPECT_EQ(only(result, "require-concurrent-index-creation").severity, Severity::kInfo);
  EXPECT_THAT(only(result, "require-concurrent-index-creation").message, HasSubstr("does not exist yet"));
  result = lint("CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);");
  // The database has a big t of the same name; the revision's own t is the one indexed.
  apply_evidence(result, {{"t", table(1e9, 1'000'000'000'000)}}, {});
  for (const auto& f : result.findings) {
    if (f.relation == "t" && f.line == 2) {
      EXPECT_EQ(f.severity, Severity::kInfo) << f.rule;
    }
  }
}

TEST(Evidence, AMidSizedTableKeepsTheRulesSeverityAndTheThresholdsComeFromTheConfig) {
  auto result = lint("CREATE INDEX i ON time_entries (a);");
  apply_evidence(result, {{"time_entries", table(200'000, 20'000'000)}}, {});
  EXPECT_EQ(only(result, "require-concurrent-index-creation").severity, Severity::kError);  // its own
  const auto config = parse_config(
      "require-concurrent-index-creation: warning\nlarge-table-rows: 100000\nlarge-table-bytes: 1GB\n"
      "throughput-mb-per-s: 10\n",
      "lint.yaml");
  const auto options = options_from(config);
  EXPECT_EQ(options.evidence.large_bytes, 1'000'000'000);
  result = lint_source(Source{"m.sql", "", true, "CREATE INDEX i ON time_entries (a);", {}}, options);
  apply_evidence(result, {{"time_entries", table(99'000, 20'000'000)}}, options.evidence);
  EXPECT_EQ(only(result, "require-concurrent-index-creation").severity, Severity::kWarning);
  EXPECT_THAT(only(result, "require-concurrent-index-creation").message,
              HasSubstr("at ~10 MB/s about 2 s of blocked writes"));
  result = lint_source(Source{"m.sql", "", true, "CREATE INDEX i ON time_entries (a);", {}}, options);
  apply_evidence(result, {{"time_entries", table(100'000, 20'000'000)}}, options.evidence);
  EXPECT_EQ(only(result, "require-concurrent-index-creation").severity, Severity::kError);
  EXPECT_THROW(parse_config("large-table-bytes: lots\n", "lint.yaml"), Error);
  EXPECT_THROW(parse_config("throughput-mb-per-s: 0\n", "lint.yaml"), Error);
}

TEST(Evidence, ASessionHoldingAConflictingLockIsNamedByPid) {
  auto facts = table(0, 0);
  facts.holders = {{4242, "AccessShareLock", true, "idle in transaction", 42.4, "SELECT * FROM time_entries"},
                   {4243, "RowExclusiveLock", false, "active", 1, "INSERT INTO time_entries VALUES (...)"}};
  auto result = lint("ALTER TABLE time_entries ALTER COLUMN n TYPE bigint;");
  apply_evidence(result, {{"time_entries", facts}}, {});
  const auto& f = only(result, "changing-column-type");
  EXPECT_GE(f.severity, Severity::kWarning);  // not dropped to info: the table is empty, but waits
  EXPECT_THAT(f.message, HasSubstr("waits now behind pid 4242 (idle in transaction for 42 s, holds "
                                   "AccessShareLock: SELECT * FROM time_entries)"));
  EXPECT_THAT(f.message, HasSubstr("pid 4243 (active for 1 s, waits for RowExclusiveLock"));
  // SHARE (an index build) does not wait for readers.
  facts.holders.resize(1);
  result = lint("CREATE INDEX i ON time_entries (a);");
  apply_evidence(result, {{"time_entries", facts}}, {});
  EXPECT_THAT(only(result, "require-concurrent-index-creation").message, Not(HasSubstr("pid 4242")));
  EXPECT_EQ(only(result, "require-concurrent-index-creation").severity, Severity::kInfo);
}

TEST(Evidence, LockConflictsFollowTheServersTable) {
  EXPECT_TRUE(conflicts(LockLevel::kAccessExclusive, LockLevel::kAccessShare));
  EXPECT_FALSE(conflicts(LockLevel::kShare, LockLevel::kAccessShare));
  EXPECT_TRUE(conflicts(LockLevel::kShare, LockLevel::kRowExclusive));
  EXPECT_FALSE(conflicts(LockLevel::kShare, LockLevel::kShare));
  EXPECT_TRUE(conflicts(LockLevel::kShareUpdateExclusive, LockLevel::kShareUpdateExclusive));
  EXPECT_FALSE(conflicts(LockLevel::kShareUpdateExclusive, LockLevel::kRowExclusive));
  EXPECT_TRUE(conflicts(LockLevel::kRowShare, LockLevel::kExclusive));
  EXPECT_FALSE(conflicts(LockLevel::kRowShare, LockLevel::kShareRowExclusive));
  EXPECT_EQ(level_of_mode("ShareRowExclusiveLock"), LockLevel::kShareRowExclusive);
  EXPECT_EQ(level_of_mode("SIReadLock"), LockLevel::kNone);
}

TEST(Evidence, SizesAndTimesAsMessagesWriteThem) {
  EXPECT_EQ(rows_text(999), "999 rows");
  EXPECT_EQ(rows_text(200'000), "200 k rows");
  EXPECT_EQ(rows_text(12'400'000), "12.4 M rows");
  EXPECT_EQ(bytes_text(8192), "8.2 kB");
  EXPECT_EQ(bytes_text(3'100'000'000), "3.1 GB");
  EXPECT_EQ(seconds_text(0.2), "under 1 s");
  EXPECT_EQ(seconds_text(20.7), "about 21 s");
  EXPECT_EQ(seconds_text(600), "about 10 min");
  EXPECT_EQ(seconds_text(9000), "about 2.5 h");
}

}  // namespace
}  // namespace pgrevise::lint
