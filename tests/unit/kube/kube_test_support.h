#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "kube/cpprest_transport.h"
#include "kube/rest_client.h"
#include "support/fake_api_server.h"

namespace pgrevise::kube::test {

inline constexpr const char* kToken = "test-token-1";

inline testing::FakeApiServerOptions default_server_options() {
  testing::FakeApiServerOptions options;
  options.tokens = {{kToken, "operator"}, {"test-token-2", "other"}};
  options.bookmark_interval = std::chrono::milliseconds(200);
  return options;
}

inline std::shared_ptr<HttpTransport> transport_for(const testing::FakeApiServer& server,
                                                    const std::string& token = kToken) {
  ClusterConfig config;
  config.server = server.url();
  if (!token.empty()) config.token = std::make_shared<StaticTokenSource>(token);
  return std::make_shared<CppRestTransport>(config);
}

inline std::unique_ptr<RestClient> client_for(const testing::FakeApiServer& server,
                                              const std::string& token = kToken) {
  RestClientOptions options;
  options.qps = 0;
  options.request_timeout = std::chrono::seconds(10);
  return std::make_unique<RestClient>(transport_for(server, token), options, SystemClock::instance());
}

inline Json config_map(const std::string& name, const std::string& ns = "default",
                       Json labels = Json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

inline ResourceType migrations() {
  return {"pgrevise.dev", "v1alpha1", "postgresmigrations", "PostgresMigration", true};
}

inline Json migration(const std::string& name, const std::string& target = "heads") {
  return {{"apiVersion", "pgrevise.dev/v1alpha1"},
          {"kind", "PostgresMigration"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"targetRevision", target}}}};
}

inline Json job(const std::string& name, const std::string& restart_policy = "Never") {
  Json pod_spec = {{"restartPolicy", restart_policy},
                   {"containers", Json::array({Json{{"name", "c"}, {"image", "busybox"}}})}};
  Json object = {{"apiVersion", "batch/v1"}, {"kind", "Job"}};
  object["metadata"] = {{"name", name}, {"namespace", "default"}};
  object["spec"]["template"]["spec"] = pod_spec;
  return object;
}

}  // namespace pgrevise::kube::test
