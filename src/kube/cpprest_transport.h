#pragma once

#include <memory>

#include "kube/config.h"
#include "kube/transport.h"

namespace pgrevise::kube {

// HttpTransport over cpprestsdk's http_client: TLS through the SSL context callback (CA bundle, client
// certificate and key, or no verification when insecure-skip-tls-verify is set) and the bearer token read
// from the config's TokenSource on every request, so rotated tokens are used as soon as they are written.
class CppRestTransport final : public HttpTransport {
 public:
  explicit CppRestTransport(ClusterConfig config);
  ~CppRestTransport() override;

  HttpResponse send(const HttpRequest& request) override;
  HttpResponse stream(const HttpRequest& request, const ChunkHandler& on_chunk,
                      Cancellation& cancel) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgrevise::kube
