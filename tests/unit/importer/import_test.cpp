#include "importer/import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/error.h"
#include "revision/loader.h"

namespace pgrevise::importer {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Kind = RevisionOutcome::Kind;

// Plays the driver: answers with the revisions it holds, honouring the skip request as the real one does, and
// keeps the request it was given.
class FakeDriver final : public AlembicDriver {
 public:
  DriverRun run(const fs::path&, const std::string& request) override {
    requests.push_back(nlohmann::json::parse(request));
    const auto& skip = requests.back().at("skip");
    std::string out;
    for (auto record : revisions) {
      const std::string id = record.at("revision");
      const bool skipped =
          skip.contains(id) && (skip.at(id) == "*" || skip.at(id) == record.at("source_sha256"));
      record["rendered"] = !skipped;
      if (skipped) {
        record.erase("upgrade");
        record.erase("downgrade");
      }
      out += record.dump() + "\n";
    }
    return DriverRun{0,
                     out + R"({"kind": "done", "alembic": "1.8.1", "sqlalchemy": "1.4.46"})"
                           "\n",
                     ""};
  }
  void add(const std::string& id, const std::string& down, const std::string& upgrade_sql,
           const std::string& source_sha = "s1", const std::string& upgrade_error = "") {
    nlohmann::json upgrade = {{"segments", {{{"autocommit", false}, {"statements", {upgrade_sql}}}}}};
    if (!upgrade_error.empty()) upgrade["error"] = upgrade_error;
    const nlohmann::json record = {
        {"kind", "revision"},
        {"revision", id},
        {"down_revisions", down.empty() ? nlohmann::json::array() : nlohmann::json::array({down})},
        {"branch_labels", nlohmann::json::array()},
        {"depends_on", nlohmann::json::array()},
        {"message", "revision " + id},
        {"path", "versions/" + id + "_x.py"},
        {"source_sha256", source_sha},
        {"upgrade", upgrade},
        {"downgrade", {{"segments", nlohmann::json::array()}}}};
    revisions.insert(revisions.begin(), record);  // Alembic walks from the heads down
  }
  std::vector<nlohmann::json> revisions;
  std::vector<nlohmann::json> requests;
};

class Import : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("pgrevise-import-" + std::to_string(std::random_device{}()));
    fs::create_directories(root_ / "project");
    std::ofstream(root_ / "project" / "alembic.ini") << "[alembic]\nscript_location = .\n";
    request_ = {root_ / "project" / "alembic.ini", root_ / "out"};
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path root_;
  ImportRequest request_;
  FakeDriver driver_;
};

TEST_F(Import, WritesOneLoadableFilePerRevisionBasesFirst) {
  driver_.add("a1", "", "CREATE TABLE a (id int);");
  driver_.add("b2", "a1", "CREATE TABLE b (id int);");
  const ImportReport report = import_alembic(request_, driver_);
  ASSERT_EQ(report.outcomes.size(), 2u);
  EXPECT_EQ(report.outcomes[0].revision, "a1");
  EXPECT_EQ(report.count(Kind::kConverted), 2u);
  EXPECT_FALSE(report.needs_work());
  EXPECT_EQ(report.alembic_version, "1.8.1");
  EXPECT_EQ(driver_.requests.at(0).at("skip"), nlohmann::json::object());
  const auto scripts = revision::load_directory(request_.output_dir);
  ASSERT_EQ(scripts.size(), 2u);
  EXPECT_EQ(scripts[0].file, "a1_x.sql");
  EXPECT_THAT(scripts[1].upgrade.sql, HasSubstr("CREATE TABLE b (id int);"));
}

TEST_F(Import, ReRunRendersOnlyWhatIsNewAndNeverWritesOverAnEditedFile) {
  driver_.add("a1", "", "CREATE TABLE a (id int);");
  driver_.add("b2", "a1", "CREATE TABLE b (id int);", "s1", "AttributeError: fetchall");
  EXPECT_TRUE(import_alembic(request_, driver_).needs_work());

  // A person writes b2's SQL; a new revision c3 arrives; a1's Python did not change.
  const fs::path b2 = request_.output_dir / "b2_x.sql";
  std::ofstream(b2) << "-- revision: b2\n-- down_revision: a1\n-- +upgrade\nCREATE TABLE b (id int);\n";
  driver_.add("c3", "b2", "CREATE TABLE c (id int);");
  const fs::path a1 = request_.output_dir / "a1_x.sql";
  const std::string a1_text = read(a1);
  const ImportReport report = import_alembic(request_, driver_);

  EXPECT_EQ(driver_.requests.at(1).at("skip"), (nlohmann::json{{"a1", "s1"}, {"b2", "*"}}));
  EXPECT_EQ(report.count(Kind::kUnchanged), 1u);
  EXPECT_EQ(report.count(Kind::kKeptEdited), 1u);
  EXPECT_EQ(report.count(Kind::kConverted), 1u);
  EXPECT_FALSE(report.needs_work());
  EXPECT_EQ(read(b2), "-- revision: b2\n-- down_revision: a1\n-- +upgrade\nCREATE TABLE b (id int);\n");
  EXPECT_EQ(read(a1), a1_text);
  EXPECT_TRUE(fs::exists(request_.output_dir / "c3_x.sql"));
}

TEST_F(Import, AnUneditedFileIsRenderedAgainWhenItNeedsSqlOrItsSourceChanged) {
  driver_.add("a1", "", "CREATE TABLE a (id int);", "s1", "ModuleNotFoundError: No module named 'app'");
  driver_.add("b2", "a1", "CREATE TABLE b (id int);", "s1");
  import_alembic(request_, driver_);
  driver_.revisions.clear();
  driver_.add("a1", "", "CREATE TABLE a (id int);", "s1");       // the application is installed now
  driver_.add("b2", "a1", "CREATE TABLE b (id bigint);", "s2");  // its Python changed
  const ImportReport report = import_alembic(request_, driver_);
  EXPECT_EQ(driver_.requests.at(1).at("skip"), (nlohmann::json{{"b2", "s1"}}));
  EXPECT_EQ(report.count(Kind::kConverted), 2u);
  EXPECT_TRUE(report.outcomes[0].rewritten);
  EXPECT_FALSE(report.needs_work());
  EXPECT_THAT(read(request_.output_dir / "b2_x.sql"), HasSubstr("CREATE TABLE b (id bigint);"));
}

TEST_F(Import, AnEditedFileWhoseSourceChangedIsKeptAndSaysSo) {
  driver_.add("a1", "", "CREATE TABLE a (id int);", "s1");
  import_alembic(request_, driver_);
  std::ofstream(request_.output_dir / "a1_x.sql", std::ios::app) << "-- checked by hand\n";
  driver_.revisions.clear();
  driver_.add("a1", "", "CREATE TABLE a (id bigint);", "s2");
  const ImportReport report = import_alembic(request_, driver_);
  ASSERT_EQ(report.outcomes.size(), 1u);
  EXPECT_EQ(report.outcomes[0].kind, Kind::kKeptEdited);
  EXPECT_TRUE(report.outcomes[0].source_changed);
  EXPECT_THAT(read(request_.output_dir / "a1_x.sql"), HasSubstr("(id int)"));
}

TEST_F(Import, ANewRevisionDoesNotTakeTheNameOfAnotherFile) {
  fs::create_directories(request_.output_dir);
  std::ofstream(request_.output_dir / "a1_x.sql") << "-- revision: other\n-- +upgrade\n";
  driver_.add("a1", "other", "SELECT 1;");
  const ImportReport report = import_alembic(request_, driver_);
  EXPECT_EQ(report.outcomes.back().file, request_.output_dir / "a1_x_a1.sql");
}

TEST_F(Import, BadSourceOrOutputIsRefusedBeforeAnythingIsWritten) {
  EXPECT_THROW(import_alembic({root_ / "missing.ini", root_ / "out"}, driver_), Error);
  try {
    import_alembic({root_ / "project", root_ / "out"}, driver_);  // a folder without env.py
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("without env.py"));
  }
  fs::create_directories(request_.output_dir);
  std::ofstream(request_.output_dir / "broken.sql")
      << "-- revision: a1\n-- down_revision: a-b\n-- +upgrade\n";
  driver_.add("a1", "", "SELECT 1;");
  try {
    import_alembic(request_, driver_);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr("broken.sql"));
  }
  EXPECT_TRUE(driver_.requests.empty());
}

}  // namespace
}  // namespace pgrevise::importer
