#include "support/fake_http.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace pgrevise::testing {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr std::size_t kMaxRequest = 64 * 1024 * 1024;

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char* http_reason_phrase(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

SSL_CTX* make_server_tls_context(const std::string& cert_pem, const std::string& key_pem,
                                 const std::string& client_ca_pem) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  if (cert == nullptr || key == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    throw std::runtime_error("fake API server: bad TLS certificate or key");
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!client_ca_pem.empty()) {
    BIO* ca_bio = BIO_new_mem_buf(client_ca_pem.data(), static_cast<int>(client_ca_pem.size()));
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    while (X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, ca);
      X509_free(ca);
    }
    BIO_free(ca_bio);
    ERR_clear_error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

ServerConnection::ServerConnection(int fd, SSL_CTX* tls) : fd_(fd) {
  if (tls != nullptr) {
    ssl_ = SSL_new(tls);
    SSL_set_fd(ssl_, fd_);
  }
}

ServerConnection::~ServerConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

bool ServerConnection::handshake() {
  if (ssl_ == nullptr) return true;
  if (SSL_accept(ssl_) != 1) {
    ERR_clear_error();
    return false;
  }
  if (X509* peer = SSL_get_peer_certificate(ssl_)) {
    if (SSL_get_verify_result(ssl_) == X509_V_OK) {
      char cn[256] = {0};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
      client_cn_ = cn;
    }
    X509_free(peer);
  }
  return true;
}

long ServerConnection::read_some(char* buf, std::size_t n) {
  if (ssl_ != nullptr) {
    const int got = SSL_read(ssl_, buf, static_cast<int>(n));
    if (got <= 0) ERR_clear_error();
    return got;
  }
  return ::recv(fd_, buf, n, 0);
}

bool ServerConnection::fill() {
  char buf[16384];
  const long got = read_some(buf, sizeof buf);
  if (got <= 0) return false;
  buffer_.append(buf, static_cast<std::size_t>(got));
  return buffer_.size() < kMaxRequest;
}

bool ServerConnection::read_request(ServerRequest& request) {
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return false;
  }
  const std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  request = ServerRequest{};
  request.client_cert_subject = client_cn_;
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
  request.method = request_line.substr(0, sp1);
  request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (line_end != std::string::npos && line_end < head.size()) {
    const std::size_t next = head.find("\r\n", line_end + 2);
    const std::string line =
        head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      request.headers[lower(line.substr(0, colon))] = value;
    }
    line_end = next;
  }
  const auto q = request.target.find('?');
  request.path = percent_decode(request.target.substr(0, q));
  if (q != std::string::npos) {
    std::string_view query(request.target);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      request.query[percent_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (lower(request.headers["transfer-encoding"]) == "chunked") {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill()) return false;
      }
      const std::size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2) {
        if (!fill()) return false;
      }
      request.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (request.headers.count("content-length") != 0) {
    const std::size_t length = std::stoul(request.headers["content-length"]);
    if (length > kMaxRequest) return false;
    while (buffer_.size() < length) {
      if (!fill()) return false;
    }
    request.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
  }
  return true;
}

bool ServerConnection::write(std::string_view data) {
  while (!data.empty()) {
    long sent;
    if (ssl_ != nullptr) {
      sent = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (sent <= 0) ERR_clear_error();
    } else {
      sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    }
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

void ServerConnection::shutdown() {
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace pgrevise::testing
