#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::kube {

struct HttpRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string target;  // path and query, e.g. "/api/v1/namespaces/a/pods?limit=5"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The header's value, or "" when absent; the name is matched case-insensitively.
  std::string header(std::string_view name) const;
};

// Lets one thread stop a streaming call that another thread is blocked in. Cancelling is sticky.
class Cancellation {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Runs fn now if already cancelled, otherwise when cancel() is called. Returns an id for remove().
  int on_cancel(std::function<void()> fn);
  void remove(int id);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  int next_id_ = 0;
  std::map<int, std::function<void()>> callbacks_;
};

// What the REST client needs from HTTP. Implementations add the credentials (bearer token, client
// certificate) and throw ApiError (reason kUnavailable, transient) when the server cannot be reached or a
// timeout passes.
class HttpTransport {
 public:
  // Called with each piece of the body as it arrives; return false to stop reading.
  using ChunkHandler = std::function<bool(std::string_view chunk)>;

  virtual ~HttpTransport() = default;
  virtual HttpResponse send(const HttpRequest& request) = 0;
  // For watches: when the status is 2xx the body is delivered to on_chunk as it arrives and the call returns
  // when the server ends the stream, on_chunk returns false, or cancel is triggered; the returned body is
  // then empty. For any other status the whole body is returned and on_chunk is not called.
  virtual HttpResponse stream(const HttpRequest& request, const ChunkHandler& on_chunk,
                              Cancellation& cancel) = 0;
};

// Reassembles newline-delimited lines from arbitrary chunks (a watch line may be split across chunks, and one
// chunk may hold several lines).
class LineSplitter {
 public:
  // Appends chunk and returns the complete lines it finished, without their newline; empty lines are dropped.
  std::vector<std::string> feed(std::string_view chunk);
  const std::string& pending() const { return pending_; }

 private:
  std::string pending_;
};

}  // namespace pgrevise::kube
