// `pgrevise apply -f FILE` end to end: the example manifests applied to a real database through the same
// reconciler and Job builders as the operator, with the Jobs run as local processes of the built binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kCanary[] = "canary-Pw-5c1e9a77d3";

// A login role whose password is the canary, owning the test database; dropped after the database.
class CanaryRole {
 public:
  explicit CanaryRole(std::string name) : name_(std::move(name)) {
    pqxx::connection admin(admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(name_));
    tx.exec0("CREATE ROLE " + tx.quote_name(name_) + " LOGIN PASSWORD " + tx.quote(kCanary));
  }
  ~CanaryRole() {
    try {
      pqxx::connection admin(admin_url());
      pqxx::nontransaction tx(admin);
      tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(name_));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop role " << name_ << ": " << e.what();
    }
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The condition `type` of a status as `apply --output json` prints it; null when absent.
nlohmann::json condition(const nlohmann::json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", nlohmann::json::array()))
    if (c.value("type", "") == type) return c;
  ADD_FAILURE() << "no condition " << type << " in " << status.dump();
  return nlohmann::json::object({{"status", ""}, {"reason", ""}, {"message", ""}});
}

std::vector<fs::path> files_under(const fs::path& dir, const std::string& suffix = "") {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(entry.path());
    }
  }
  return out;
}

class ApplyTest : public ::testing::Test {
 protected:
  ApplyTest() : role_("apply_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)) {
    db_ = std::make_unique<TestDatabase>();
    db_->exec("ALTER DATABASE " + db_->name() + " OWNER TO " + role_.name());
    const std::string admin = db_->url();
    const auto scheme_end = admin.find("://") + 3;
    url_ = admin.substr(0, scheme_end) + role_.name() + ":" + kCanary + admin.substr(admin.find('@'));
    example_ = read_text(fs::path(source_dir()) / "examples" / "postgresmigration.yaml");
  }
  ~ApplyTest() override { db_.reset(); }  // the database goes before its owner

  // Writes `manifest` and runs `pgrevise apply` on it; stdout and stderr must never hold the password.
  ProcessResult apply(const std::string& manifest, std::vector<std::string> extra = {},
                      bool with_url = true) {
    const auto file = dir_.write("manifest-" + std::to_string(runs_++) + ".yaml", manifest);
    std::vector<std::string> args = {"apply", "-f", file.string(), "--data-dir", data_dir().string()};
    if (with_url) {
      args.push_back("--database-url");
      args.push_back(url_);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = run_pgrevise(args);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos) << r.err;
    return r;
  }

  // The database gets a table of data of its own, as an application's usually has. (A database with nothing
  // in it at all cannot be backed up yet: `pgrevise backup` refuses an archive whose table of contents lists
  // no entry; see the disabled test below.)
  void seed() const {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    tx.exec0("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
    tx.exec0("INSERT INTO notes VALUES (1, 'kept')");
  }

  fs::path data_dir() const { return dir_.path() / "data"; }
  std::vector<fs::path> backups() const { return files_under(data_dir() / "claims", ".manifest.json"); }
  std::string heads() const { return db_->query("SELECT version_num FROM alembic_version ORDER BY 1"); }

  void expect_no_secret_in_data_dir() const {
    for (const auto& f : files_under(data_dir()))
      EXPECT_EQ(read_text(f).find(kCanary), std::string::npos) << f;
  }

  static inline int counter_ = 0;
  CanaryRole role_;
  std::unique_ptr<TestDatabase> db_;
  std::string url_;
  std::string example_;
  TempDir dir_;
  int runs_ = 0;
};

std::string expected_heads() {
  ProcessResult r = run_pgrevise({"migrate", "heads", "--dir", source_dir() + "/migrations"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST_F(ApplyTest, BacksUpAndUpgradesToHeadsThenFindsNothingToDo) {
  seed();
  ProcessResult first = apply(example_);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("app: BackingUp"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("app: Migrating"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("backup Job app-"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("migrate Job app-"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("upgrade"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("phase: Succeeded"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\napp: Ready\n"), std::string::npos) << first.out;

  ASSERT_EQ(backups().size(), 1u);
  const std::string manifest = read_text(backups()[0]);
  EXPECT_NE(manifest.find("sha256"), std::string::npos) << manifest;
  const std::string at_heads = heads();
  ASSERT_FALSE(at_heads.empty());
  std::stringstream rows(at_heads);
  const std::string listed = expected_heads();
  for (std::string head; std::getline(rows, head);)
    EXPECT_NE(listed.find(head), std::string::npos) << head << " is not a head: " << listed;

  ProcessResult second = apply(example_, {"--metrics-bind-address", "127.0.0.1:0"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.err.find("serving metrics on http://127.0.0.1:"), std::string::npos) << second.err;
  EXPECT_NE(second.out.find("UpToDate"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find(" Job app-"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("BackingUp"), std::string::npos) << second.out;
  EXPECT_EQ(backups().size(), 1u);
  EXPECT_EQ(heads(), at_heads);
  expect_no_secret_in_data_dir();
}

// A brand-new database (nothing in it yet) is backed up with backups on, then upgraded.
TEST_F(ApplyTest, BacksUpAFreshEmptyDatabaseAndUpgradesIt) {
  ProcessResult r = apply(example_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(backups().size(), 1u);
  EXPECT_FALSE(heads().empty());
}

TEST_F(ApplyTest, RefusesADowngradeUnlessAllowed) {
  seed();
  ASSERT_EQ(apply(example_).exit_code, 0);
  const std::string older = replace(example_, "targetRevision: heads", "targetRevision: \"0003\"");
  ProcessResult refused = apply(older);
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("DowngradeNotAllowed"), std::string::npos) << refused.out;
  EXPECT_NE(heads(), "0003");

  ProcessResult allowed = apply(replace(older, "allowDowngrade: false", "allowDowngrade: true"));
  ASSERT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("downgrade"), std::string::npos) << allowed.out;
  EXPECT_EQ(heads(), "0003");
  EXPECT_EQ(backups().size(), 2u);  // one before the upgrade, one before the downgrade
  expect_no_secret_in_data_dir();
}

const char kBrokenManifest[] = R"(apiVersion: v1
kind: Secret
metadata: {name: broken-db}
stringData: {url: "postgresql://nobody@localhost/none"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: broken-migrations}
data:
  0001_ok.sql: |
    -- revision: 0001
    -- message: fine

    -- +upgrade
    CREATE TABLE fine (id int);

    -- +downgrade
    DROP TABLE fine;
  0002_broken.sql: |
    -- revision: 0002
    -- down_revision: 0001
    -- message: broken

    -- +upgrade
    CREATE TABLE broken (id int;

    -- +downgrade
    DROP TABLE broken;
---
apiVersion: pgrevise.dev/v1alpha1
kind: PostgresMigration
metadata: {name: broken}
spec:
  database: {urlSecretRef: {name: broken-db, key: url}}
  targetRevision: heads
  migrations: {configMapRef: {name: broken-migrations}}
  backup: {enabled: false}
)";

TEST_F(ApplyTest, AFailingMigrationNamesTheRevisionAndSqlstate) {
  ProcessResult r = apply(kBrokenManifest);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("MigrationFailed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0002"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("42601"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("phase: Failed"), std::string::npos) << r.out;
  expect_no_secret_in_data_dir();
}

// A local folder instead of the ConfigMap; the summary comes before the YAML, which --quiet leaves out; a
// failure says how to retry here, not the operator's annotation.
TEST_F(ApplyTest, TakesALocalMigrationsFolderSummarisesFirstAndRetriesByRunningAgain) {
  dir_.write("local/0001_ok.sql",
             "-- revision: l1\n-- message: fine\n\n-- +upgrade\nCREATE TABLE fine (id int);\n\n"
             "-- +downgrade\nDROP TABLE fine;\n");
  dir_.write("local/sub/0002_broken.sql",
             "-- revision: l2\n-- down_revision: l1\n-- message: broken\n\n-- +upgrade\n"
             "CREATE TABLE broken (id int;\n\n-- +downgrade\nDROP TABLE broken;\n");
  const std::string local = (dir_.path() / "local").string();
  ProcessResult failed = apply(kBrokenManifest, {"--migrations", local});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.out.find("revision l2"), std::string::npos) << failed.out;  // not the ConfigMap's 0002
  EXPECT_NE(failed.out.find("fix the cause and run `pgrevise apply` again"), std::string::npos) << failed.out;
  EXPECT_EQ(failed.out.find("set the annotation"), std::string::npos) << failed.out;
  const auto summary = failed.out.find("\nbroken: not Ready (exit 1)\n");
  ASSERT_NE(summary, std::string::npos) << failed.out;
  EXPECT_LT(summary, failed.out.find("phase: Failed")) << failed.out;

  dir_.write("local/sub/0002_broken.sql",
             "-- revision: l2\n-- down_revision: l1\n-- message: fixed\n\n-- +upgrade\n"
             "CREATE TABLE broken (id int);\n\n-- +downgrade\nDROP TABLE broken;\n");
  ProcessResult again = apply(kBrokenManifest, {"--migrations", local, "--quiet"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(heads(), "l2");
  EXPECT_NE(again.out.find("\nbroken: Ready\n"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("phase:"), std::string::npos) << again.out;  // no status YAML
  ProcessResult json = apply(kBrokenManifest, {"--migrations", local, "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  const auto document = nlohmann::json::parse(json.out);  // stdout is one JSON document; progress on stderr
  EXPECT_EQ(document["exitCode"], 0);
  EXPECT_EQ(document["resources"][0]["name"], "broken");
  EXPECT_EQ(document["resources"][0]["ready"], true);
  EXPECT_EQ(document["resources"][0]["status"]["phase"], "Succeeded");
  EXPECT_EQ(apply(kBrokenManifest, {"--migrations", local + "/nope"}).exit_code, 2);
}

// spec.safety.lint: block against the real database: an index built without CONCURRENTLY on a table that
// holds rows stops the run before anything starts, and the same plan runs once the resource approves its
// hash.
constexpr char kGateManifest[] = R"(apiVersion: v1
kind: Secret
metadata: {name: gate-db}
stringData: {url: "postgresql://nobody@localhost/none"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: gate-migrations}
data:
  0001_index.sql: |
    -- revision: g1
    -- message: index the notes

    -- +upgrade
    CREATE INDEX notes_body ON notes (body);

    -- +downgrade
    DROP INDEX notes_body;
---
apiVersion: pgrevise.dev/v1alpha1
kind: PostgresMigration
metadata: {name: gate}
spec:
  database: {urlSecretRef: {name: gate-db, key: url}}
  targetRevision: heads
  migrations: {configMapRef: {name: gate-migrations}}
  backup: {enabled: false}
  safety: {lint: block}
)";

TEST_F(ApplyTest, TheLintGateBlocksAnUnsafePlanUntilItIsApproved) {
  seed();
  db_->exec("ANALYZE notes");
  ProcessResult blocked = apply(kGateManifest, {"--output", "json"});
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out << blocked.err;
  const auto status = nlohmann::json::parse(blocked.out)["resources"][0]["status"];
  EXPECT_EQ(status["phase"], "Blocked") << status.dump(2);
  const std::string hash = status["lint"]["planHash"];
  const auto finding = status["lint"]["findings"][0];
  EXPECT_EQ(finding["rule"], "require-concurrent-index-creation") << status.dump(2);
  EXPECT_EQ(finding["severity"], "error");
  EXPECT_NE(finding["message"].get<std::string>().find("SHARE on public.notes (1 row, "), std::string::npos)
      << finding.dump();
  EXPECT_NE(blocked.out.find("LintBlocked"), std::string::npos);
  EXPECT_EQ(condition(status, "Blocked")["status"], "True") << status.dump(2);
  EXPECT_EQ(condition(status, "Blocked")["reason"], "LintBlocked");
  EXPECT_EQ(condition(status, "Stalled")["status"], "True");
  EXPECT_EQ(db_->query("SELECT to_regclass('public.alembic_version') IS NULL"), "t");  // nothing ran

  const std::string approved =
      replace(kGateManifest, "metadata: {name: gate}",
              "metadata: {name: gate, annotations: {pgrevise.dev/approve: \"" + hash + "\"}}");
  ProcessResult ran = apply(approved, {"--output", "json"});
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_EQ(heads(), "g1");
  const auto after = nlohmann::json::parse(ran.out)["resources"][0]["status"];
  EXPECT_EQ(condition(after, "Blocked")["status"], "False") << after.dump(2);
  EXPECT_EQ(condition(after, "Blocked")["reason"], "LintApproved");
  EXPECT_NE(condition(after, "Blocked")["message"].get<std::string>().find(hash), std::string::npos);
}

// The gate lints with the rules of the database's own server: DETACH PARTITION without CONCURRENTLY is a
// finding from PostgreSQL 14 on (not under the offline default, 13).
TEST_F(ApplyTest, TheLintGateFollowsTheServersVersion) {
  {
    pqxx::connection c(url_);  // as the role the migrations run as, which then owns the tables
    pqxx::nontransaction tx(c);
    tx.exec0("CREATE TABLE events (at date) PARTITION BY RANGE (at)");
    tx.exec0("CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')");
  }
  const std::string manifest = replace(replace(kGateManifest, "CREATE INDEX notes_body ON notes (body);",
                                               "ALTER TABLE events DETACH PARTITION events_2020;"),
                                       "safety: {lint: block}", "safety: {lint: warn}");
  ProcessResult r = apply(manifest, {"--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto status = nlohmann::json::parse(r.out)["resources"][0]["status"];
  std::vector<std::string> rules;
  for (const auto& f : status["lint"]["findings"]) rules.push_back(f["rule"]);
  EXPECT_NE(std::find(rules.begin(), rules.end(), "require-concurrent-partition-detach"), rules.end())
      << status.dump(2);
  EXPECT_EQ(heads(), "g1");
}

TEST_F(ApplyTest, AMissingSecretIsReportedWithoutRunningAJob) {
  std::string manifest = example_;
  const auto secret_end = manifest.find("---\n");
  ASSERT_NE(secret_end, std::string::npos);
  manifest.erase(0, secret_end + 4);  // the Secret is the first document
  ProcessResult r = apply(manifest, {}, /*with_url=*/false);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("SecretNotFound"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("app-db"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" Job app-"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(data_dir() / "pods"));
}

// Polls `done` until it holds; false after `limit` (a generous bound for a loaded machine, not a timing
// check).
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(240)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

size_t occurrences(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

TEST_F(ApplyTest, WatchAppliesTheFileAgainWhenItChangesAndStopsOnSigterm) {
  seed();
  const auto file =
      dir_.write("watched.yaml", replace(example_, "targetRevision: heads", "targetRevision: \"0002\""));
  const auto out_file = dir_.path() / "watch.out";
  ProcessSpec spec = pgrevise_spec(
      {"apply", "-f", file.string(), "--data-dir", data_dir().string(), "--database-url", url_, "--watch"});
  spec.stdout_file = out_file.string();
  ChildProcess child(spec);
  ASSERT_TRUE(eventually([&] { return read_text(out_file).find("watching ") != std::string::npos; }))
      << read_text(out_file);
  EXPECT_EQ(heads(), "0002");

  dir_.write("watched.yaml", replace(example_, "targetRevision: heads", "targetRevision: \"0004\""));
  EXPECT_TRUE(eventually([&] { return occurrences(read_text(out_file), "watching ") >= 2; }))
      << read_text(out_file);
  EXPECT_EQ(heads(), "0004");
  EXPECT_NE(read_text(out_file).find("changed: applying it again"), std::string::npos);

  child.kill(SIGTERM);
  ProcessResult r = child.wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(out_file).find(kCanary), std::string::npos);
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
}

TEST_F(ApplyTest, HelpExplainsTheFlags) {
  ProcessResult r = run_pgrevise({"apply", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--database-url", "--data-dir", "--metrics-bind-address", "--watch",
                           "--runner-binary", "--log-level", "Exit codes"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace pgrevise::testing
