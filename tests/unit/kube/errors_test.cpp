#include "kube/errors.h"

#include <gtest/gtest.h>

#include "common/redact.h"

namespace pgrevise::kube {
namespace {

HttpResponse response(int code, const std::string& reason, const std::string& extra = "") {
  HttpResponse r;
  r.status = code;
  r.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":")" + reason +
           R"(","code":)" + std::to_string(code) + extra + "}";
  return r;
}

TEST(ApiErrorTest, MapsStatusToTypedReasons) {
  struct Case {
    int code;
    std::string reason;
    ApiReason expected;
    bool transient;
  };
  const std::vector<Case> cases = {
      {404, "NotFound", ApiReason::kNotFound, false},
      {409, "AlreadyExists", ApiReason::kAlreadyExists, false},
      {409, "Conflict", ApiReason::kConflict, true},
      {410, "Gone", ApiReason::kGone, true},
      {410, "Expired", ApiReason::kGone, true},
      {429, "TooManyRequests", ApiReason::kTooManyRequests, true},
      {403, "Forbidden", ApiReason::kForbidden, false},
      {401, "Unauthorized", ApiReason::kUnauthorized, false},
      {422, "Invalid", ApiReason::kInvalid, false},
      {400, "BadRequest", ApiReason::kBadRequest, false},
      {415, "UnsupportedMediaType", ApiReason::kUnsupportedMediaType, false},
      {500, "InternalError", ApiReason::kServerError, true},
      {503, "ServiceUnavailable", ApiReason::kServerError, true},
      {504, "Timeout", ApiReason::kTimeout, true},
      {500, "ServerTimeout", ApiReason::kTimeout, true},
  };
  for (const auto& c : cases) {
    const ApiError e = api_error_from_response(response(c.code, c.reason), "get x");
    EXPECT_EQ(e.reason(), c.expected) << c.code << " " << c.reason;
    EXPECT_EQ(e.transient(), c.transient) << c.code << " " << c.reason;
    EXPECT_EQ(e.code(), c.code);
  }
}

TEST(ApiErrorTest, InvalidCarriesFieldCauses) {
  const ApiError e = api_error_from_response(
      response(
          422, "Invalid",
          R"(,"details":{"causes":[{"reason":"FieldValueInvalid","message":"immutable","field":"spec.template"}]})"),
      "update job");
  ASSERT_EQ(e.causes().size(), 1u);
  EXPECT_EQ(e.causes()[0].field, "spec.template");
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
}

TEST(ApiErrorTest, RetryAfterFromHeaderOrDetails) {
  HttpResponse r = response(429, "TooManyRequests");
  r.headers["retry-after"] = "7";
  EXPECT_EQ(api_error_from_response(r, "x").retry_after(), std::chrono::seconds(7));
  const ApiError d =
      api_error_from_response(response(429, "TooManyRequests", R"(,"details":{"retryAfterSeconds":2})"), "x");
  EXPECT_EQ(d.retry_after(), std::chrono::seconds(2));
}

TEST(ApiErrorTest, NonStatusBodyAndWatchErrorEvent) {
  HttpResponse r{502, {}, "<html>bad gateway</html>"};
  EXPECT_EQ(api_error_from_response(r, "x").reason(), ApiReason::kServerError);
  const ApiError gone = api_error_from_status(
      R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})", "watch");
  EXPECT_EQ(gone.reason(), ApiReason::kGone);
}

TEST(ApiErrorTest, MessagesAreRedacted) {
  register_secret("hunter2-secret-value");
  HttpResponse r{
      400, {}, R"({"kind":"Status","code":400,"reason":"BadRequest","message":"bad hunter2-secret-value"})"};
  EXPECT_EQ(std::string(api_error_from_response(r, "x").what()).find("hunter2-secret-value"),
            std::string::npos);
}

}  // namespace
}  // namespace pgrevise::kube
