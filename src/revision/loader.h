#pragma once

#include <filesystem>
#include <vector>

#include "revision/errors.h"
#include "revision/script.h"

namespace pgrevise::revision {

// Every migration file under a directory, and every problem found in them.
struct LoadedScripts {
  std::vector<Script> scripts;    // parsed files, ordered by path relative to the directory
  std::vector<Problem> problems;  // one per problem, in the same order; empty when all is well
};

// Reads every `*.sql` file under `dir` (recursively, following no particular file-system order: files are
// sorted by their relative path, so the result is deterministic). Script::file is the path relative to `dir`.
// Does not stop at the first bad file: all parse problems and duplicate revision ids (naming both files) are
// collected. Throws pgrevise::Error(kBadInput) only when `dir` is missing or not a directory, kIo when a file
// cannot be read.
LoadedScripts scan_directory(const std::filesystem::path& dir);

// scan_directory, throwing RevisionError listing every problem (one per line) when there is any.
std::vector<Script> load_directory(const std::filesystem::path& dir);

}  // namespace pgrevise::revision
