#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace pgrevise::revision {

// Why a migration set, a graph or a target was refused. Carried by RevisionError (an Error of kind kBadInput)
// so callers can branch on the cause while main.cpp still maps it to the bad-input exit code.
enum class RevisionErrorCode {
  kParse,              // a file breaks the format (header key, sections, revision id, ...)
  kDuplicateRevision,  // two files declare the same revision id
  kMissingParent,      // a down_revision names no known revision
  kUnknownDependency,  // a depends_on entry resolves to nothing (or is ambiguous)
  kDuplicateLabel,     // a branch label used by two revisions, or equal to a revision id
  kCycleDetected,      // down_revision / depends_on edges form a cycle
  kUnreachable,        // revisions no base leads to (above a missing parent or a cycle)
  kMultipleHeads,      // `head` (or label@head) names several heads
  kResolutionError,    // unknown or ambiguous target, empty target, bad relative step
  kRangeNotAncestor,   // downgrade target not below the current state
  kUnknownCurrent,     // the version table names a revision no file declares
  kIdTooLong,          // a revision id the run would write does not fit the version table's column
};

const char* to_string(RevisionErrorCode code);

// One problem found while loading or building; `file` and `line` are empty / 0 when not applicable.
struct Problem {
  std::string file;
  int line = 0;
  RevisionErrorCode code = RevisionErrorCode::kParse;
  std::string message;
  // "file:line: message", "file: message" or "message".
  std::string to_string() const;
};

// The error type of this module. what() is every problem, one per line. `details` carries the revision ids
// involved: the cycle path for kCycleDetected, the candidates for kResolutionError / kMultipleHeads, the
// (revision, missing id) pair for kMissingParent.
class RevisionError : public pgrevise::Error {
 public:
  RevisionError(RevisionErrorCode code, std::string message, std::vector<std::string> details = {});
  // Code of the first problem; the message lists all of them, one per line.
  explicit RevisionError(std::vector<Problem> problems, std::vector<std::string> details = {});

  RevisionErrorCode code() const { return code_; }
  const std::vector<Problem>& problems() const { return problems_; }
  const std::vector<std::string>& details() const { return details_; }

 private:
  RevisionErrorCode code_;
  std::vector<Problem> problems_;
  std::vector<std::string> details_;
};

}  // namespace pgrevise::revision
