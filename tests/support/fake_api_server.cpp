#include "support/fake_api_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "support/fake_http.h"
#include "support/label_selector.h"

namespace pgrevise::testing {
namespace {

void register_builtins(FakeApiState& state) {
  state.register_resource({"", "v1", "pods", "Pod", true, true});
  state.register_resource({"", "v1", "configmaps", "ConfigMap", true, false});
  state.register_resource({"", "v1", "secrets", "Secret", true, false});
  state.register_resource({"", "v1", "services", "Service", true, true});
  state.register_resource({"", "v1", "namespaces", "Namespace", false, true});
  state.register_resource({"", "v1", "events", "Event", true, false});
  state.register_resource({"batch", "v1", "jobs", "Job", true, true, false, "Orphan"});
  state.register_resource({"coordination.k8s.io", "v1", "leases", "Lease", true, false});
  state.register_resource({"events.k8s.io", "v1", "events", "Event", true, false});
  state.register_resource(
      {"pgrevise.dev", "v1alpha1", "postgresmigrations", "PostgresMigration", true, true, true});
}

}  // namespace

FakeApiServer::FakeApiServer(FakeApiServerOptions options)
    : options_(std::move(options)), state_(options_.history_limit) {
  if (options_.register_builtin_resources) register_builtins(state_);
  if (!options_.tls_cert_pem.empty()) {
    tls_ = make_server_tls_context(options_.tls_cert_pem, options_.tls_key_pem, options_.client_ca_pem);
  }
  listen_fd_ = ::socket(options_.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (options_.ipv6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    len = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *in;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("fake API server: cannot listen on " + loopback());
  }
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = options_.ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                        : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeApiServer::~FakeApiServer() {
  stop();
  if (tls_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(tls_));
}

void FakeApiServer::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(conns_mu_);
    for (auto& conn : conns_) conn->shutdown();
    threads.swap(threads_);
  }
  state_.wake_all();
  for (auto& t : threads) t.join();
}

std::string FakeApiServer::url() const {
  return std::string(tls_ != nullptr ? "https" : "http") + "://" + loopback() + ":" + std::to_string(port_);
}

void FakeApiServer::accept_loop() {
  while (!stopping_.load()) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_.load()) return;
      continue;
    }
    auto conn = std::make_shared<ServerConnection>(fd, static_cast<SSL_CTX*>(tls_));
    std::lock_guard lock(conns_mu_);
    if (stopping_.load()) return;  // conn closes as it goes out of scope
    conns_.push_back(conn);
    threads_.emplace_back([this, conn] { serve(conn); });
  }
}

void FakeApiServer::serve(std::shared_ptr<ServerConnection> conn) {
  if (conn->handshake()) {
    ServerRequest request;
    while (!stopping_.load() && conn->read_request(request)) {
      if (!handle(*conn, request)) break;
      const auto it = request.headers.find("connection");
      if (it != request.headers.end() && it->second == "close") break;
    }
  }
  conn->shutdown();
  std::lock_guard lock(conns_mu_);
  std::erase(conns_, conn);
}

void FakeApiServer::set_faults(FaultConfig faults) {
  std::lock_guard lock(faults_mu_);
  rng_.seed(faults.seed);
  faults_ = std::move(faults);
}

void FakeApiServer::drop_watches() {
  drop_generation_.fetch_add(1);
  state_.wake_all();
}

void FakeApiServer::expire_history() {
  state_.expire_history();
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard lock(log_mu_);
  return log_;
}

void FakeApiServer::clear_requests() {
  std::lock_guard lock(log_mu_);
  log_.clear();
}

std::size_t FakeApiServer::count(const std::string& verb, const std::string& resource) const {
  std::lock_guard lock(log_mu_);
  std::size_t n = 0;
  for (const auto& r : log_) n += r.verb == verb && (resource.empty() || r.resource == resource);
  return n;
}

FaultCounts FakeApiServer::fault_counts() const {
  std::lock_guard lock(faults_mu_);
  return fault_counts_;
}

void FakeApiServer::record(RecordedRequest r) {
  r.at = std::chrono::steady_clock::now();
  std::lock_guard lock(log_mu_);
  log_.push_back(std::move(r));
}

bool FakeApiServer::faulted(const std::string& user, const std::string& resource) const {
  return (faults_.users.empty() || faults_.users.count(user) != 0) &&
         (faults_.resources.empty() || faults_.resources.count(resource) != 0);
}

bool FakeApiServer::maybe_inject_fault(const std::string& verb, const std::string& user,
                                       const std::string& resource, ApiResult& result) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(faults_mu_);
    result.status = 0;
    if (!faulted(user, resource)) return false;
    delay = faults_.delay;
    if (delay.count() > 0) ++fault_counts_.delayed;
    const auto share = [&](const std::map<std::string, double>& shares) {
      auto it = shares.find(verb);
      if (it == shares.end()) it = shares.find("*");
      if (it == shares.end() || it->second <= 0) return false;
      return std::uniform_real_distribution<double>(0, 1)(rng_) < it->second;
    };
    if (share(faults_.error_share)) {
      result = {500, make_status(500, "InternalError", "Internal error occurred: injected fault")};
      ++fault_counts_.server_errors;
    } else if (share(faults_.throttle_share)) {
      result = {429,
                make_status(429, "TooManyRequests", "the server has received too many requests",
                            {{"retryAfterSeconds", faults_.retry_after_seconds}}),
                faults_.retry_after_seconds};
      ++fault_counts_.throttled;
    } else if (share(faults_.conflict_share)) {
      result = {409,
                make_status(409, "Conflict",
                            "Operation cannot be fulfilled: the object has been modified; please apply your "
                            "changes to the latest version and try again")};
      ++fault_counts_.conflicts;
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return result.status != 0;
}

std::string FakeApiServer::kubeconfig(const std::string& token, const std::string& ca_pem,
                                      const std::string& cert_pem, const std::string& key_pem,
                                      bool insecure) const {
  const auto b64 = [](const std::string& in) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned val = 0;
    int bits = -6;
    for (const unsigned char c : in) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out.push_back(kAlphabet[(val >> bits) & 0x3F]);
        bits -= 6;
      }
    }
    if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
    while (out.size() % 4 != 0) out.push_back('=');
    return out;
  };
  std::string cluster = "    server: " + url() + "\n";
  if (!ca_pem.empty()) cluster += "    certificate-authority-data: " + b64(ca_pem) + "\n";
  if (insecure) cluster += "    insecure-skip-tls-verify: true\n";
  std::string user;
  if (!token.empty()) user += "    token: " + token + "\n";
  if (!cert_pem.empty()) user += "    client-certificate-data: " + b64(cert_pem) + "\n";
  if (!key_pem.empty()) user += "    client-key-data: " + b64(key_pem) + "\n";
  if (user.empty()) user = "    {}\n";
  return "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster:\n" +
         cluster + "users:\n- name: fake\n  user:\n" + user +
         "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\n";
}

}  // namespace pgrevise::testing
