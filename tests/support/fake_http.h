#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace pgrevise::testing {

struct ServerRequest {
  std::string method;
  std::string target;                          // as sent: path and query
  std::string path;                            // decoded path without the query
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string client_cert_subject;  // CN of a verified TLS client certificate, "" otherwise
};

// One accepted connection, plain or TLS, with blocking reads and writes. shutdown() may be called from
// another thread to make a blocked read or write fail at once (used to drop watches and to stop the server).
class ServerConnection {
 public:
  ServerConnection(int fd, SSL_CTX* tls);  // tls == nullptr: plain HTTP
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  bool handshake();  // TLS handshake (no-op for plain)
  // Reads one request; false when the peer closed the connection or sent garbage.
  bool read_request(ServerRequest& request);
  bool write(std::string_view data);
  void shutdown();

 private:
  long read_some(char* buf, std::size_t n);
  bool fill();

  int fd_;
  SSL* ssl_ = nullptr;
  std::string buffer_;
  std::string client_cn_;
};

// TLS server context from PEM strings; when client_ca_pem is not empty, client certificates signed by it are
// verified (but not required, so bearer tokens still work).
SSL_CTX* make_server_tls_context(const std::string& cert_pem, const std::string& key_pem,
                                 const std::string& client_ca_pem);

std::string percent_decode(std::string_view s);
const char* http_reason_phrase(int code);

}  // namespace pgrevise::testing
