#pragma once

// The fault suites' world: many PostgresMigrations across namespaces, each with its own database, Secret and
// migrations ConfigMap; and what the fake API server's request log says about them afterwards (every Job
// created, every status written, who wrote what), so that tests assert on the record of the whole run.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "e2e/e2e_support.h"
#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::e2e {

// "r00", "r01", ...: the revisions of write_chain.
std::string chain_revision(int i);
// A linear chain of `revisions` tiny revisions (each creates one table) under dir/sub; returns the folder.
std::filesystem::path write_chain(const testing::TempDir& dir, const std::string& sub, int revisions);

// The seed of a randomised test: $PGREVISE_E2E_SEED when set, else `fallback`; printed so that a failing
// run can be repeated.
std::uint64_t test_seed(std::uint64_t fallback);

struct FleetMember {
  std::string ns;
  std::string name;
  std::unique_ptr<testing::TestDatabase> db;
  std::string key() const { return ns + "/" + name; }
  std::string heads() const;  // alembic_version rows, comma-joined ("" before the first migration)
};

class Fleet {
 public:
  Fleet(kube::RestClient& client, std::filesystem::path migrations_dir);

  // Adds `count` members spread round-robin over `namespaces`, each with its database, Secret, ConfigMap
  // and a resource at `target` (backups on).
  void create(int count, const std::vector<std::string>& namespaces, const std::string& target);
  // Merge-patches every member's spec.targetRevision.
  void set_target(const std::string& target);
  // Members whose status is not yet Ready=True for their generation with currentHeads == {target}.
  std::vector<std::string> lagging(const std::string& target) const;
  // Polls (every second, up to `timeout`) until no member lags; on timeout, fails the test naming them.
  bool wait_converged(const std::string& target, std::chrono::milliseconds timeout);
  // Members whose database is not at `target`.
  std::vector<std::string> databases_not_at(const std::string& target) const;

  const std::vector<FleetMember>& members() const { return members_; }

 private:
  kube::RestClient& client_;
  std::filesystem::path migrations_dir_;
  std::vector<FleetMember> members_;
};

// What the request log says.
using JobKey = std::tuple<std::string, std::string, std::string>;  // resource "ns/name", kind, target

// Successful Job creates per (resource, kind, target), from the objects the server answered (needs
// FakeApiServer::record_written_objects).
std::map<JobKey, int> job_creates(const std::vector<testing::RecordedRequest>& log);
// Jobs that exist now per (resource, kind, target).
std::map<JobKey, int> jobs_by_run(kube::RestClient& client);

// Every status written for a PostgresMigration, per resource in commit order (by resourceVersion): a
// message for each write whose status.observedGeneration, or a condition's observedGeneration, is lower
// than in an earlier write. Also counts the writes seen.
std::vector<std::string> status_regressions(const std::vector<testing::RecordedRequest>& log,
                                            std::size_t* writes_seen = nullptr);

// Requests by `user` sent again (same method and target) sooner than `retry_after` after an answer 429 told
// it to wait that long. Creates are left out: two creates to one collection are usually different objects.
std::vector<std::string> repeated_before_retry_after(const std::vector<testing::RecordedRequest>& log,
                                                     const std::string& user,
                                                     std::chrono::milliseconds retry_after);

// A write (create, update, patch, delete) other than to a Lease: the operator acting.
bool is_acting_write(const testing::RecordedRequest& request);

}  // namespace pgrevise::e2e
