#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/error.h"

// Controller-level validation of a PostgresMigration: what the CRD schema also says (so a resource from a
// file on a laptop is held to the same rules) plus what a schema cannot say well (Kubernetes name syntax,
// target syntax, rules across fields). Every problem names its field path, e.g.
//   spec.safety.lockTimeout: invalid duration "5x" (expected e.g. 5s, 1m30s)
namespace pgrevise::api {

struct FieldError {
  std::string path;  // "spec.database.urlSecretRef.name", "spec.job.tolerations[2]"
  std::string message;
  std::string to_string() const { return path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

// Thrown when a resource is not valid; kind() is kBadInput and what() lists every problem, one per line.
class ValidationError : public Error {
 public:
  explicit ValidationError(std::vector<FieldError> errors);
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// `text` as a double-quoted, JSON-escaped ASCII string, shortened to about `limit` characters, so that a
// message quoting user input stays one readable line and valid UTF-8 (it ends up in status and events).
std::string quote_for_message(std::string_view text, std::size_t limit = 64);
// `text` with every byte that is not part of valid UTF-8 or is a control character replaced by '?'.
std::string printable(std::string_view text);

// One line per problem, in order.
std::string describe(const std::vector<FieldError>& errors);

// Limits shared with the CRD schema.
inline constexpr std::size_t kMaxNameLength = 253;  // DNS-1123 subdomain
// Revision ids are as long as the version table's column allows (projects widen it to 128 or 255); a longer
// one can still be named by a unique prefix.
inline constexpr std::size_t kMaxTargetLength = 1024;
inline constexpr std::size_t kMaxIdentifierLength = 63;  // PostgreSQL NAMEDATALEN - 1
inline constexpr std::size_t kMaxImageLength = 1024;
inline constexpr std::size_t kMaxPathLength = 4096;
inline constexpr std::size_t kMaxArgLength = 32768;
inline constexpr std::size_t kMaxArgCount = 256;
inline constexpr int kMaxRetain = 1000;
inline constexpr int kMaxCompressLevel = 9;
inline constexpr int kMaxLockRetries = 100;
inline constexpr std::int64_t kMaxActiveDeadlineSeconds = 7 * 24 * 3600;
inline constexpr std::int32_t kMaxBackoffLimit = 10;
inline constexpr std::int32_t kMaxTtlSecondsAfterFinished = 365 * 24 * 3600;
inline constexpr std::chrono::milliseconds kMaxTimeout{24LL * 3600 * 1000};

// Kubernetes name syntax. The returned string is empty when valid, else why not (for a message).
std::string dns1123_subdomain_problem(std::string_view name);  // Secret, ConfigMap, PVC, ServiceAccount names
std::string secret_key_problem(std::string_view key);          // keys of Secret and ConfigMap data
std::string label_key_problem(std::string_view key);
std::string label_value_problem(std::string_view value);

// Well-formedness of an Alembic target without a revision graph: "heads", "head", "base", a revision id or
// prefix or branch label, LABEL@head|heads|base|REV, REV+N, REV-N. Forms relative to the database's current
// heads (+N, -N, LABEL@+N, LABEL@-N) are refused: a resource declares where the database should be, and a
// relative target would move it again on every run. Empty when valid, else why not.
std::string target_syntax_problem(std::string_view target);

inline constexpr std::string_view kSslModes[] = {"disable", "allow",     "prefer",
                                                 "require", "verify-ca", "verify-full"};

// Every problem of a parsed spec (field paths start with "spec."). Empty when valid.
std::vector<FieldError> validate_spec(const Spec& spec);
// validate_spec plus metadata (name and namespace present).
std::vector<FieldError> validate(const PostgresMigration& resource);

}  // namespace pgrevise::api
