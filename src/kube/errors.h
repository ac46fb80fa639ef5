#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "kube/transport.h"

namespace pgrevise::kube {

// The API server's answer classified the way callers branch on it (the Status object's reason and code).
enum class ApiReason {
  kNotFound,              // 404
  kAlreadyExists,         // 409 reason AlreadyExists
  kConflict,              // 409 (stale resourceVersion)
  kGone,                  // 410, or a watch ERROR event with code 410 (reason Expired or Gone)
  kTooManyRequests,       // 429, with retry_after
  kForbidden,             // 403
  kUnauthorized,          // 401
  kInvalid,               // 422, with field causes
  kBadRequest,            // 400
  kMethodNotAllowed,      // 405
  kUnsupportedMediaType,  // 415 (e.g. strategic merge patch on a custom resource)
  kServerError,           // 5xx
  kTimeout,               // 504, or reason Timeout / ServerTimeout
  kUnavailable,           // no answer: connection refused or reset, client-side timeout
};
const char* to_string(ApiReason reason);

struct FieldCause {
  std::string field;   // e.g. "spec.template"
  std::string reason;  // e.g. "FieldValueInvalid"
  std::string message;
};

// Thrown by the REST client for every non-2xx answer and for transport failures. kind() is kTransient for the
// reasons worth retrying as is (Conflict, Gone, TooManyRequests, ServerError, Timeout, Unavailable),
// kBadInput for Invalid and BadRequest, kInternal otherwise.
class ApiError : public Error {
 public:
  ApiError(ApiReason reason, int code, std::string message, std::vector<FieldCause> causes = {},
           std::optional<std::chrono::seconds> retry_after = std::nullopt);

  ApiReason reason() const { return reason_; }
  int code() const { return code_; }  // HTTP status, 0 when there was no answer
  const std::vector<FieldCause>& causes() const { return causes_; }
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  bool transient() const { return kind() == ErrorKind::kTransient; }

 private:
  ApiReason reason_;
  int code_;
  std::vector<FieldCause> causes_;
  std::optional<std::chrono::seconds> retry_after_;
};

// A write the REST client refused to send because this process may no longer act
// (RestClientOptions::may_write said no): its leader lease is lost, or was not renewed in time.
class NotLeaderError : public Error {
 public:
  explicit NotLeaderError(const std::string& what)
      : Error(ErrorKind::kTransient, what + ": refused, this process no longer holds the leader lease") {}
};

bool is_transient(ApiReason reason);
// Builds the error from a non-2xx response; `what` names the request (verb and resource) for the message.
ApiError api_error_from_response(const HttpResponse& response, const std::string& what);
// Builds the error from a Status object (as found in a watch ERROR event).
ApiError api_error_from_status(const std::string& status_json, const std::string& what,
                               std::optional<std::chrono::seconds> retry_after = std::nullopt);
bool is_not_found(const std::exception& e);
bool is_conflict(const std::exception& e);
bool is_already_exists(const std::exception& e);

}  // namespace pgrevise::kube
