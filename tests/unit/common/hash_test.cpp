#include "common/hash.h"

#include <fstream>

#include <gtest/gtest.h>

namespace pgrevise {
namespace {

TEST(Hash, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, FileMatchesString) {
  auto path = std::filesystem::temp_directory_path() / ("pgrevise_hash_" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  EXPECT_EQ(sha256_file_hex(path), sha256_hex("abc"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace pgrevise
