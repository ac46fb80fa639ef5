// The operator as a process: killed while a Job runs and restarted, two replicas with leader election, and
// an orderly SIGTERM.
#include <signal.h>

#include <thread>

#include "e2e/metrics_text.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

const kube::ResourceType kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};

std::string lease_holder(kube::RestClient& client) {
  auto lease = client.try_get(kLeases, kNamespace, "pgrevise-operator");
  return lease ? lease->value("spec", Json::object()).value("holderIdentity", "") : "";
}

bool is_active(const Json& job) {
  return job.value("status", Json::object()).value("active", 0) > 0;
}

class OperatorKilledTest : public OperatorE2eTest, public ::testing::WithParamInterface<std::string> {};

// SIGKILL while the Job of the given kind runs; a new process finds that Job instead of creating another.
TEST_P(OperatorKilledTest, RestartedOperatorConvergesWithoutADuplicateJob) {
  const std::string kind = GetParam();
  create_inputs();
  kubelet_->pause([kind](const Json& job) { return job_kind(job) == kind; });
  auto& first = start_operator();
  create_resource("heads");
  ASSERT_TRUE(eventually([&] {
    auto of_kind = jobs_of(kind);
    return of_kind.size() == 1 && is_active(of_kind[0]);
  })) << logs();
  EXPECT_EQ(first.stop(SIGKILL), 128 + SIGKILL);

  start_operator();
  kubelet_->resume();
  const Json r = wait_ready();
  EXPECT_EQ(heads(), "0016");
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
  EXPECT_EQ(kubelet_->started_jobs().size(), 2u);
  EXPECT_TRUE(condition_true(r, "BackupSucceeded"));
}

INSTANTIATE_TEST_SUITE_P(WhileEachKindOfJobRuns, OperatorKilledTest, ::testing::Values("backup", "migrate"));

TEST_F(OperatorE2eTest, TwoOperatorsWithLeaderElectionOnlyOneActs) {
  create_inputs();
  const std::vector<std::string> election = {"--leader-elect", "--leader-elect-lease-namespace", kNamespace};
  auto& a = start_operator(election);
  auto& b = start_operator(election);
  ASSERT_TRUE(eventually([&] { return !lease_holder(*client_).empty(); })) << logs();

  create_resource("0005");
  wait_ready();
  EXPECT_EQ(jobs_of("backup").size(), 1u);
  EXPECT_EQ(jobs_of("migrate").size(), 1u);
  const auto leaders = [&] {
    double n = 0;
    for (auto* op : {&a, &b})
      if (auto m = http_get(op->metrics_port(), "/metrics"))
        n += metric_value(m->body, "pgrevise_leader", {});
    return n;
  };
  EXPECT_EQ(leaders(), 1);

  // The leader goes away with SIGTERM and releases the lease; the standby takes over and acts.
  auto& leader =
      metric_value(http_get(a.metrics_port(), "/metrics")->body, "pgrevise_leader", {}) == 1 ? a : b;
  const std::string old_holder = lease_holder(*client_);
  EXPECT_EQ(leader.stop(SIGTERM), 0);
  ASSERT_TRUE(eventually([&] {
    const auto holder = lease_holder(*client_);
    return !holder.empty() && holder != old_holder;
  })) << logs();
  patch_resource({{"spec", {{"targetRevision", "heads"}}}});
  wait_ready();
  EXPECT_EQ(heads(), "0016");
  EXPECT_EQ(jobs_of("migrate").size(), 2u);
}

TEST_F(OperatorE2eTest, SigtermExitsCleanlyAndReleasesTheLease) {
  auto& op = start_operator({"--leader-elect", "--leader-elect-lease-namespace", kNamespace});
  ASSERT_TRUE(eventually([&] { return !lease_holder(*client_).empty(); })) << logs();
  EXPECT_EQ(op.stop(SIGTERM), 0) << op.log();
  EXPECT_EQ(lease_holder(*client_), "");
}

TEST_F(OperatorE2eTest, NamespaceFlagLimitsWhatIsReconciled) {
  create_inputs();
  start_operator({"--namespace", "elsewhere"});
  create_resource("heads");
  const auto untouched = [&] { return !resource().contains("status") && jobs().empty(); };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(untouched()) << resource().dump(2);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

TEST_F(OperatorE2eTest, ExitCodesForBadFlagsAndAnUnreachableServer) {
  EXPECT_EQ(testing::run_pgrevise({"operator", "--log-format", "yaml"}).exit_code, 2);
  EXPECT_EQ(testing::run_pgrevise({"operator", "--max-concurrent-reconciles", "0"}).exit_code, 2);
  const auto unreachable = dir_.write("unreachable.kubeconfig",
                                      "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                                      "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:" +
                                          std::to_string(free_port()) +
                                          "'}}]\n"
                                          "users: [{name: u, user: {token: t}}]\n"
                                          "contexts: [{name: c, context: {cluster: c, user: u}}]\n");
  const auto result =
      testing::run_pgrevise({"operator", "--kubeconfig", unreachable.string(), "--metrics-bind-address", "0",
                             "--health-probe-bind-address", "0"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
}

}  // namespace
}  // namespace pgrevise::e2e
