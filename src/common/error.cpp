#include "common/error.h"

namespace pgrevise {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadInput:
      return "bad input";
    case ErrorKind::kMigrationFailed:
      return "migration failed";
    case ErrorKind::kLockNotAcquired:
      return "lock not acquired";
    case ErrorKind::kConnection:
      return "connection failed";
    case ErrorKind::kIo:
      return "i/o error";
    case ErrorKind::kTransient:
      return "transient error";
    case ErrorKind::kInternal:
      return "internal error";
  }
  return "unknown error";
}

void throw_bad_input(const std::string& message) {
  throw Error(ErrorKind::kBadInput, message);
}

}  // namespace pgrevise
