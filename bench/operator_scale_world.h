#pragma once

// The world of the operator-at-scale benchmark: the fake API server with the PostgresMigration CRD, N
// namespaces each holding a Secret with the database URL, the repository's example migrations as a ConfigMap
// and the kube-root-ca.crt ConfigMap every real namespace has, and M PostgresMigration resources spread over
// the namespaces. Every resource keeps its own version table in a real PostgreSQL database, stamped at the
// resource's target, so the operator's database probe reads real heads and finds each resource up to date.
// Each namespace has a database of its own (named after the given one), as teams do.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "kube/rest_client.h"
#include "support/fake_api_server.h"

namespace pgrevise::bench {

using Json = nlohmann::json;

inline constexpr const char* kOperatorUser = "operator";
inline constexpr const char* kBenchUser = "bench";
inline constexpr const char* kStampedRevision = "0004";  // where every database starts (and its target)
inline constexpr const char* kBumpedRevision = "0005";   // the target of a bump

struct ScaleResource {
  std::string ns;
  std::string name;
  std::string version_table;
  bool backup = false;
};

struct WorldOptions {
  int resources = 1000;
  int namespaces = 20;
  int backup_every = 4;  // every Nth resource has backups enabled (0: none)
  std::string database_url;
};

class ScaleWorld {
 public:
  explicit ScaleWorld(WorldOptions options);

  // Creates the version tables in the database and every object on the API server.
  void populate();
  const std::vector<ScaleResource>& resources() const { return resources_; }
  testing::FakeApiServer& server() { return server_; }
  kube::RestClient& client() { return *client_; }
  std::string operator_kubeconfig() const;

  // How many resources are Ready=True for their current generation (read from the server's state).
  int ready_count();
  // Merge-patches spec.targetRevision of a resource; the patch's RecordedRequest marks the bump.
  void bump(const ScaleResource& resource, const std::string& target);
  bool ready(const ScaleResource& resource);
  // Jobs stored in the namespace whose name starts with `prefix`.
  std::vector<std::string> job_names(const std::string& ns, const std::string& prefix);
  // Stands in for the Job controller and a Job that runs in no time: a migrate Job moves the resource's
  // version table to `revision` first; then the Job's status says it succeeded.
  void complete_job(const ScaleResource& resource, const std::string& job, const std::string& revision);

 private:
  void create_tables();
  std::string database_of(const std::string& ns) const;
  void create_namespace_objects(const std::string& ns);
  Json resource_json(const ScaleResource& r) const;

  WorldOptions options_;
  testing::FakeApiServer server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<pqxx::connection> db_;
  std::vector<ScaleResource> resources_;
};

}  // namespace pgrevise::bench
