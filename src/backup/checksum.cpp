#include "backup/checksum.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "common/error.h"
#include "common/hash.h"

namespace pgrevise::backup {

namespace fs = std::filesystem;

std::string backup_sha256(const fs::path& archive) {
  std::error_code ec;
  if (!fs::is_directory(archive, ec)) return sha256_file_hex(archive);
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(archive, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), archive));
  }
  if (ec) throw Error(ErrorKind::kIo, "cannot read " + archive.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  Sha256 h;
  for (const auto& rel : files) {
    const fs::path full = archive / rel;
    const std::string header =
        rel.string() + std::string(1, '\0') + std::to_string(fs::file_size(full)) + '\0';
    h.update(header);
    h.update_file(full);
  }
  return h.hex_digest();
}

}  // namespace pgrevise::backup
