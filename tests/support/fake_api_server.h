#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_api_state.h"

namespace pgrevise::testing {

struct FakeApiServerOptions {
  // Bearer token -> user name. Empty: requests need no authentication. With tokens (or a client CA), a
  // request without a known token or a verified client certificate gets 401.
  std::map<std::string, std::string> tokens;
  // Serve HTTPS when set; client certificates signed by client_ca_pem authenticate as their CN.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string client_ca_pem;
  std::size_t history_limit = 100000;  // watch events retained; older resourceVersions get 410
  std::chrono::milliseconds bookmark_interval{1000};
  // Registers the core types (pods, configmaps, secrets, namespaces, services, events), batch/v1 jobs,
  // coordination.k8s.io/v1 leases, events.k8s.io/v1 events and pgrevise.dev/v1alpha1 postgresmigrations.
  bool register_builtin_resources = true;
  bool ipv6 = false;  // listen on [::1] instead of 127.0.0.1
};

// Faults, applied to requests after authentication. Shares are per verb (get, list, watch, create, update,
// patch, delete; "*" for any) and drawn from an RNG seeded with `seed`, so a run is reproducible.
struct FaultConfig {
  std::uint64_t seed = 1;
  std::map<std::string, double> conflict_share;  // answered 409 Conflict
  std::map<std::string, double> throttle_share;  // answered 429 with Retry-After
  std::map<std::string, double> error_share;     // answered 500
  int retry_after_seconds = 1;
  std::chrono::milliseconds delay{0};  // added before every answer
  int drop_watch_after_events = 0;     // 0: never; otherwise the connection is cut after that many events
  std::chrono::milliseconds drop_watch_after{0};  // 0: never
  bool split_watch_lines = false;                 // send each watch line in two pieces
  // Non-zero: every watch answers with one ERROR event carrying a Status of this code and message, then ends.
  int watch_error_code = 0;
  std::string watch_error_message;
  // Users (as RecordedRequest::user names them) whose requests get the faults; empty: everyone. Lets a test
  // fault the operator's requests while the fake kubelet, which stands for the rest of a cluster, is spared.
  std::set<std::string> users;
  // Resource ids (as RecordedRequest::resource names them, e.g. "coordination.k8s.io/leases") whose requests
  // get the faults; empty: every resource. Lets a test break one process's lease renewals alone.
  std::set<std::string> resources;
};

// Faults injected since the server started, by kind.
struct FaultCounts {
  std::size_t conflicts = 0;        // 409 answers
  std::size_t throttled = 0;        // 429 answers with Retry-After
  std::size_t server_errors = 0;    // 500 answers
  std::size_t delayed = 0;          // answers held back by FaultConfig::delay
  std::size_t dropped_watches = 0;  // watch connections cut (drop_watch_after*, drop_watches())
  std::size_t expired_watches = 0;  // watches answered with an ERROR event carrying 410
};

struct RecordedRequest {
  std::string verb;  // get, list, watch, create, update, patch, delete, discovery
  std::string method;
  std::string target;
  std::string resource;  // group/resource id, "" for discovery
  std::string ns;
  std::string name;
  std::string subresource;
  std::string user;  // from the token or client certificate; the X-Client-Id header when present
  std::string host;  // the Host header
  int code = 0;
  std::chrono::steady_clock::time_point at;  // when the answer was sent (a watch: when it opened)
  Json object;  // with record_written_objects(true): what a successful write answered (the object stored)
};

// A real HTTP/1.1 (or HTTPS) server on 127.0.0.1 (or [::1]) with a random port, speaking the Kubernetes API
// over FakeApiState. One thread per connection; watches are chunked streams with one JSON event per line.
class FakeApiServer {
 public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  void stop();
  int port() const { return port_; }
  std::string url() const;
  std::string loopback() const { return options_.ipv6 ? "[::1]" : "127.0.0.1"; }
  FakeApiState& state() { return state_; }
  void register_resource(const FakeResource& resource) { state_.register_resource(resource); }

  void set_faults(FaultConfig faults);
  void clear_faults() { set_faults(FaultConfig{}); }
  void drop_watches();    // cuts every open watch connection now
  void expire_history();  // forget the watch history: resuming from any earlier resourceVersion gets 410
  std::size_t open_watches() const { return open_watches_.load(); }
  FaultCounts fault_counts() const;
  // Keeps the answer of every successful create, update and patch in the request log
  // (RecordedRequest::object), e.g. to check every status written, in order.
  void record_written_objects(bool on) { record_objects_.store(on); }

  std::vector<RecordedRequest> requests() const;
  void clear_requests();
  // Requests with this verb (and resource id such as "batch/jobs", when given).
  std::size_t count(const std::string& verb, const std::string& resource = "") const;

  // Writes a kubeconfig pointing at this server; any of token / client cert+key / insecure may be used.
  std::string kubeconfig(const std::string& token, const std::string& ca_pem = "",
                         const std::string& cert_pem = "", const std::string& key_pem = "",
                         bool insecure = false) const;

 private:
  struct Route {
    FakeResource resource;
    std::string ns;
    std::string name;
    std::string subresource;
    std::string verb;
  };
  void accept_loop();
  void serve(std::shared_ptr<class ServerConnection> conn);
  bool handle(class ServerConnection& conn, const struct ServerRequest& request);
  bool watch(class ServerConnection& conn, const Route& route, const struct ServerRequest& request,
             const std::string& user);
  bool maybe_inject_fault(const std::string& verb, const std::string& user, const std::string& resource,
                          ApiResult& result);
  bool faulted(const std::string& user, const std::string& resource) const;  // faults_mu_ held
  void record(RecordedRequest r);

  FakeApiServerOptions options_;
  FakeApiState state_;
  int listen_fd_ = -1;
  int port_ = 0;
  void* tls_ = nullptr;  // SSL_CTX*
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex conns_mu_;
  std::vector<std::shared_ptr<class ServerConnection>> conns_;
  std::vector<std::thread> threads_;
  mutable std::mutex faults_mu_;
  FaultConfig faults_;
  std::mt19937_64 rng_{1};
  std::atomic<std::uint64_t> drop_generation_{0};
  std::atomic<std::size_t> open_watches_{0};
  FaultCounts fault_counts_;  // under faults_mu_
  std::atomic<bool> record_objects_{false};
  mutable std::mutex log_mu_;
  std::vector<RecordedRequest> log_;
};

}  // namespace pgrevise::testing
