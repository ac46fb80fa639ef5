#include "metrics/endpoints.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "common/error.h"

namespace pgrevise::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
};

enum class Family { kIpv4, kIpv6 };

// Sends raw bytes to 127.0.0.1:port (or [::1]:port) and reads until the server closes the connection.
std::string send_raw(int port, const std::string& request, Family family = Family::kIpv4) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (family == Family::kIpv6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    in6->sin6_addr = in6addr_loopback;
    len = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *in;
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

Reply parse_reply(const std::string& raw) {
  Reply reply;
  std::size_t split = raw.find("\r\n\r\n");
  reply.head = raw.substr(0, split);
  reply.body = split == std::string::npos ? "" : raw.substr(split + 4);
  if (raw.rfind("HTTP/1.1 ", 0) == 0) reply.status = std::stoi(raw.substr(9, 3));
  return reply;
}

Reply get(int port, const std::string& path, const std::string& method = "GET") {
  return parse_reply(send_raw(port, method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
}

Reply get_v6(int port, const std::string& path) {
  return parse_reply(send_raw(port, "GET " + path + " HTTP/1.1\r\nHost: [::1]\r\n\r\n", Family::kIpv6));
}

const BindAddress kLoopbackAnyPort{"127.0.0.1", 0};

class EndpointsTest : public ::testing::Test {
 protected:
  std::atomic<bool> synced{false};
  Readiness readiness;
  void SetUp() override {
    readiness.add_check("caches-synced", [this] { return synced.load(); });
  }
};

TEST_F(EndpointsTest, SeparateMetricsAndHealthServers) {
  Endpoints endpoints(
      {kLoopbackAnyPort, kLoopbackAnyPort}, [] { return std::string("pgrevise_up 1\n"); }, readiness);
  endpoints.start();
  ASSERT_TRUE(endpoints.metrics_port() && endpoints.health_port());
  int metrics = *endpoints.metrics_port();
  int health = *endpoints.health_port();
  EXPECT_NE(metrics, health);

  Reply scrape = get(metrics, "/metrics");
  EXPECT_EQ(scrape.status, 200);
  EXPECT_THAT(scrape.head, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(scrape.head, HasSubstr("Content-Length: 14"));
  EXPECT_EQ(scrape.body, "pgrevise_up 1\n");
  EXPECT_EQ(get(metrics, "/healthz").status, 404);
  EXPECT_EQ(get(health, "/metrics").status, 404);

  Reply alive = get(health, "/healthz");
  EXPECT_EQ(alive.status, 200);
  EXPECT_EQ(alive.body, "ok\n");

  Reply not_ready = get(health, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.body, HasSubstr("caches-synced"));
  synced = true;
  Reply ready = get(health, "/readyz?verbose=1");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ok\n");

  EXPECT_EQ(get(health, "/nope").status, 404);
  endpoints.stop();
}

TEST_F(EndpointsTest, ReadyzNamesEveryFailingCheck) {
  readiness.add_check("leader-election", [] { return false; });
  Endpoints endpoints({std::nullopt, kLoopbackAnyPort}, nullptr, readiness);
  endpoints.start();
  EXPECT_EQ(endpoints.metrics_port(), std::nullopt);
  Reply reply = get(*endpoints.health_port(), "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_THAT(reply.body, HasSubstr("caches-synced, leader-election"));
}

TEST_F(EndpointsTest, MalformedOversizedAndNonGetRequests) {
  Endpoints endpoints(
      {kLoopbackAnyPort, std::nullopt}, [] { return std::string("x 1\n"); }, readiness);
  endpoints.start();
  int port = *endpoints.metrics_port();
  EXPECT_EQ(endpoints.health_port(), std::nullopt);
  EXPECT_EQ(parse_reply(send_raw(port, "hello\r\n\r\n")).status, 400);
  EXPECT_EQ(parse_reply(send_raw(port, "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"))
                .status,
            431);
  Reply post = get(port, "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_THAT(post.head, HasSubstr("Allow: GET, HEAD"));
  Reply head = get(port, "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  // The server keeps serving after all of the above.
  EXPECT_EQ(get(port, "/metrics").body, "x 1\n");
}

TEST_F(EndpointsTest, ClientThatSendsNothingIsCutOffAndOthersAreServedAfter) {
  HttpServer server(
      kLoopbackAnyPort,
      [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "hi"};
      },
      HttpServerLimits{.io_timeout = std::chrono::milliseconds(200)});
  server.start();
  std::string silent = send_raw(server.port(), "GET /x HTTP/1.1\r\n");  // never finishes its headers
  EXPECT_THAT(silent, StartsWith("HTTP/1.1 408"));
  EXPECT_EQ(get(server.port(), "/x").body, "hi");
}

TEST_F(EndpointsTest, HandlerExceptionBecomes500) {
  HttpServer server(kLoopbackAnyPort,
                    [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  server.start();
  Reply reply = get(server.port(), "/metrics");
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("boom")));
}

TEST_F(EndpointsTest, SameAddressForBothServesEveryPathOnOnePort) {
  // Reserve a free port, then let both endpoints share it.
  HttpServer probe(kLoopbackAnyPort, nullptr);
  probe.start();
  int port = probe.port();
  probe.stop();
  BindAddress shared{"127.0.0.1", port};
  synced = true;
  Endpoints endpoints(
      {shared, shared}, [] { return std::string("m 1\n"); }, readiness);
  endpoints.start();
  EXPECT_EQ(endpoints.metrics_port(), port);
  EXPECT_EQ(endpoints.health_port(), port);
  EXPECT_EQ(get(port, "/metrics").status, 200);
  EXPECT_EQ(get(port, "/readyz").status, 200);
}

TEST_F(EndpointsTest, AddressInUseIsAnErrorNamingIt) {
  HttpServer first(kLoopbackAnyPort, nullptr);
  first.start();
  Endpoints endpoints({std::nullopt, BindAddress{"127.0.0.1", first.port()}}, nullptr, readiness);
  try {
    endpoints.start();
    ADD_FAILURE() << "second bind succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_THAT(e.what(), HasSubstr("127.0.0.1:" + std::to_string(first.port())));
  }
}

// ":port" is every interface of both families: kubelet probes and scrapes reach the Pod's IPv6 address as
// well as its IPv4 one.
TEST_F(EndpointsTest, PortAloneServesBothFamilies) {
  synced = true;
  Endpoints endpoints(
      {BindAddress{"", 0}, BindAddress{"", 0}}, [] { return std::string("m 1\n"); }, readiness);
  endpoints.start();
  const int metrics = *endpoints.metrics_port();
  const int health = *endpoints.health_port();
  EXPECT_EQ(get(metrics, "/metrics").body, "m 1\n");
  EXPECT_EQ(get_v6(metrics, "/metrics").body, "m 1\n");
  EXPECT_EQ(get(health, "/healthz").status, 200);
  EXPECT_EQ(get_v6(health, "/healthz").status, 200);
  EXPECT_EQ(get_v6(health, "/readyz").status, 200);
}

TEST_F(EndpointsTest, LoopbackAddressesServeTheirOwnFamilyAlone) {
  HttpServer v6(BindAddress{"::1", 0}, [](const HttpRequest&) {
    return HttpResponse{200, "text/plain", "six"};
  });
  v6.start();
  EXPECT_EQ(get_v6(v6.port(), "/healthz").body, "six");
  EXPECT_THROW(get(v6.port(), "/healthz"), std::runtime_error);
  HttpServer v4(kLoopbackAnyPort, [](const HttpRequest&) { return HttpResponse{200, "text/plain", "four"}; });
  v4.start();
  EXPECT_EQ(get(v4.port(), "/healthz").body, "four");
  EXPECT_THROW(get_v6(v4.port(), "/healthz"), std::runtime_error);
}

}  // namespace
}  // namespace pgrevise::metrics
