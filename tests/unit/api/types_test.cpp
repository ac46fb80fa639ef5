#include "api/types.h"

#include <gtest/gtest.h>

namespace pgrevise::api {
namespace {

TEST(ApiTypes, DefaultsMatchTheCrd) {
  const Spec spec;
  EXPECT_EQ(spec.version_table.schema, "public");
  EXPECT_EQ(spec.version_table.name, "alembic_version");
  EXPECT_TRUE(spec.backup.enabled);
  EXPECT_EQ(spec.backup.retain, 5);
  EXPECT_EQ(spec.backup.compress_level, 1);
  EXPECT_EQ(spec.safety.lock_timeout, std::chrono::seconds(5));
  EXPECT_EQ(spec.safety.statement_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(spec.safety.lock_retries, 5);
  EXPECT_EQ(spec.job.active_deadline_seconds, 3600);
  EXPECT_EQ(spec.job.backoff_limit, 0);
  EXPECT_TRUE(spec.runner.builtin());
}

TEST(ApiTypes, PhaseNamesRoundTrip) {
  for (Phase p : {Phase::kPending, Phase::kBackingUp, Phase::kMigrating, Phase::kSucceeded, Phase::kFailed,
                  Phase::kBlocked}) {
    EXPECT_EQ(parse_phase(to_string(p)), p);
  }
  EXPECT_EQ(parse_phase("Running"), std::nullopt);
}

}  // namespace
}  // namespace pgrevise::api
