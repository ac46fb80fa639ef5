#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace pgrevise {

// What went wrong, coarse enough to choose an exit code, a Reason or a retry policy.
enum class ErrorKind {
  kBadInput,         // files, graph, target, flags, spec: the user must change something
  kMigrationFailed,  // the database refused a statement
  kLockNotAcquired,  // another runner holds the migration lock
  kConnection,       // database unreachable or authentication failed
  kIo,               // filesystem or child process trouble
  kTransient,        // worth retrying as is (timeouts, conflicts, throttling)
  kInternal,
};

const char* to_string(ErrorKind kind);

// The one exception type pgrevise throws across module boundaries. The message is for humans and must never
// contain a secret: callers redact before constructing it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] void throw_bad_input(const std::string& message);

// A value or the Error explaining why there is none. Used where failure is an expected outcome that the
// caller branches on (parsing, validation), so that the happy path reads straight.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& {
    if (!ok()) throw std::get<Error>(state_);
    return std::get<T>(state_);
  }
  T&& value() && {
    if (!ok()) throw std::get<Error>(state_);
    return std::get<T>(std::move(state_));
  }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace pgrevise
