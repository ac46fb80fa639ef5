#include "local/job_executor.h"

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "local/pod_files.h"

namespace pgrevise::local {
namespace {

class JobExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("pgrevise-local-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    env_.work_dir = dir_ / "work";
    env_.default_claims_dir = dir_ / "claims";
    env_.get_secret = [this](const std::string& ns, const std::string& name) -> std::optional<Json> {
      auto it = secrets_.find(ns + "/" + name);
      return it == secrets_.end() ? std::nullopt : std::optional<Json>(it->second);
    };
    env_.get_config_map = [this](const std::string& ns, const std::string& name) -> std::optional<Json> {
      auto it = config_maps_.find(ns + "/" + name);
      return it == config_maps_.end() ? std::nullopt : std::optional<Json>(it->second);
    };
    secrets_["apps/db"] = {{"data", {{"url", base64_encode("postgresql://u:s3cret-value@h/d")}}}};
    config_maps_["apps/migrations"] = {
        {"data", {{"a.sql", "-- revision: a\n"}, {"b.sql", "-- revision: b\n"}}}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Json job(const Json& container, const Json& extra_spec = Json::object()) {
    Json j = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", "migrate-1"}, {"namespace", "apps"}}},
              {"spec",
               {{"backoffLimit", 0},
                {"template",
                 {{"spec",
                   {{"restartPolicy", "Never"},
                    {"volumes",
                     {{{"name", "migrations"}, {"configMap", {{"name", "migrations"}}}},
                      {{"name", "backups"}, {"persistentVolumeClaim", {{"claimName", "db-backups"}}}},
                      {{"name", "tmp"}, {"emptyDir", Json::object()}}}},
                    {"containers", {container}}}}}}}}};
    j["spec"].update(extra_spec);
    return j;
  }
  static Json shell(const std::string& script, Json env = Json::array()) {
    return {{"name", "main"},
            {"command", {"sh", "-c", script}},
            {"env", env},
            {"volumeMounts",
             {{{"name", "migrations"}, {"mountPath", "/migrations"}},
              {{"name", "backups"}, {"mountPath", "/backups"}},
              {{"name", "tmp"}, {"mountPath", "/tmp"}}}}};
  }

  std::filesystem::path dir_;
  JobEnvironment env_;
  std::map<std::string, Json> secrets_, config_maps_;
  SystemProcessRunner runner_;
  ManualClock clock_;  // 2026-01-01T00:00:00Z, standing still unless a test moves it
};

TEST_F(JobExecutorTest, MountsConfigMapAndWritesTerminationMessage) {
  JobExecutor ex(env_, runner_, clock_);
  auto out = ex.run(job(shell("ls /migrations > /dev/termination-log && echo kept > /backups/x")));
  ASSERT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_EQ(out.reason, "Completed");
  EXPECT_EQ(out.termination_message, "a.sql\nb.sql\n");
  std::ifstream kept(dir_ / "claims" / "db-backups" / "x");
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "kept");  // the claim outlives the Pod
}

TEST_F(JobExecutorTest, LaysOutAConfigMapVolumeAsTheKubeletsAtomicWriterDoes) {
  Json j = job(
      shell("cd /migrations && readlink a.sql nested ..data > /dev/termination-log && "
            "cat nested/c.sql >> /dev/termination-log && ls -A | grep -c '^\\.\\.' >> /dev/termination-log"));
  j["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"] = {
      {{"key", "a.sql"}, {"path", "a.sql"}}, {{"key", "b.sql"}, {"path", "nested/c.sql"}}};
  auto out = JobExecutor(env_, runner_, clock_).run(j);
  ASSERT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_THAT(out.termination_message, ::testing::MatchesRegex("\\.\\.data/a\\.sql\n"
                                                               "\\.\\.data/nested\n"
                                                               "\\.\\.2026_01_01_00_00_00\\.000000\n"
                                                               "-- revision: b\n"
                                                               "2\n"));
}

// A client key mounted from a Secret with its item's mode, as the Jobs mount spec.database.tls: readable by
// the user running the Pod alone (libpq refuses a key others may read), and its path in PGSSLKEY rewritten.
TEST_F(JobExecutorTest, SecretItemModesKeepAKeyPrivate) {
  secrets_["apps/client"] = {
      {"data", {{"tls.key", base64_encode("KEY")}, {"tls.crt", base64_encode("CRT")}}}};
  Json c =
      shell("stat -L -c %a \"$PGSSLKEY\" > /dev/termination-log && cat \"$PGSSLKEY\" >> /dev/termination-log",
            {{{"name", "PGSSLKEY"}, {"value", "/etc/pgrevise/database-client-cert/tls.key"}}});
  c["volumeMounts"].push_back(
      {{"name", "client"}, {"mountPath", "/etc/pgrevise/database-client-cert"}, {"readOnly", true}});
  Json j = job(c);
  j["spec"]["template"]["spec"]["volumes"].push_back(
      {{"name", "client"},
       {"secret",
        {{"secretName", "client"},
         {"items",
          {{{"key", "tls.crt"}, {"path", "tls.crt"}, {"mode", 0444}},
           {{"key", "tls.key"}, {"path", "tls.key"}, {"mode", 0440}}}}}}});
  auto out = JobExecutor(env_, runner_, clock_).run(j);
  ASSERT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_EQ(out.termination_message, "400\nKEY");
}

TEST_F(JobExecutorTest, ResolvesSecretKeyRefAndExpandsReferences) {
  Json env = {{{"name", "DATABASE_URL"}, {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "url"}}}}}},
              {{"name", "PGREVISE_TARGET"}, {"value", "heads"}},
              {{"name", "WHERE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}}};
  Json c = shell("echo \"$DATABASE_URL $1 $WHERE\" > /dev/termination-log", env);
  c["args"] = {"x", "$(PGREVISE_TARGET)"};
  auto out = JobExecutor(env_, runner_, clock_).run(job(c));
  ASSERT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_EQ(out.termination_message, "postgresql://u:s3cret-value@h/d heads apps\n");
}

TEST_F(JobExecutorTest, MissingSecretIsACreateContainerConfigError) {
  Json env = {
      {{"name", "DATABASE_URL"}, {"valueFrom", {{"secretKeyRef", {{"name", "nope"}, {"key", "url"}}}}}}};
  auto out = JobExecutor(env_, runner_, clock_).run(job(shell("true", env)));
  EXPECT_FALSE(out.succeeded);
  EXPECT_EQ(out.reason, "CreateContainerConfigError");
  EXPECT_NE(out.message.find("apps/nope"), std::string::npos) << out.message;
  EXPECT_EQ(out.attempts, 1);
}

TEST_F(JobExecutorTest, BackoffLimitRetriesAndPodFailurePolicyStopsAtOnce) {
  auto counting = [&](int code) { return shell("echo run >> /backups/runs; exit " + std::to_string(code)); };
  auto out = JobExecutor(env_, runner_, clock_).run(job(counting(1), {{"backoffLimit", 2}}));
  EXPECT_FALSE(out.succeeded);
  EXPECT_EQ(out.reason, "BackoffLimitExceeded");
  EXPECT_EQ(out.attempts, 3);
  Json policy = {
      {"rules", {{{"action", "FailJob"}, {"onExitCodes", {{"operator", "In"}, {"values", {2}}}}}}}};
  out = JobExecutor(env_, runner_, clock_)
            .run(job(counting(2), {{"backoffLimit", 5}, {"podFailurePolicy", policy}}));
  EXPECT_EQ(out.reason, "PodFailurePolicy");
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.exit_code, 2);
}

TEST_F(JobExecutorTest, DeadlineKillsTheContainer) {
  auto out = JobExecutor(env_, runner_, clock_).run(job(shell("sleep 20"), {{"activeDeadlineSeconds", 1}}));
  EXPECT_FALSE(out.succeeded);
  EXPECT_EQ(out.reason, "DeadlineExceeded");
}

// Runs nothing: moves the clock on by `step` for each container, as if each had taken that long.
class SlowContainers final : public ProcessRunner {
 public:
  SlowContainers(ManualClock& clock, std::chrono::milliseconds step) : clock_(clock), step_(step) {}
  ProcessResult run(const ProcessSpec& spec) override {
    timeouts.push_back(spec.timeout);
    clock_.advance(step_);
    ProcessResult exited;
    exited.exit_code = 0;
    return exited;
  }
  std::vector<std::optional<std::chrono::milliseconds>> timeouts;

 private:
  ManualClock& clock_;
  std::chrono::milliseconds step_;
};

TEST_F(JobExecutorTest, TheDeadlineCountsFromTheJobsStartOnTheInjectedClock) {
  Json j = job(shell("true"), {{"activeDeadlineSeconds", 10}});
  j["spec"]["template"]["spec"]["initContainers"] = {{{"name", "copy"}, {"command", {"true"}}}};
  SlowContainers slow(clock_, std::chrono::seconds(4));
  auto out = JobExecutor(env_, slow, clock_).run(j);
  EXPECT_TRUE(out.succeeded) << out.message;
  using std::chrono::seconds;
  EXPECT_EQ(slow.timeouts, (std::vector<std::optional<std::chrono::milliseconds>>{seconds(10), seconds(6)}));
}

TEST_F(JobExecutorTest, FallsBackToLogsOnError) {
  Json c = shell("echo something broke >&2; exit 1");
  c["terminationMessagePolicy"] = "FallbackToLogsOnError";
  auto out = JobExecutor(env_, runner_, clock_).run(job(c));
  EXPECT_EQ(out.termination_message, "something broke\n");
}

TEST_F(JobExecutorTest, ANativeSidecarDoesNotHoldTheJob) {
  Json j = job(shell("echo done > /dev/termination-log"));
  // Run in line, a proxy that serves until stopped would never let the main container start.
  j["spec"]["template"]["spec"]["initContainers"] = {
      {{"name", "proxy"}, {"restartPolicy", "Always"}, {"command", {"sh", "-c", "exit 3"}}}};
  auto out = JobExecutor(env_, runner_, clock_).run(j);
  EXPECT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_EQ(out.container, "main");
  EXPECT_EQ(out.termination_message, "done\n");
}

TEST_F(JobExecutorTest, AFailedInitContainerIsTheOutcomesContainerWithItsOwnPolicies) {
  Json main = shell("echo never > /dev/termination-log");
  main["terminationMessagePolicy"] = "FallbackToLogsOnError";
  Json j = job(main,
               {{"backoffLimit", 1},
                {"podFailurePolicy",
                 {{"rules",
                   {{{"action", "FailJob"},
                     {"onExitCodes", {{"containerName", "main"}, {"operator", "In"}, {"values", {1}}}}}}}}}});
  j["spec"]["template"]["spec"]["initContainers"] = {
      {{"name", "copy-migrations"}, {"command", {"sh", "-c", "echo cannot stat >&2; exit 1"}}}};
  auto out = JobExecutor(env_, runner_, clock_).run(j);
  EXPECT_FALSE(out.succeeded);
  EXPECT_EQ(out.container, "copy-migrations");
  EXPECT_EQ(out.exit_code, 1);
  // The rule names the main container, so the copy's exit code 1 is retried, not a failure of the Job.
  EXPECT_EQ(out.reason, "BackoffLimitExceeded");
  EXPECT_EQ(out.attempts, 2);
  // The copy container's policy is the default (File): its log is no termination message.
  EXPECT_EQ(out.termination_message, "");
}

TEST_F(JobExecutorTest, RunsTheMainContainerOfTheJobsKindWhereverItIsListed) {
  Json j = job(shell("echo helper > /dev/termination-log; exit 7"));
  Json migrate = shell("echo migrated > /dev/termination-log");
  migrate["name"] = "migrate";
  j["spec"]["template"]["spec"]["containers"].push_back(migrate);
  j["metadata"]["labels"] = {{"app.kubernetes.io/component", "migrate"}};
  auto out = JobExecutor(env_, runner_, clock_).run(j);
  EXPECT_TRUE(out.succeeded) << out.message << out.logs;
  EXPECT_EQ(out.container, "migrate");
  EXPECT_EQ(out.termination_message, "migrated\n");
}

TEST(PodFiles, RewritesOnlyWholePathSegments) {
  MountTable t{{{"/migrations", "/local/m"}, {"/dev/termination-log", "/local/t"}}};
  EXPECT_EQ(t.rewrite("--dir /migrations --report /dev/termination-log"), "--dir /local/m --report /local/t");
  EXPECT_EQ(t.rewrite("/migrations/x.sql"), "/local/m/x.sql");
  EXPECT_EQ(t.rewrite("/migrations-old"), "/migrations-old");
  EXPECT_EQ(t.rewrite("--dir=/migrations"), "--dir=/local/m");
}

TEST(PodFiles, ExpandsLikeKubernetes) {
  std::map<std::string, std::string> vars = {{"A", "1"}};
  EXPECT_EQ(expand_references("$(A)-$(B)-$$(A)", vars), "1-$(B)-$(A)");
}

}  // namespace
}  // namespace pgrevise::local
