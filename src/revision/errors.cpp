#include "revision/errors.h"

#include "common/enum_names.h"
#include "common/strings.h"

namespace pgrevise::revision {

namespace {

constexpr auto kCodeNames = enum_names<RevisionErrorCode>({
    {RevisionErrorCode::kParse, "parse"},
    {RevisionErrorCode::kDuplicateRevision, "duplicate-revision"},
    {RevisionErrorCode::kMissingParent, "missing-parent"},
    {RevisionErrorCode::kUnknownDependency, "unknown-dependency"},
    {RevisionErrorCode::kDuplicateLabel, "duplicate-label"},
    {RevisionErrorCode::kCycleDetected, "cycle"},
    {RevisionErrorCode::kUnreachable, "unreachable"},
    {RevisionErrorCode::kMultipleHeads, "multiple-heads"},
    {RevisionErrorCode::kResolutionError, "resolution"},
    {RevisionErrorCode::kRangeNotAncestor, "range-not-ancestor"},
    {RevisionErrorCode::kUnknownCurrent, "unknown-current-revision"},
    {RevisionErrorCode::kIdTooLong, "id-too-long"},
});

}  // namespace

const char* to_string(RevisionErrorCode code) {
  return kCodeNames.name(code, "unknown");
}

std::string Problem::to_string() const {
  if (file.empty()) return message;
  if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
  return file + ": " + message;
}

RevisionError::RevisionError(RevisionErrorCode code, std::string message, std::vector<std::string> details)
    : Error(ErrorKind::kBadInput, message), code_(code), details_(std::move(details)) {
  problems_.push_back(Problem{"", 0, code, std::move(message)});
}

RevisionError::RevisionError(std::vector<Problem> problems, std::vector<std::string> details)
    : Error(ErrorKind::kBadInput, lines_of(problems)),
      code_(problems.empty() ? RevisionErrorCode::kParse : problems.front().code),
      problems_(std::move(problems)),
      details_(std::move(details)) {}

}  // namespace pgrevise::revision
