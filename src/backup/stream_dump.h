#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/process.h"

namespace pgrevise::backup {

// Result of streaming one pg_dump through this process.
struct StreamedDump {
  ProcessResult dump;                   // pg_dump
  std::optional<ProcessResult> reader;  // pg_restore reading the stream to its end (when asked for)
  std::string sha256;                   // of every byte written to the file
  std::string write_error;              // non-empty when the file could not be written (full disk, ...)
};

// Runs `dump` (whose archive goes to its stdout) and copies its output into `file` (created 0600), hashing
// every byte on the way and, when `reader` is given, feeding the same bytes to it on its stdin at the same
// time. So the archive is written, checksummed and read back in full in one pass, while pg_dump runs, instead
// of being read again afterwards. The file is fsynced before this returns. A write error does not stop the
// copy (pg_dump is drained so it can finish) but is reported in write_error.
StreamedDump stream_dump(ProcessSpec dump, std::optional<ProcessSpec> reader,
                         const std::filesystem::path& file, ProcessRunner& runner);

}  // namespace pgrevise::backup
