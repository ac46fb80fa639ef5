#include "backup/manifest.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/error.h"

namespace pgrevise::backup {
namespace {

Manifest sample() {
  Manifest m;
  m.name = "app-018-20261122T101500Z";
  m.file = "app-018-20261122T101500Z.dump";
  m.database = "app";
  m.host = "db:5432";
  m.server_version = "15.4";
  m.pg_dump_version = "15.18";
  m.version_table = "public.alembic_version";
  m.heads = {"018", "019"};
  m.size_bytes = 12345;
  m.sha256 = std::string(64, 'a');
  m.toc_entries = 9;
  m.table_count = 3;
  m.started_at = "2026-11-22T10:15:00.000Z";
  m.finished_at = "2026-11-22T10:15:02.000Z";
  m.duration_ms = 2000;
  return m;
}

TEST(Manifest, RoundTripsThroughJson) {
  const Manifest m = sample();
  EXPECT_EQ(manifest_from_json(to_json(m), "x"), m);
}

// Every JSON pgrevise writes names its fields in camelCase; manifests of earlier versions used snake_case and
// are read as they are.
TEST(Manifest, WritesCamelCaseAndReadsTheOldSnakeCase) {
  const std::string written = to_json(sample());
  EXPECT_NE(written.find("\"sizeBytes\": 12345"), std::string::npos) << written;
  EXPECT_NE(written.find("\"durationMs\": 2000"), std::string::npos) << written;
  for (const char* snake : {"\"manifest_version\"", "\"size_bytes\"", "\"started_at\"", "\"duration_ms\""})
    EXPECT_EQ(written.find(snake), std::string::npos) << written;
  const std::string old = R"({
  "manifest_version": 1, "name": "app-018-20261122T101500Z", "file": "app-018-20261122T101500Z.dump",
  "format": "custom", "compress": 1, "database": "app", "host": "db:5432", "server_version": "15.4",
  "pg_dump_version": "15.18", "version_table": "public.alembic_version", "heads": ["018", "019"],
  "size_bytes": 12345, "sha256": ")" +
                          std::string(64, 'a') + R"(", "toc_entries": 9, "table_count": 3,
  "started_at": "2026-11-22T10:15:00.000Z", "finished_at": "2026-11-22T10:15:02.000Z", "duration_ms": 2000})";
  EXPECT_EQ(manifest_from_json(old, "old.manifest.json"), sample());
}

TEST(Manifest, MissingFieldIsNamed) {
  std::string json = to_json(sample());
  json.replace(json.find("\"sha256\""), 8, "\"sha2xx\"");
  try {
    manifest_from_json(json, "b.manifest.json");
    FAIL() << "accepted a manifest without sha256";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("b.manifest.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'sha256'"), std::string::npos);
  }
}

TEST(Manifest, FileOutsideTheDirectoryIsRefused) {
  Manifest m = sample();
  m.file = "../etc/passwd";
  EXPECT_THROW(manifest_from_json(to_json(m), "x"), Error);
}

TEST(Manifest, GarbageIsBadInput) {
  EXPECT_THROW(manifest_from_json("{not json", "x"), Error);
  EXPECT_THROW(manifest_from_json("[1,2]", "x"), Error);
}

TEST(Manifest, WrittenAtomicallyAndReadBack) {
  const auto dir = std::filesystem::temp_directory_path() / ("manifest_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_manifest_atomically(dir / "a.manifest.json", sample());
  EXPECT_EQ(read_manifest(dir / "a.manifest.json"), sample());
  EXPECT_FALSE(std::filesystem::exists(dir / ".a.manifest.json.tmp"));
  std::filesystem::remove_all(dir);
}

TEST(Naming, FilesPerFormat) {
  EXPECT_EQ(archive_file_name("n", Format::kCustom), "n.dump");
  EXPECT_EQ(archive_file_name("n", Format::kDirectory), "n.dir");
  EXPECT_EQ(archive_file_name("n", Format::kPlain), "n.sql");
  EXPECT_EQ(partial_file_name("n", Format::kCustom), ".n.dump.partial");
  EXPECT_EQ(manifest_file_name("n"), "n.manifest.json");
}

TEST(Naming, DefaultNameHasDatabaseHeadsAndUtcTime) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::seconds(1795342500));  // 2026-11-22T10:15:00Z
  EXPECT_EQ(default_name("app", {"018", "019"}, t), "app-018+019-20261122T101500Z");
  EXPECT_EQ(default_name("app", {}, t), "app-base-20261122T101500Z");
  EXPECT_EQ(default_name("my db/x", {"a"}, t), "my_db_x-a-20261122T101500Z");
  // Long revision ids: the time stamp stays, and different heads give different names.
  const std::vector<std::string> long_heads = {std::string(120, 'a'), "089 größe/" + std::string(100, 'b')};
  const std::string name = default_name("app", long_heads, t);
  EXPECT_EQ(name.size(), kMaxDefaultNameLength);
  EXPECT_TRUE(name.starts_with("app-" + std::string(120, 'a') + "+089_"));
  EXPECT_TRUE(name.ends_with("-20261122T101500Z"));
  EXPECT_NO_THROW(validate_name(name));
  EXPECT_NE(name, default_name("app", {std::string(120, 'a'), "089 größe/" + std::string(100, 'c')}, t));
}

TEST(Naming, BadNamesAreRefused) {
  EXPECT_THROW(validate_name(""), Error);
  EXPECT_THROW(validate_name(".hidden"), Error);
  EXPECT_THROW(validate_name("a/b"), Error);
  EXPECT_THROW(validate_name("a b"), Error);
  EXPECT_NO_THROW(validate_name("app-018+019_x.1"));
}

TEST(Format, ParsesNamesAndRefusesOthers) {
  EXPECT_EQ(parse_format("custom"), Format::kCustom);
  EXPECT_EQ(parse_format("directory"), Format::kDirectory);
  EXPECT_EQ(parse_format("plain"), Format::kPlain);
  EXPECT_THROW(parse_format("tar"), Error);
}

}  // namespace
}  // namespace pgrevise::backup
