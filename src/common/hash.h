#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgrevise {

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::filesystem::path& file);

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
