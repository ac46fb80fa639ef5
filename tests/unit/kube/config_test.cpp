#include "kube/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"

namespace pgrevise::kube {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("kube-config-test-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
  EnvLookup env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& n) -> std::optional<std::string> {
      const auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: Q0EtUEVN
- name: c2
  cluster:
    server: https://10.0.0.2:6443
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
users:
- name: token-user
  user:
    token: abc123
- name: cert-user
  user:
    client-certificate: cert.pem
    client-key-data: S0VZLVBFTQ==
contexts:
- name: dev
  context: {cluster: c1, user: token-user, namespace: team-a}
- name: prod
  context: {cluster: c2, user: cert-user}
)";

TEST_F(ConfigTest, KubeconfigCurrentAndNamedContext) {
  write("ca.pem", "CA-FILE");
  write("cert.pem", "CERT-FILE");
  const auto path = write("config", kKubeconfig);
  const ClusterConfig dev = load_kubeconfig(path);
  EXPECT_EQ(dev.server, "https://10.0.0.1:6443");
  EXPECT_EQ(dev.ca_pem, "CA-PEM");
  ASSERT_TRUE(dev.token);
  EXPECT_EQ(dev.token->token(), "abc123");
  EXPECT_EQ(dev.default_namespace, "team-a");
  EXPECT_FALSE(dev.insecure_skip_tls_verify);

  const ClusterConfig prod = load_kubeconfig(path, "prod");
  EXPECT_EQ(prod.ca_pem, "CA-FILE");  // relative to the kubeconfig's folder
  EXPECT_EQ(prod.client_cert_pem, "CERT-FILE");
  EXPECT_EQ(prod.client_key_pem, "KEY-PEM");
  EXPECT_TRUE(prod.insecure_skip_tls_verify);
  EXPECT_FALSE(prod.token);
  EXPECT_EQ(prod.default_namespace, "default");
}

TEST_F(ConfigTest, BadKubeconfigNamesTheFileAndField) {
  const auto path = write("broken", "current-context: nope\nclusters: []\ncontexts: []\n");
  try {
    load_kubeconfig(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
  EXPECT_THROW(load_kubeconfig(write("yaml", "a: [")), Error);
  EXPECT_THROW(load_kubeconfig(dir / "missing"), Error);
}

TEST_F(ConfigTest, ResolutionOrder) {
  const auto path = write("config", kKubeconfig);
  EXPECT_EQ(resolve_cluster_config(path.string(), env({})).server, "https://10.0.0.1:6443");
  EXPECT_EQ(
      resolve_cluster_config("", env({{"KUBECONFIG", (dir / "none").string() + ":" + path.string()}})).server,
      "https://10.0.0.1:6443");
  fs::create_directories(dir / "home/.kube");
  fs::copy_file(path, dir / "home/.kube/config");
  EXPECT_EQ(resolve_cluster_config("", env({{"HOME", (dir / "home").string()}})).server,
            "https://10.0.0.1:6443");
  EXPECT_THROW(resolve_cluster_config("", env({{"HOME", (dir / "nohome").string()}})), Error);
}

TEST_F(ConfigTest, InClusterAndTokenRotation) {
  InClusterPaths paths{write("token", "first-token\n"), write("ca.crt", "CLUSTER-CA"),
                       write("namespace", "ops")};
  const ClusterConfig config = load_in_cluster(
      paths, env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  EXPECT_EQ(config.server, "https://10.96.0.1:443");
  EXPECT_EQ(config.ca_pem, "CLUSTER-CA");
  EXPECT_EQ(config.default_namespace, "ops");
  EXPECT_EQ(config.token->token(), "first-token");
  // The kubelet rotates the token by replacing the file.
  write("token.new", "second-token");
  fs::rename(dir / "token.new", dir / "token");
  EXPECT_EQ(config.token->token(), "second-token");
  EXPECT_THROW(load_in_cluster(paths, env({})), Error);
  const auto v6 = load_in_cluster(
      paths, env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  EXPECT_EQ(v6.server, "https://[fd00::1]:443");
}

TEST(Base64Test, Decodes) {
  EXPECT_EQ(base64_decode("aGVsbG8gd29ybGQ="), "hello world");
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_THROW(base64_decode("a$b"), Error);
}

}  // namespace
}  // namespace pgrevise::kube
