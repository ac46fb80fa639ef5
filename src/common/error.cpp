#include "common/error.h"

#include "common/enum_names.h"

namespace pgrevise {

namespace {

constexpr auto kErrorKindNames = enum_names<ErrorKind>({
    {ErrorKind::kBadInput, "bad input"},
    {ErrorKind::kMigrationFailed, "migration failed"},
    {ErrorKind::kLockNotAcquired, "lock not acquired"},
    {ErrorKind::kConnection, "connection failed"},
    {ErrorKind::kIo, "i/o error"},
    {ErrorKind::kTransient, "transient error"},
    {ErrorKind::kInternal, "internal error"},
});

}  // namespace

const char* to_string(ErrorKind kind) {
  return kErrorKindNames.name(kind, "unknown error");
}

void throw_bad_input(const std::string& message) {
  throw Error(ErrorKind::kBadInput, message);
}

}  // namespace pgrevise
