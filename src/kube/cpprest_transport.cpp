#include "kube/cpprest_transport.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/uri_builder.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pplx/threadpool.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "kube/errors.h"

namespace pgrevise::kube {
namespace {

namespace http = web::http;

// The server as cpprestsdk is given it. cpprestsdk hands the URI's host to the resolver as it is, so an IPv6
// literal ("https://[fd00::1]:443") would reach it with its brackets, which no resolver accepts. The client
// is then built on the bare address, each request carries the bracketed Host header, and the certificate is
// checked against the address (see configure_tls).
struct Endpoint {
  std::string base;         // what the client connects to
  std::string host_header;  // "[fd00::1]:443"; empty: cpprestsdk's own
  std::string ipv6;         // the bare address, when the server is an IPv6 literal
};

Endpoint endpoint_of(const std::string& server) {
  Endpoint out{server, "", ""};
  if (!web::uri::validate(server)) return out;  // the client's constructor says what is wrong
  const web::uri uri(server);
  const std::string& host = uri.host();
  if (host.size() < 3 || host.front() != '[' || host.back() != ']') return out;
  out.ipv6 = host.substr(1, host.size() - 2);
  // The port is always written: cpprestsdk reads "https://fd00::1/" as host "fd00:" and port 1.
  const int port = uri.port() > 0 ? uri.port() : (uri.scheme() == "https" ? 443 : 80);
  out.base = web::uri_builder(uri).set_host(out.ipv6).set_port(port).to_string();
  out.host_header = host + (uri.port() > 0 ? ":" + std::to_string(uri.port()) : "");
  return out;
}

// With a Host header, cpprestsdk checks the certificate against that header ("[fd00::1]:443"), which no
// certificate names. OpenSSL's own chain verification checks the address instead (the IP set on the
// context's parameters), and cpprestsdk's name check is left out of it.
int verify_chain_and_address(X509_STORE_CTX* store, void* /*arg*/) {
  X509_STORE_CTX_set_verify_cb(store, [](int ok, X509_STORE_CTX*) { return ok; });
  return X509_verify_cert(store);
}

void configure_tls(http::client::http_client_config& cfg, const ClusterConfig& config,
                   const Endpoint& endpoint) {
  if (config.insecure_skip_tls_verify) cfg.set_validate_certificates(false);
  const std::string ca = config.ca_pem;
  const std::string cert = config.client_cert_pem;
  const std::string key = config.client_key_pem;
  // An address is no server name (RFC 6066), and cpprestsdk would send the Host header's form.
  const std::string ipv6 = config.insecure_skip_tls_verify ? "" : endpoint.ipv6;
  if (!endpoint.ipv6.empty()) cfg.set_tlsext_sni_enabled(false);
  if (ca.empty() && cert.empty() && ipv6.empty()) return;
  cfg.set_ssl_context_callback([ca, cert, key, ipv6](boost::asio::ssl::context& ctx) {
    if (!ca.empty()) {
      // The cluster's CA is the only one trusted, as kubectl trusts only the kubeconfig's. cpprest loads the
      // system's whole bundle into every connection's context first (a few hundred KiB each, kept as long as
      // the connection); a fresh store drops it.
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
      ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
    }
    if (!cert.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()));
      ctx.use_private_key(boost::asio::buffer(key.data(), key.size()), boost::asio::ssl::context::pem);
    }
    if (!ipv6.empty()) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx.native_handle()), ipv6.c_str());
      SSL_CTX_set_cert_verify_callback(ctx.native_handle(), verify_chain_and_address, nullptr);
    }
  });
}

HttpResponse convert_head(const http::http_response& response) {
  HttpResponse out;
  out.status = response.status_code();
  for (const auto& [name, value] : response.headers()) out.headers[to_lower(name)] = value;
  return out;
}

[[noreturn]] void throw_unavailable(const HttpRequest& request, const std::string& why) {
  throw ApiError(ApiReason::kUnavailable, 0,
                 request.method + " " + request.target.substr(0, 200) + ": " + why);
}

// No part of a streamed exchange outlives the call that started it. When the caller stops reading before the
// body has ended (a cancelled watch, a handler that has seen enough), the request is aborted; either way the
// completion that cpprestsdk then runs on its own threads (closing the body's buffer, then setting the
// response's completion event) is waited for. Left behind, that work can still be queued when the process
// exits, holding the response's buffers and tasks.
class ExchangeEnd {
 public:
  explicit ExchangeEnd(std::shared_ptr<pplx::cancellation_token_source> cts) : cts_(std::move(cts)) {}
  ExchangeEnd(const ExchangeEnd&) = delete;
  ExchangeEnd& operator=(const ExchangeEnd&) = delete;
  ~ExchangeEnd() {
    if (!response_) return;
    if (!body_ended_) cts_->cancel();
    try {
      response_->content_ready().wait();
    } catch (const std::exception&) {
      // The aborted body's error: expected, and already reported to the caller if it mattered.
    }
    // cpprestsdk observes an aborted body's error with a continuation of its own, queued on its thread pool
    // as the response completes, which no caller can wait for. A task queued after it on the pool's FIFO
    // queue runs only once that one has been taken off the queue.
    if (!body_ended_) pplx::create_task([] {}).wait();
  }
  void started(const http::http_response& response) { response_ = response; }
  void body_ended() { body_ended_ = true; }

 private:
  std::shared_ptr<pplx::cancellation_token_source> cts_;
  std::optional<http::http_response> response_;
  bool body_ended_ = false;
};

}  // namespace

bool set_http_threads(std::size_t threads) {
  try {
    crossplat::threadpool::initialize_with_threads(threads);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void drain_http_threads() {
  // Each round waits for a task queued behind everything queued before it; the rounds catch the follow-up
  // work (a continuation queuing another) that the previous round's work queued.
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    try {
      pplx::create_task([] {}).wait();
    } catch (const std::exception&) {
      return;  // the pool is already gone
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct CppRestTransport::Impl {
  ClusterConfig config;
  Endpoint endpoint;
  std::mutex mu;
  std::map<long, std::shared_ptr<http::client::http_client>> clients;  // by timeout in ms

  // cpprest takes the timeout per client, so there is one client per distinct timeout (in practice two:
  // requests and watches). For a streamed body, cpprest restarts the timer whenever data arrives.
  std::shared_ptr<http::client::http_client> client_for(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mu);
    auto& client = clients[timeout.count()];
    if (!client) {
      http::client::http_client_config cfg;
      cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
      configure_tls(cfg, config, endpoint);
      client = std::make_shared<http::client::http_client>(endpoint.base, cfg);
    }
    return client;
  }

  http::http_request build(const HttpRequest& request) {
    http::http_request msg(request.method);
    msg.set_request_uri(request.target);
    for (const auto& [name, value] : request.headers) msg.headers().add(name, value);
    if (!endpoint.host_header.empty()) msg.headers().add("Host", endpoint.host_header);
    if (config.token) msg.headers().add("Authorization", "Bearer " + config.token->token());
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      std::string content_type = "application/json";
      for (const auto& [name, value] : request.headers) {
        if (to_lower(name) == "content-type") content_type = value;
      }
      // A byte vector, not the std::string overload: that one hands cpprestsdk a char buffer which it reads
      // through an unsigned-char stream type, which UndefinedBehaviorSanitizer reports as a wrong dynamic
      // type.
      std::vector<unsigned char> bytes(request.body.begin(), request.body.end());
      const std::size_t length = bytes.size();
      msg.set_body(concurrency::streams::bytestream::open_istream(std::move(bytes)), length, content_type);
    }
    return msg;
  }
};

CppRestTransport::CppRestTransport(ClusterConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->endpoint = endpoint_of(impl_->config.server);
}

CppRestTransport::~CppRestTransport() = default;

HttpResponse CppRestTransport::send(const HttpRequest& request) {
  try {
    auto client = impl_->client_for(request.timeout);
    http::http_response response = client->request(impl_->build(request)).get();
    HttpResponse out = convert_head(response);
    out.body = response.extract_utf8string(true).get();
    return out;
  } catch (const ApiError&) {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw_unavailable(request, e.what());
  }
}

HttpResponse CppRestTransport::stream(const HttpRequest& request, const ChunkHandler& on_chunk,
                                      Cancellation& cancel) {
  // Shared with the callback: Cancellation::cancel() may still be running it on another thread after this
  // function has unregistered it and returned.
  auto cts = std::make_shared<pplx::cancellation_token_source>();
  const int registration = cancel.on_cancel([cts] { cts->cancel(); });
  struct Unregister {
    Cancellation& c;
    int id;
    ~Unregister() { c.remove(id); }
  } unregister{cancel, registration};
  ExchangeEnd exchange(cts);
  try {
    auto client = impl_->client_for(request.timeout);
    http::http_response response = client->request(impl_->build(request), cts->get_token()).get();
    exchange.started(response);
    HttpResponse out = convert_head(response);
    if (out.status < 200 || out.status >= 300) {
      out.body = response.extract_utf8string(true).get();
      exchange.body_ended();
      return out;
    }
    auto body = response.body().streambuf();
    std::vector<char> buffer(16384);
    while (!cancel.cancelled()) {
      // Ask for what is already there, or for one byte to wait until something arrives.
      const std::size_t want = std::clamp<std::size_t>(body.in_avail(), 1, buffer.size());
      const std::size_t n = body.getn(reinterpret_cast<uint8_t*>(buffer.data()), want).get();
      if (n == 0) {
        exchange.body_ended();
        break;
      }
      if (!on_chunk(std::string_view(buffer.data(), n))) break;
    }
    return out;
  } catch (const std::exception& e) {
    if (cancel.cancelled()) return HttpResponse{200, {}, {}};
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw_unavailable(request, e.what());
  }
}

}  // namespace pgrevise::kube
