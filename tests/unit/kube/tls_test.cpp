// TLS and credentials end to end: certificates made by the openssl command, the fake API server serving
// HTTPS, and the client configured from kubeconfigs (token, client certificate, insecure) and from in-cluster
// files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/process.h"
#include "kube_test_support.h"
#include "support/openssl_cli.h"

namespace pgrevise::kube {
namespace {

namespace fs = std::filesystem;

using testing::openssl;
using testing::slurp;

// A CA, a server certificate for 127.0.0.1 and ::1, one for 127.0.0.1 alone, and a client certificate for
// CN=operator-cert, made once per run.
class Pki {
 public:
  fs::path dir = fs::temp_directory_path() / ("kube-tls-test-" + std::to_string(::getpid()));
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca, v4_cert, v4_key;

  void make() {
    fs::create_directories(dir);
    write("server.ext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n");
    write("v4.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (const std::string ca_name : {"ca", "other-ca"}) {
      openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_name + ".key", "-out",
                    ca_name + ".crt", "-days", "1", "-subj", "/CN=" + ca_name});
    }
    sign("server", "/CN=127.0.0.1", "server.ext");
    sign("v4", "/CN=127.0.0.1", "v4.ext");
    sign("client", "/CN=operator-cert", "");
    ca = slurp(dir / "ca.crt");
    other_ca = slurp(dir / "other-ca.crt");
    server_cert = slurp(dir / "server.crt");
    server_key = slurp(dir / "server.key");
    client_cert = slurp(dir / "client.crt");
    client_key = slurp(dir / "client.key");
    v4_cert = slurp(dir / "v4.crt");
    v4_key = slurp(dir / "v4.key");
  }
  ~Pki() { fs::remove_all(dir); }

 private:
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  void sign(const std::string& name, const std::string& subject, const std::string& ext) {
    openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                  "-subj", subject});
    std::vector<std::string> args = {"x509",        "-req",   "-in",    name + ".csr",     "-CA",
                                     "ca.crt",      "-CAkey", "ca.key", "-CAcreateserial", "-out",
                                     name + ".crt", "-days",  "1"};
    if (!ext.empty()) {
      args.push_back("-extfile");
      args.push_back(ext);
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

// The files and variables the kubelet gives a Pod (token, CA, namespace "ops" in `dir`; the Service's host
// and port), read as the operator reads them in a cluster.
ClusterConfig in_cluster_config(const fs::path& dir, const std::string& host, int port) {
  fs::create_directories(dir);
  std::ofstream(dir / "token") << test::kToken;
  std::ofstream(dir / "ca.crt") << pki().ca;
  std::ofstream(dir / "namespace") << "ops";
  const auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return host;
    if (name == "KUBERNETES_SERVICE_PORT") return std::to_string(port);
    return std::nullopt;
  };
  return load_in_cluster({dir / "token", dir / "ca.crt", dir / "namespace"}, env);
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
  const ClusterConfig config = in_cluster_config(dir, "127.0.0.1", server.port());
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

// An API server reached by its IPv6 address, as in an IPv6-only cluster: the bracketed literal of the
// kubeconfig and of the in-cluster variables is connected to, named in the Host header, and its certificate
// is verified against the address.
class Ipv6TlsTest : public TlsTest {
 protected:
  static testing::FakeApiServerOptions ipv6_options(const std::string& cert, const std::string& key) {
    auto o = options();
    o.ipv6 = true;
    o.tls_cert_pem = cert;
    o.tls_key_pem = key;
    return o;
  }
  testing::FakeApiServer server6{ipv6_options(pki().server_cert, pki().server_key)};
  std::string host_header() const { return "[::1]:" + std::to_string(server6.port()); }
};

TEST_F(Ipv6TlsTest, ListAndWatchOnIpv6Loopback) {
  ASSERT_EQ(server6.url(), "https://" + host_header());
  auto client = client_from_kubeconfig(server6.kubeconfig(test::kToken, pki().ca));
  const ListPage page = client.list(resources::config_maps(), "default");
  EXPECT_EQ(server6.requests().back().user, "operator");
  EXPECT_EQ(server6.requests().back().host, host_header());
  client.create(resources::config_maps(), "default", test::config_map("a"));
  Cancellation cancel;
  std::vector<std::string> seen;
  client.watch(
      resources::config_maps(), "default", {.resource_version = page.resource_version},
      [&](const WatchEvent& e) {
        seen.push_back(std::string(to_string(e.type)) + " " +
                       e.object.value("metadata", Json::object()).value("name", ""));
        return e.type == WatchEvent::Type::kBookmark;
      },
      cancel);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), "ADDED a");
  EXPECT_EQ(server6.count("watch"), 1u);
}

TEST_F(Ipv6TlsTest, InClusterServiceHostWithoutBrackets) {
  const ClusterConfig config = in_cluster_config(pki().dir / "serviceaccount6", "::1", server6.port());
  RestClient client(std::make_shared<CppRestTransport>(config), {.qps = 0}, SystemClock::instance());
  client.list(resources::config_maps(), "ops");
  EXPECT_EQ(server6.requests().back().host, host_header());
}

TEST_F(Ipv6TlsTest, CertificateNotNamingTheAddressIsRefused) {
  testing::FakeApiServer v4_only{ipv6_options(pki().v4_cert, pki().v4_key)};
  auto client = client_from_kubeconfig(v4_only.kubeconfig(test::kToken, pki().ca));
  try {
    client.list(resources::config_maps(), "default");
    FAIL() << "a certificate without the address ::1 was trusted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kUnavailable);
  }
  EXPECT_EQ(v4_only.count("list"), 0u);
}

TEST_F(Ipv6TlsTest, UntrustedIpv6ServerIsRefused) {
  auto client = client_from_kubeconfig(server6.kubeconfig(test::kToken, pki().other_ca));
  EXPECT_THROW(client.list(resources::config_maps(), "default"), ApiError);
  EXPECT_EQ(server6.count("list"), 0u);
}

// The failed handshakes and stopped watches of these tests leave cpprestsdk work on its pool; the process
// must not exit before it has run.
class HttpPoolDrain : public ::testing::Environment {
 public:
  void TearDown() override { drain_http_threads(); }
};
const auto* const kDrain = ::testing::AddGlobalTestEnvironment(new HttpPoolDrain);

}  // namespace
}  // namespace pgrevise::kube
