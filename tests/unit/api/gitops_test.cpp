// The GitOps snippets: the Argo CD health check, run by a Lua interpreter against statuses the operator
// writes, and the Flux Kustomization's kstatus wait.
#include <gtest/gtest.h>

#include <cstdio>

#include "api/conditions.h"
#include "api/json.h"
#include "api/reasons.h"
#include "common/process.h"
#include "test_files.h"

namespace pgrevise::api {
namespace {

std::string lua_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03d", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A JSON value as a Lua table constructor (nulls are left out, as Argo CD's JSON to Lua conversion does).
std::string to_lua(const Json& v) {
  switch (v.type()) {
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return lua_string(v.get<std::string>());
    case Json::value_t::array: {
      std::string out = "{";
      for (const auto& item : v) out += to_lua(item) + ",";
      return out + "}";
    }
    case Json::value_t::object: {
      std::string out = "{";
      for (const auto& [k, item] : v.items()) {
        if (!item.is_null()) out += "[" + lua_string(k) + "]=" + to_lua(item) + ",";
      }
      return out + "}";
    }
    case Json::value_t::null:
      return "nil";
    default:
      return v.dump();
  }
}

std::string health_script() {
  const auto docs = testing::load_yaml(testing::source_dir() / "examples" / "gitops" / "argocd-cm.yaml");
  return docs.at(0)
      .at("data")
      .at("resource.customizations.health.pgrevise.dev_PostgresMigration")
      .get<std::string>();
}

bool lua_available() {
  try {
    return run_process({.argv = {"lua", "-v"}}).ok();
  } catch (const Error&) {
    return false;
  }
}

// "status\nmessage" as Argo CD would show them.
std::pair<std::string, std::string> argo_health(const PostgresMigration& pgm) {
  const std::string program = "local obj = " + to_lua(to_json(pgm)) + "\nlocal function health(obj)\n" +
                              health_script() +
                              "\nend\nlocal hs = health(obj)\nio.write(hs.status, '\\n', hs.message or '')\n";
  const ProcessResult r = run_process({.argv = {"lua", "-"}, .stdin_data = program});
  EXPECT_TRUE(r.ok()) << r.err;
  const auto newline = r.out.find('\n');
  return {r.out.substr(0, newline), newline == std::string::npos ? "" : r.out.substr(newline + 1)};
}

PostgresMigration resource_at_generation(std::int64_t generation) {
  PostgresMigration pgm;
  pgm.metadata.name = "app";
  pgm.metadata.generation = generation;
  pgm.spec.database.url_secret_ref = SecretKeyRef{"app-db", "url"};
  pgm.spec.target_revision = "heads";
  pgm.spec.migrations.config_map_ref = ConfigMapRef{"app-migrations"};
  return pgm;
}

void report(PostgresMigration& pgm, bool ready, bool reconciling, bool stalled, std::string_view why) {
  const auto g = pgm.metadata.generation;
  pgm.status.observed_generation = g;
  set_condition(pgm.status.conditions, condition::kReady, ready, why, "message", g, "2026-11-30T08:00:00Z");
  set_condition(pgm.status.conditions, condition::kReconciling, reconciling, why, "message", g,
                "2026-11-30T08:00:00Z");
  set_condition(pgm.status.conditions, condition::kStalled, stalled, why, "message", g,
                "2026-11-30T08:00:00Z");
}

class ArgoCdHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!lua_available()) GTEST_SKIP() << "no lua interpreter";
  }
};

TEST_F(ArgoCdHealth, NoStatusYetIsProgressing) {
  EXPECT_EQ(argo_health(resource_at_generation(1)).first, "Progressing");
}

TEST_F(ArgoCdHealth, ReadyAtTheCurrentGenerationIsHealthy) {
  auto pgm = resource_at_generation(2);
  report(pgm, true, false, false, reason::kMigrated);
  const auto [status, message] = argo_health(pgm);
  EXPECT_EQ(status, "Healthy");
  EXPECT_EQ(message, "Migrated: message");
}

TEST_F(ArgoCdHealth, AnOlderObservedGenerationIsProgressing) {
  auto pgm = resource_at_generation(2);
  report(pgm, true, false, false, reason::kMigrated);
  pgm.metadata.generation = 3;  // the target was bumped, the operator has not seen it yet
  EXPECT_EQ(argo_health(pgm).first, "Progressing");
}

TEST_F(ArgoCdHealth, RunningIsProgressing) {
  auto pgm = resource_at_generation(1);
  report(pgm, false, true, false, reason::kMigrationRunning);
  EXPECT_EQ(argo_health(pgm).first, "Progressing");
}

TEST_F(ArgoCdHealth, StalledIsDegradedWithTheReason) {
  auto pgm = resource_at_generation(1);
  report(pgm, false, false, true, reason::kMigrationFailed);
  const auto [status, message] = argo_health(pgm);
  EXPECT_EQ(status, "Degraded");
  EXPECT_EQ(message, "MigrationFailed: message");
}

// A plan the safety gate holds until it is approved: Stalled and Blocked are True with LintBlocked, so Argo
// CD shows it at once, with the message that says how to approve it.
TEST_F(ArgoCdHealth, APlanWaitingForApprovalIsDegradedWithTheGatesReason) {
  auto pgm = resource_at_generation(1);
  report(pgm, false, false, true, reason::kLintBlocked);
  set_condition(pgm.status.conditions, condition::kBlocked, true, reason::kLintBlocked, "message", 1,
                "2026-11-30T08:00:00Z");
  const auto [status, message] = argo_health(pgm);
  EXPECT_EQ(status, "Degraded");
  EXPECT_EQ(message, "LintBlocked: message");
}

TEST_F(ArgoCdHealth, SuspendedWins) {
  auto pgm = resource_at_generation(1);
  pgm.spec.suspend = true;
  report(pgm, false, false, false, reason::kSuspended);
  EXPECT_EQ(argo_health(pgm).first, "Suspended");
}

TEST(FluxKustomization, WaitsForTheResourcesItApplies) {
  const auto docs =
      testing::load_yaml(testing::source_dir() / "examples" / "gitops" / "flux-kustomization.yaml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["spec"]["wait"], true);
  EXPECT_EQ(docs[1]["spec"]["dependsOn"][0]["name"], docs[0]["metadata"]["name"]);
}

}  // namespace
}  // namespace pgrevise::api
