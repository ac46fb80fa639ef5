#pragma once

// The world of an end-to-end test: the fake API server with the CRD, the fake kubelet running Jobs against a
// fresh PostgreSQL database, and any number of `pgrevise operator` processes.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/e2e_support.h"
#include "e2e/operator_process.h"
#include "support/fake_kubelet.h"
#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::e2e {

inline constexpr const char* kNamespace = "apps";
inline constexpr const char* kResourceName = "app";

class OperatorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts an operator process with a kubeconfig for the fake server (authenticated with `token`), waiting
  // until it reports ready.
  OperatorProcess& start_operator(std::vector<std::string> extra_args = {},
                                  const std::string& token = kOperatorToken);

  // The Secret with the database URL and the ConfigMap with the migrations of `dir` (the repository's
  // migrations/ by default).
  void create_inputs(const std::filesystem::path& dir = example_migrations());
  // A PostgresMigration named kResourceName with backups into claim db-backups; `spec` is merged over it.
  Json resource_json(const std::string& target, const Json& spec = Json::object()) const;
  Json create_resource(const std::string& target, const Json& spec = Json::object());
  Json resource() const;  // the resource as stored now
  // Merge-patches the resource (e.g. {"spec": {"targetRevision": "0005"}}).
  Json patch_resource(const Json& patch);

  // Waits until `predicate` holds for the resource; on timeout, fails the test with the resource and the
  // operators' logs.
  Json wait_for_resource(const std::function<bool(const Json&)>& predicate, const std::string& what,
                         std::chrono::milliseconds timeout = std::chrono::seconds(180));
  Json wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(180));

  std::vector<Json> jobs() const;                            // Jobs in the namespace
  std::vector<Json> jobs_of(const std::string& kind) const;  // backup | migrate | plan
  std::vector<Json> events() const;                          // events.k8s.io/v1 and core/v1 Events
  // Event reasons about the resource, in any order, with their notes.
  std::vector<std::pair<std::string, std::string>> event_reasons() const;
  std::string heads() const;  // alembic_version rows, sorted, comma-joined
  std::string logs() const;   // every operator's log, for failure messages

  // Extra container environment for the Jobs of a kind (backup | migrate | plan), read when a Job starts.
  void set_job_env(const std::string& kind, std::map<std::string, std::string> env);
  // Changes every Pod started from now on before it is created, as a sidecar-injecting webhook would.
  void set_pod_mutation(std::function<void(Json& pod)> mutate);

  // Every container process the fake kubelet ran, with its output unredacted, as a log collector sees it.
  struct ContainerRun {
    std::string job;  // namespace/name
    std::string command;
    std::string out;
    std::string err;
  };
  std::vector<ContainerRun> container_runs() const;

  testing::FakeApiServer server_{server_options()};
  testing::TestDatabase db_;
  testing::TempDir dir_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<testing::FakeKubelet> kubelet_;
  std::vector<std::unique_ptr<OperatorProcess>> operators_;
  std::filesystem::path kubeconfig_;
  std::mutex env_mu_;
  std::map<std::string, std::map<std::string, std::string>> env_by_kind_;
  std::function<void(Json& pod)> mutate_pod_;  // guarded by env_mu_
  mutable std::mutex runs_mu_;
  std::vector<ContainerRun> runs_;
};

// The kind of a Job the operator created: its app.kubernetes.io/component label, else the part of its name.
std::string job_kind(const Json& job);
std::string joined(const std::vector<std::string>& items);

}  // namespace pgrevise::e2e
