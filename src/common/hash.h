#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgrevise {

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::filesystem::path& file);

// Kubernetes' limits on the names the operator builds from a resource's name.
inline constexpr std::size_t kMaxObjectNameLength = 253;  // DNS-1123 subdomain: ConfigMaps, Events, ...
inline constexpr std::size_t kNameHashLength = 10;

// `<name><suffix>` (a suffix such as "-dry-run") when that fits in `max_length`; else `name` cut short, a
// dash, the first kNameHashLength hex of the SHA-256 of the whole `name`, then `suffix`: two long names that
// share a long prefix still get different results, and a name always gets the same one. The cut never
// leaves a character other than a letter or digit before the dash, so an object name stays one.
std::string name_with_suffix(std::string_view name, std::string_view suffix,
                             std::size_t max_length = kMaxObjectNameLength);

// Incremental hashing, for several files or streamed data.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  void update_file(const std::filesystem::path& file);
  std::string hex_digest();

 private:
  void* ctx_;
};

}  // namespace pgrevise
