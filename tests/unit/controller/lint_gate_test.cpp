// The safety gate before a run's first Job (spec.safety.lint): findings with the database's evidence in
// status.lint, one event and the metric under warn; under block an error stops the run with nothing created,
// until the resource approves exactly the current plan's hash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/conditions.h"
#include "api/reasons.h"
#include "controller/events.h"
#include "unit/controller/controller_fixture.h"

namespace pgrevise::testing {
namespace {

namespace reason = api::reason;
namespace condition = api::condition;
namespace event = controller::event;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The database is at 003; 004 builds an index on tasks without CONCURRENTLY.
class LintGate : public ControllerTest {
 protected:
  LintGate() {
    auto files = linear_migrations();
    files["004_tasks_index.sql"] =
        "-- revision: 004\n-- down_revision: 003\n\n-- +upgrade\nCREATE INDEX tasks_id ON tasks (id);\n\n"
        "-- +downgrade\nDROP INDEX tasks_id;\n";
    cluster.put_config_map(kNs, "app-migrations", files);
    probe.set_heads({"003"});
  }

  void tasks_rows(double rows, std::int64_t bytes) {
    probe.set_relation_facts(
        {{"tasks",
          lint::RelationFacts{
              .exists = true, .name = "public.tasks", .rows = rows, .bytes = bytes, .heap_bytes = bytes}}});
  }

  Json block() const { return Json{{"safety", {{"lint", "block"}}}}; }
};

TEST_F(LintGate, WarnReportsTheFindingsWithTheirEvidenceOnceAndRuns) {
  tasks_rows(50e6, 20'000'000'000);
  apply();
  reconcile();
  only_job("backup");
  const auto s = status();
  ASSERT_TRUE(s.lint.has_value());
  EXPECT_FALSE(s.lint->plan_hash.empty());
  ASSERT_FALSE(s.lint->findings.empty());
  const auto& f = s.lint->findings.front();
  EXPECT_EQ(f.rule, "require-concurrent-index-creation");
  EXPECT_EQ(f.severity, "error");
  EXPECT_EQ(f.revision, "004");
  EXPECT_EQ(f.line, 5);
  EXPECT_THAT(f.message, HasSubstr("SHARE on public.tasks (50.0 M rows, 20.0 GB): scans the table; at ~150 "
                                   "MB/s about 2 min of blocked writes"));
  EXPECT_EQ((metrics.lint[{"require-concurrent-index-creation", "error"}]), 1);
  EXPECT_THAT(cluster.event_reasons(), Contains(event::kLintFindings));
  const auto events = cluster.event_reasons().size();
  cluster.start_job(kNs, only_job("backup"));
  reconcile();
  EXPECT_EQ(cluster.event_reasons().size(), events);  // not again for the same plan
  EXPECT_EQ(status().lint, s.lint);
}

TEST_F(LintGate, BlockStopsAnErrorBeforeAnythingStartsUntilThePlanIsApproved) {
  tasks_rows(50e6, 20'000'000'000);
  apply(block());
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  auto s = status();
  EXPECT_EQ(s.phase, api::Phase::kBlocked);
  ASSERT_TRUE(s.lint.has_value());
  const std::string hash = s.lint->plan_hash;
  const auto stalled = condition(condition::kStalled);
  EXPECT_EQ(stalled.status, api::kConditionTrue);
  EXPECT_EQ(stalled.reason, reason::kLintBlocked);
  EXPECT_THAT(stalled.message, HasSubstr("pgrevise.dev/approve=" + hash));
  EXPECT_THAT(stalled.message, HasSubstr("require-concurrent-index-creation"));
  EXPECT_EQ(condition(condition::kReady).status, api::kConditionFalse);
  const auto blocked = condition(condition::kBlocked);
  EXPECT_EQ(blocked.status, api::kConditionTrue);
  EXPECT_EQ(blocked.reason, reason::kLintBlocked);
  EXPECT_EQ(blocked.message, stalled.message);
  // Another plan's hash approves nothing.
  apply(block(), {{"pgrevise.dev/approve", "0123456789ab"}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_EQ(condition(condition::kBlocked).status, api::kConditionTrue);
  apply(block(), {{"pgrevise.dev/approve", hash}});
  reconcile();
  only_job("backup");
  EXPECT_EQ(status().phase, api::Phase::kBackingUp);
  const auto approved = condition(condition::kBlocked);
  EXPECT_EQ(approved.status, api::kConditionFalse);
  EXPECT_EQ(approved.reason, reason::kLintApproved);
  EXPECT_THAT(approved.message, HasSubstr(hash));
  EXPECT_EQ(condition(condition::kStalled).status, api::kConditionFalse);
  EXPECT_EQ(condition(condition::kReconciling).status, api::kConditionTrue);
  // The run goes on without another analysis; the approval stays on record.
  cluster.start_job(kNs, only_job("backup"));
  reconcile();
  EXPECT_EQ(condition(condition::kBlocked).reason, reason::kLintApproved);
}

TEST_F(LintGate, BlockedGoesWhenTheBlockLiftsWithoutAnApproval) {
  tasks_rows(50e6, 20'000'000'000);
  apply(block());
  reconcile();
  EXPECT_EQ(condition(condition::kBlocked).status, api::kConditionTrue);
  // The same plan under warn: reported, run, and nothing blocked any more.
  apply(Json{{"safety", {{"lint", "warn"}}}});
  reconcile();
  only_job("backup");
  EXPECT_EQ(api::find_condition(status().conditions, condition::kBlocked), nullptr);
}

TEST_F(LintGate, BlockedGoesWhenTheLintIsTurnedOff) {
  tasks_rows(50e6, 20'000'000'000);
  apply(block());
  reconcile();
  EXPECT_EQ(condition(condition::kBlocked).status, api::kConditionTrue);
  apply(Json{{"safety", {{"lint", "off"}}}});
  reconcile();
  only_job("backup");
  EXPECT_EQ(api::find_condition(status().conditions, condition::kBlocked), nullptr);
  EXPECT_EQ(condition(condition::kReconciling).status, api::kConditionTrue);
}

TEST_F(LintGate, ANewPlanNeedsANewApproval) {
  tasks_rows(50e6, 20'000'000'000);
  apply(block());
  reconcile();
  const std::string hash = status().lint->plan_hash;
  auto files = linear_migrations();
  files["004_tasks_index.sql"] =
      "-- revision: 004\n-- down_revision: 003\n\n-- +upgrade\nCREATE INDEX tasks_id2 ON tasks (id);\n\n"
      "-- +downgrade\nDROP INDEX tasks_id2;\n";
  cluster.put_config_map(kNs, "app-migrations", files);
  apply(block(), {{"pgrevise.dev/approve", hash}});
  reconcile();
  EXPECT_THAT(cluster.jobs(kNs), IsEmpty());
  EXPECT_NE(status().lint->plan_hash, hash);
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kLintBlocked);
  EXPECT_EQ(condition(condition::kBlocked).status, api::kConditionTrue);
  EXPECT_THAT(condition(condition::kBlocked).message, HasSubstr(status().lint->plan_hash));
}

TEST_F(LintGate, AnIndexOnAnEmptyTableIsInfoAndDoesNotBlock) {
  tasks_rows(0, 0);
  apply(block());
  reconcile();
  only_job("backup");
  const auto s = status();
  ASSERT_TRUE(s.lint.has_value());
  EXPECT_EQ(s.lint->findings.front().severity, "info");
  EXPECT_THAT(s.lint->findings.front().message, HasSubstr("the table is empty"));
  EXPECT_EQ(api::find_condition(s.conditions, condition::kBlocked), nullptr);
}

// 004 detaches a partition without CONCURRENTLY, which PostgreSQL 14 and later can do without blocking reads
// and writes of the partitioned table: a finding from 14 on, none on 13.
class LintGateVersions : public LintGate {
 protected:
  LintGateVersions() {
    auto files = linear_migrations();
    files["004_tasks_index.sql"] =
        "-- revision: 004\n-- down_revision: 003\n\n-- +upgrade\nALTER TABLE tasks DETACH PARTITION "
        "tasks_2020;\n";
    cluster.put_config_map(kNs, "app-migrations", files);
  }

  std::vector<std::string> rules() const {
    std::vector<std::string> out;
    const auto s = status();
    for (const auto& f : s.lint->findings) out.push_back(f.rule);
    return out;
  }
};

TEST_F(LintGateVersions, TheRulesFollowTheServersVersion) {
  probe.set_server_version(15);
  apply();
  reconcile();
  ASSERT_TRUE(status().lint.has_value());
  EXPECT_THAT(rules(), Contains("require-concurrent-partition-detach"));
}

TEST_F(LintGateVersions, AnOlderServerGetsItsOwnRules) {
  probe.set_server_version(13);
  apply();
  reconcile();
  ASSERT_TRUE(status().lint.has_value());
  EXPECT_THAT(rules(), Not(Contains("require-concurrent-partition-detach")));
}

TEST_F(LintGate, OffAnalysesNothing) {
  tasks_rows(50e6, 20'000'000'000);
  apply(Json{{"safety", {{"lint", "off"}}}});
  reconcile();
  only_job("backup");
  EXPECT_FALSE(status().lint.has_value());
  EXPECT_THAT(cluster.event_reasons(), Not(Contains(event::kLintFindings)));
}

TEST_F(LintGate, AnUnknownModeIsAnInvalidSpec) {
  apply(Json{{"safety", {{"lint", "loud"}}}});
  reconcile();
  EXPECT_EQ(condition(condition::kStalled).reason, reason::kInvalidSpec);
  EXPECT_THAT(condition(condition::kStalled).message, HasSubstr("spec.safety.lint"));
}

}  // namespace
}  // namespace pgrevise::testing
