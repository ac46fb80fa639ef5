#include "revision/errors.h"

namespace pgrevise::revision {

const char* to_string(RevisionErrorCode code) {
  switch (code) {
    case RevisionErrorCode::kParse:
      return "parse";
    case RevisionErrorCode::kDuplicateRevision:
      return "duplicate-revision";
    case RevisionErrorCode::kMissingParent:
      return "missing-parent";
    case RevisionErrorCode::kUnknownDependency:
      return "unknown-dependency";
    case RevisionErrorCode::kDuplicateLabel:
      return "duplicate-label";
    case RevisionErrorCode::kCycleDetected:
      return "cycle";
    case RevisionErrorCode::kUnreachable:
      return "unreachable";
    case RevisionErrorCode::kMultipleHeads:
      return "multiple-heads";
    case RevisionErrorCode::kResolutionError:
      return "resolution";
    case RevisionErrorCode::kRangeNotAncestor:
      return "range-not-ancestor";
    case RevisionErrorCode::kUnknownCurrent:
      return "unknown-current-revision";
    case RevisionErrorCode::kIdTooLong:
      return "id-too-long";
  }
  return "unknown";
}

std::string Problem::to_string() const {
  if (file.empty()) return message;
  if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
  return file + ": " + message;
}

namespace {
std::string join_problems(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}
}  // namespace

RevisionError::RevisionError(RevisionErrorCode code, std::string message, std::vector<std::string> details)
    : Error(ErrorKind::kBadInput, message), code_(code), details_(std::move(details)) {
  problems_.push_back(Problem{"", 0, code, std::move(message)});
}

RevisionError::RevisionError(std::vector<Problem> problems, std::vector<std::string> details)
    : Error(ErrorKind::kBadInput, join_problems(problems)),
      code_(problems.empty() ? RevisionErrorCode::kParse : problems.front().code),
      problems_(std::move(problems)),
      details_(std::move(details)) {}

}  // namespace pgrevise::revision
