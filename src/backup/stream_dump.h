#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/process.h"

namespace pgrevise::backup {

// Result of streaming one pg_dump through this process.
struct StreamedDump {
  ProcessResult dump;                  // pg_dump
  std::vector<ProcessResult> readers;  // one per reader, in the order given
  std::string sha256;                  // of every byte written to the file
  std::string write_error;             // non-empty when the file could not be written (full disk, ...)
};

// Runs `dump` (whose archive goes to its stdout) and copies its output into `file` (created 0600), hashing
// every byte on the way and feeding the same bytes to each reader on its stdin at the same time (a reader may
// stop early, as pg_restore --list does after the table of contents). So the archive is written, checksummed
// and read back in one pass, while pg_dump runs, instead of being read again afterwards. The file is fsynced
// before this returns. A write error does not stop the copy (pg_dump is drained so it can finish) but is
// reported in write_error.
StreamedDump stream_dump(ProcessSpec dump, std::vector<ProcessSpec> readers,
                         const std::filesystem::path& file, ProcessRunner& runner);

}  // namespace pgrevise::backup
