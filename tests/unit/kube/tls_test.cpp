// TLS and credentials end to end: certificates made by the openssl command, the fake API server serving
// HTTPS, and the client configured from kubeconfigs (token, client certificate, insecure) and from in-cluster
// files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/process.h"
#include "kube_test_support.h"

namespace pgrevise::kube {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void openssl(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  const ProcessResult r =
      run_process({.argv = args, .working_dir = dir.string(), .timeout = std::chrono::seconds(30)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// A CA, a server certificate for 127.0.0.1 and a client certificate for CN=operator-cert, made once per run.
class Pki {
 public:
  fs::path dir = fs::temp_directory_path() / ("kube-tls-test-" + std::to_string(::getpid()));
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca;

  void make() {
    fs::create_directories(dir);
    write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (const std::string ca_name : {"ca", "other-ca"}) {
      openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_name + ".key", "-out",
                    ca_name + ".crt", "-days", "1", "-subj", "/CN=" + ca_name});
    }
    sign("server", "/CN=127.0.0.1", true);
    sign("client", "/CN=operator-cert", false);
    ca = slurp(dir / "ca.crt");
    other_ca = slurp(dir / "other-ca.crt");
    server_cert = slurp(dir / "server.crt");
    server_key = slurp(dir / "server.key");
    client_cert = slurp(dir / "client.crt");
    client_key = slurp(dir / "client.key");
  }
  ~Pki() { fs::remove_all(dir); }

 private:
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  void sign(const std::string& name, const std::string& subject, bool server) {
    openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                  "-subj", subject});
    std::vector<std::string> args = {"x509",        "-req",   "-in",    name + ".csr",     "-CA",
                                     "ca.crt",      "-CAkey", "ca.key", "-CAcreateserial", "-out",
                                     name + ".crt", "-days",  "1"};
    if (server) {
      args.push_back("-extfile");
      args.push_back("server.ext");
    }
    openssl(dir, args);
  }
};

Pki& pki() {
  static Pki* instance = [] {
    auto* p = new Pki();
    p->make();
    return p;
  }();
  return *instance;
}

class TlsTest : public ::testing::Test {
 protected:
  static testing::FakeApiServerOptions options() {
    auto o = test::default_server_options();
    o.tls_cert_pem = pki().server_cert;
    o.tls_key_pem = pki().server_key;
    o.client_ca_pem = pki().ca;
    return o;
  }
  testing::FakeApiServer server{options()};

  std::string user_of_last_request() { return server.requests().back().user; }

  RestClient client_from_kubeconfig(const std::string& text) {
    const fs::path path = pki().dir / ("kubeconfig-" + std::to_string(++counter_));
    std::ofstream(path) << text;
    return RestClient(std::make_shared<CppRestTransport>(load_kubeconfig(path)),
                      {.qps = 0, .request_timeout = std::chrono::seconds(10)}, SystemClock::instance());
  }
  int counter_ = 0;
};

TEST_F(TlsTest, KubeconfigWithToken) {
  auto client = client_from_kubeconfig(server.kubeconfig(test::kToken, pki().ca));
  client.create(resources::config_maps(), "default", test::config_map("a"));
  EXPECT_EQ(user_of_last_request(), "operator");
}

TEST_F(TlsTest, KubeconfigWithClientCertificate) {
  auto client = client_from_kubeconfig(server.kubeconfig("", pki().ca, pki().client_cert, pki().client_key));
  client.list(resources::config_maps(), "default");
  EXPECT_EQ(user_of_last_request(), "operator-cert");
}

TEST_F(TlsTest, KubeconfigInsecureSkipsVerification) {
  auto client = client_from_kubeconfig(server.kubeconfig(test::kToken, "", "", "", true));
  client.list(resources::config_maps(), "default");
  EXPECT_EQ(user_of_last_request(), "operator");
}

TEST_F(TlsTest, UntrustedServerIsRefused) {
  auto client = client_from_kubeconfig(server.kubeconfig(test::kToken, pki().other_ca));
  try {
    client.list(resources::config_maps(), "default");
    FAIL() << "a server signed by another CA was trusted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kUnavailable);
  }
  EXPECT_EQ(server.count("list"), 0u);
}

TEST_F(TlsTest, NoCredentialsIsUnauthorized) {
  auto client = client_from_kubeconfig(server.kubeconfig("", pki().ca));
  try {
    client.list(resources::config_maps(), "default");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kUnauthorized);
  }
}

TEST_F(TlsTest, InClusterTokenRotation) {
  const fs::path dir = pki().dir / "serviceaccount";
  fs::create_directories(dir);
  std::ofstream(dir / "token") << test::kToken;
  std::ofstream(dir / "ca.crt") << pki().ca;
  std::ofstream(dir / "namespace") << "ops";
  const auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return "127.0.0.1";
    if (name == "KUBERNETES_SERVICE_PORT") return std::to_string(server.port());
    return std::nullopt;
  };
  const ClusterConfig config = load_in_cluster({dir / "token", dir / "ca.crt", dir / "namespace"}, env);
  EXPECT_EQ(config.default_namespace, "ops");
  RestClient client(std::make_shared<CppRestTransport>(config), {.qps = 0}, SystemClock::instance());
  client.list(resources::config_maps(), "ops");
  EXPECT_EQ(user_of_last_request(), "operator");
  // The kubelet writes the new token next to the old one and swaps it in.
  std::ofstream(dir / "token.tmp") << "test-token-2";
  fs::rename(dir / "token.tmp", dir / "token");
  client.list(resources::config_maps(), "ops");
  EXPECT_EQ(user_of_last_request(), "other");
}

TEST_F(TlsTest, WatchOverTls) {
  auto client = client_from_kubeconfig(server.kubeconfig(test::kToken, pki().ca));
  const ListPage page = client.list(resources::config_maps(), "default");
  client.create(resources::config_maps(), "default", test::config_map("a"));
  Cancellation cancel;
  std::vector<std::string> seen;
  client.watch(
      resources::config_maps(), "default", {.resource_version = page.resource_version},
      [&](const WatchEvent& e) {
        seen.push_back(to_string(e.type));
        return e.type == WatchEvent::Type::kBookmark;
      },
      cancel);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), "ADDED");
}

}  // namespace
}  // namespace pgrevise::kube
