#include "kube/errors.h"

#include <nlohmann/json.hpp>

#include "common/enum_names.h"
#include "common/redact.h"

namespace pgrevise::kube {
namespace {

constexpr auto kApiReasonNames = enum_names<ApiReason>({
    {ApiReason::kNotFound, "NotFound"},
    {ApiReason::kAlreadyExists, "AlreadyExists"},
    {ApiReason::kConflict, "Conflict"},
    {ApiReason::kGone, "Gone"},
    {ApiReason::kTooManyRequests, "TooManyRequests"},
    {ApiReason::kForbidden, "Forbidden"},
    {ApiReason::kUnauthorized, "Unauthorized"},
    {ApiReason::kInvalid, "Invalid"},
    {ApiReason::kBadRequest, "BadRequest"},
    {ApiReason::kMethodNotAllowed, "MethodNotAllowed"},
    {ApiReason::kUnsupportedMediaType, "UnsupportedMediaType"},
    {ApiReason::kServerError, "ServerError"},
    {ApiReason::kTimeout, "Timeout"},
    {ApiReason::kUnavailable, "Unavailable"},
});

ErrorKind kind_of(ApiReason reason) {
  if (is_transient(reason)) return ErrorKind::kTransient;
  if (reason == ApiReason::kInvalid || reason == ApiReason::kBadRequest) return ErrorKind::kBadInput;
  return ErrorKind::kInternal;
}

ApiReason classify(int code, const std::string& reason) {
  if (reason == "AlreadyExists") return ApiReason::kAlreadyExists;
  if (reason == "Expired" || reason == "Gone") return ApiReason::kGone;
  if (reason == "Timeout" || reason == "ServerTimeout") return ApiReason::kTimeout;
  switch (code) {
    case 400:
      return ApiReason::kBadRequest;
    case 401:
      return ApiReason::kUnauthorized;
    case 403:
      return ApiReason::kForbidden;
    case 404:
      return ApiReason::kNotFound;
    case 405:
      return ApiReason::kMethodNotAllowed;
    case 409:
      return ApiReason::kConflict;
    case 410:
      return ApiReason::kGone;
    case 415:
      return ApiReason::kUnsupportedMediaType;
    case 422:
      return ApiReason::kInvalid;
    case 429:
      return ApiReason::kTooManyRequests;
    case 504:
      return ApiReason::kTimeout;
    default:
      break;
  }
  if (code >= 500) return ApiReason::kServerError;
  return ApiReason::kBadRequest;
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  try {
    return std::chrono::seconds(std::stol(value));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

ApiError from_status_object(const nlohmann::json& status, int http_code, const std::string& what,
                            std::optional<std::chrono::seconds> retry_after) {
  const int code = status.value("code", http_code);
  const std::string reason = status.value("reason", std::string());
  std::string message = status.value("message", std::string());
  std::vector<FieldCause> causes;
  if (status.contains("details") && status["details"].is_object()) {
    const auto& details = status["details"];
    for (const auto& c : details.value("causes", nlohmann::json::array())) {
      causes.push_back({c.value("field", ""), c.value("reason", ""), c.value("message", "")});
    }
    if (!retry_after && details.contains("retryAfterSeconds")) {
      retry_after = std::chrono::seconds(details["retryAfterSeconds"].get<long>());
    }
  }
  if (message.empty()) message = "HTTP " + std::to_string(code);
  const ApiReason classified = classify(code, reason);
  return ApiError(classified, code, redact(what + ": " + to_string(classified) + ": " + message),
                  std::move(causes), retry_after);
}

}  // namespace

const char* to_string(ApiReason reason) {
  return kApiReasonNames.name(reason, "Unknown");
}

bool is_transient(ApiReason reason) {
  switch (reason) {
    case ApiReason::kConflict:
    case ApiReason::kGone:
    case ApiReason::kTooManyRequests:
    case ApiReason::kServerError:
    case ApiReason::kTimeout:
    case ApiReason::kUnavailable:
      return true;
    default:
      return false;
  }
}

ApiError::ApiError(ApiReason reason, int code, std::string message, std::vector<FieldCause> causes,
                   std::optional<std::chrono::seconds> retry_after)
    : Error(kind_of(reason), std::move(message)),
      reason_(reason),
      code_(code),
      causes_(std::move(causes)),
      retry_after_(retry_after) {}

ApiError api_error_from_response(const HttpResponse& response, const std::string& what) {
  const auto retry_after = parse_retry_after(response.header("retry-after"));
  const auto status = nlohmann::json::parse(response.body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    return from_status_object(status, response.status, what, retry_after);
  }
  const ApiReason reason = classify(response.status, "");
  std::string body = response.body.substr(0, 200);
  return ApiError(reason, response.status,
                  redact(what + ": " + to_string(reason) + ": HTTP " + std::to_string(response.status) +
                         (body.empty() ? "" : ": " + body)),
                  {}, retry_after);
}

ApiError api_error_from_status(const std::string& status_json, const std::string& what,
                               std::optional<std::chrono::seconds> retry_after) {
  const auto status = nlohmann::json::parse(status_json, nullptr, false);
  if (!status.is_object()) return ApiError(ApiReason::kServerError, 500, what + ": malformed Status");
  return from_status_object(status, 500, what, retry_after);
}

namespace {
bool has_reason(const std::exception& e, ApiReason reason) {
  const auto* api = dynamic_cast<const ApiError*>(&e);
  return api != nullptr && api->reason() == reason;
}
}  // namespace

bool is_not_found(const std::exception& e) {
  return has_reason(e, ApiReason::kNotFound);
}
bool is_conflict(const std::exception& e) {
  return has_reason(e, ApiReason::kConflict);
}
bool is_already_exists(const std::exception& e) {
  return has_reason(e, ApiReason::kAlreadyExists);
}

}  // namespace pgrevise::kube
