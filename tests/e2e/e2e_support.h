#pragma once

// Shared pieces of the end-to-end suite: a REST client for the fake API server, the objects a team would
// apply (Secret, migrations ConfigMap), and bounded polling. Tests assert on the state of the world; polling
// only bounds how long they wait for it.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/clock.h"
#include "kube/cpprest_transport.h"
#include "kube/rest_client.h"
#include "support/fake_api_server.h"

namespace pgrevise::e2e {

using Json = nlohmann::json;

inline constexpr const char* kOperatorToken = "operator-token";
inline constexpr const char* kTestToken = "test-token";
inline constexpr const char* kKubeletToken = "kubelet-token";
// Tokens of further operator processes, each its own user in the server's request log, so that a test can
// tell which process made a request (e.g. that two replicas never act at once).
inline constexpr const char* kReplicaTokens[] = {"replica-0-token", "replica-1-token", "replica-2-token"};
inline std::string replica_user(int i) {
  return "system:serviceaccount:pgrevise:replica-" + std::to_string(i);
}

inline testing::FakeApiServerOptions server_options() {
  testing::FakeApiServerOptions options;
  options.tokens = {{kOperatorToken, "system:serviceaccount:pgrevise:operator"},
                    {kTestToken, "tester"},
                    {kKubeletToken, "kubelet"}};
  for (int i = 0; i < 3; ++i) options.tokens[kReplicaTokens[i]] = replica_user(i);
  options.bookmark_interval = std::chrono::milliseconds(500);
  return options;
}

inline std::unique_ptr<kube::RestClient> client_for(const testing::FakeApiServer& server,
                                                    const std::string& token = kTestToken) {
  kube::ClusterConfig config;
  config.server = server.url();
  config.token = std::make_shared<kube::StaticTokenSource>(token);
  kube::RestClientOptions options;
  options.qps = 0;
  options.request_timeout = std::chrono::seconds(20);
  return std::make_unique<kube::RestClient>(std::make_shared<kube::CppRestTransport>(config), options,
                                            SystemClock::instance());
}

inline kube::ResourceType migrations_type() {
  return {"pgrevise.dev", "v1alpha1", "postgresmigrations", "PostgresMigration", true};
}

inline Json secret(const std::string& ns, const std::string& name, const std::string& key,
                   const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "Opaque"},
          {"data", {{key, base64_encode(value)}}}};
}

// A ConfigMap holding every *.sql file below `dir`, keyed by file name (ConfigMap keys cannot hold '/'; a
// migration's identity comes from its header, not its path).
Json migrations_config_map(const std::string& ns, const std::string& name, const std::filesystem::path& dir);

// The example migrations shipped in the repository.
std::filesystem::path example_migrations();

// The CustomResourceDefinition crds/FILE as JSON; nullopt when the file does not exist.
std::optional<Json> load_crd(const std::string& file_name);
// Registers the PostgresMigration type from crds/ (schema, pruning, status subresource) with the server,
// replacing its built-in registration; keeps the built-in one while the CRD file does not exist.
void register_crd(testing::FakeApiServer& server);

// Polls `condition` every 100 ms until it holds or `timeout` passes; true when it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// The condition of `type` in an object's status.conditions, or null.
inline Json condition(const Json& object, const std::string& type) {
  for (const auto& c : object.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("type", "") == type) return c;
  return nullptr;
}

inline bool condition_true(const Json& object, const std::string& type) {
  const Json c = condition(object, type);
  return c.is_object() && c.value("status", "") == "True";
}

// Whether any condition of the object carries `reason`.
inline bool has_reason(const Json& object, const std::string& reason) {
  for (const auto& c : object.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("reason", "") == reason) return true;
  return false;
}

}  // namespace pgrevise::e2e
