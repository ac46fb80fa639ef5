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

// A name built from a resource's name stays within Kubernetes' 253 characters, stays an object name, and
// stays distinct for two long names that differ only past the cut.
TEST(NameWithSuffix, KeepsShortNamesAndCutsLongOnesWithAHashOfTheWholeName) {
  EXPECT_EQ(name_with_suffix("app", "-dry-run"), "app-dry-run");
  const std::string longest(253, 'a');
  const std::string built = name_with_suffix(longest, "-dry-run");
  EXPECT_EQ(built.size(), 253u);
  EXPECT_EQ(built, std::string(253 - 8 - 11, 'a') + "-" + sha256_hex(longest).substr(0, 10) + "-dry-run");
  EXPECT_EQ(name_with_suffix(longest, "-dry-run"), built);
  EXPECT_NE(name_with_suffix(longest.substr(0, 252) + "b", "-dry-run"), built);
  const std::string exact(245, 'a');
  EXPECT_EQ(name_with_suffix(exact, "-dry-run"), exact + "-dry-run");
  // The cut never leaves a dash or a dot before the hash.
  std::string dotted(253, 'a');
  dotted[253 - 8 - 11 - 1] = '.';
  dotted[253 - 8 - 11 - 2] = '-';
  const std::string cut = name_with_suffix(dotted, "-dry-run");
  EXPECT_LE(cut.size(), 253u);
  EXPECT_EQ(cut.find(".-"), std::string::npos);
  EXPECT_EQ(cut.find("--"), std::string::npos);
  EXPECT_EQ(name_with_suffix("abc", "-x", 8), "abc-x");
  EXPECT_EQ(name_with_suffix("abcdefghijk", "-x", 12),  // no room for a prefix: the hash alone
            sha256_hex("abcdefghijk").substr(0, 10) + "-x");
}

}  // namespace
}  // namespace pgrevise
