#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace pgrevise::kube {

// Supplies the bearer token for each request, so a rotated token is picked up without a restart.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual std::string token() = 0;
};

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  std::string token() override { return token_; }

 private:
  std::string token_;
};

// Reads the token from a file and reads it again whenever the file changes (projected service account tokens
// are rotated by the kubelet, which swaps the file in place).
class FileTokenSource final : public TokenSource {
 public:
  explicit FileTokenSource(std::filesystem::path path);
  std::string token() override;  // throws Error(kIo) naming the file when it cannot be read

 private:
  std::filesystem::path path_;
  std::mutex mu_;
  std::string token_;
  std::string stamp_;  // identity of the version read: inode, size, modification time
};

// Where and how to reach the API server. Secrets (token, key) are held only here and in the transport.
struct ClusterConfig {
  std::string server;  // "https://host:port" (or http:// for tests)
  std::string ca_pem;  // trusted CA bundle in PEM; empty means the system's default trust
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::shared_ptr<TokenSource> token;  // null when authentication is by client certificate only
  std::string default_namespace = "default";
};

// Environment lookup, injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct InClusterPaths {
  std::filesystem::path token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster configuration from KUBERNETES_SERVICE_HOST/PORT and the service account files. Throws
// Error(kBadInput) when the variables are missing or a file cannot be read.
ClusterConfig load_in_cluster(const InClusterPaths& paths, const EnvLookup& env);

// A kubeconfig: the named context, or current-context when `context` is empty. Relative file paths in it are
// resolved against the kubeconfig's own folder. Errors name the file and the field at fault.
ClusterConfig load_kubeconfig(const std::filesystem::path& path, const std::string& context = "");
ClusterConfig parse_kubeconfig(const std::string& yaml_text, const std::filesystem::path& base_dir,
                               const std::string& source_name, const std::string& context = "");

// The usual order: --kubeconfig, then KUBECONFIG (first existing file of the list), then in-cluster when
// KUBERNETES_SERVICE_HOST is set, then ~/.kube/config.
ClusterConfig resolve_cluster_config(const std::string& kubeconfig_flag, const EnvLookup& env,
                                     const InClusterPaths& paths = {});

std::string base64_decode(const std::string& text);  // throws Error(kBadInput) on malformed input

}  // namespace pgrevise::kube
