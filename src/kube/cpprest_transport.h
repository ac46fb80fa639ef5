#pragma once

#include <cstddef>
#include <memory>

#include "kube/config.h"
#include "kube/transport.h"

namespace pgrevise::kube {

// HttpTransport over cpprestsdk's http_client: TLS through the SSL context callback (CA bundle, client
// certificate and key, or no verification when insecure-skip-tls-verify is set) and the bearer token read
// from the config's TokenSource on every request, so rotated tokens are used as soon as they are written.
// Sizes cpprestsdk's shared I/O thread pool (40 threads unless told otherwise). Only before the first request
// of the process; false when the pool already runs. Requests, watches included, are asynchronous on the pool,
// so a few threads carry many connections, and each thread less is one stack and malloc arena less.
bool set_http_threads(std::size_t threads);

// cpprestsdk finishes a failed or aborted exchange on its own threads after the caller has seen the outcome
// (closing the response's buffers, observing the error), and offers no way to wait for that work. This waits
// until what is queued on its thread pool now, and what that work queues in turn, has run: called before the
// process exits, so that nothing of an exchange is left behind (LeakSanitizer reports such work as leaks).
void drain_http_threads();

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
