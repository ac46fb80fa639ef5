#pragma once

#include <filesystem>
#include <string>

namespace pgrevise::backup {

// SHA-256 of a backup: of the file's bytes, or for a directory-format backup of every regular file in it,
// in byte order of their relative paths, each as "<relative path>\0<size>\0<bytes>", so that renaming,
// adding, removing or changing any file changes the checksum. Read errors → Error(kIo) naming the file.
std::string backup_sha256(const std::filesystem::path& archive);

}  // namespace pgrevise::backup
