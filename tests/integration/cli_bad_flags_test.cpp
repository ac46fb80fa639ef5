// Bad flags of `pgrevise operator`, `pgrevise apply` and `pgrevise new`: each case exits 2 (bad input) with a
// message naming the flag or file, and changes nothing: no file appears in (or leaves) the working directory,
// no migration file is written, and the database is as it was. The operator's kubeconfig points at a port
// nothing listens on, so a flag that slipped through would end in exit 4 (API server unreachable) instead.
// `migrate`, `backup` and `restore` flags are in bad_input_corpus_test.cpp.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

namespace fs = std::filesystem;

struct BadFlag {
  std::string name;
  std::vector<std::string> args;      // after `pgrevise`, run in the work directory; {url} is the database
  std::vector<std::string> culprits;  // each must appear in stderr
  std::map<std::string, std::string> env = {};
};

void PrintTo(const BadFlag& c, std::ostream* os) {
  *os << c.name;
}

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& extra) {
  base.insert(base.end(), extra.begin(), extra.end());
  return base;
}

std::vector<std::string> op(const std::vector<std::string>& extra) {
  return with({"operator", "--kubeconfig", "kubeconfig.yaml"}, extra);
}
std::vector<std::string> apply(const std::vector<std::string>& extra) {
  return with({"apply", "-f", "app.yaml", "--database-url", "{url}"}, extra);
}
std::vector<std::string> scaffold(const std::vector<std::string>& extra) {
  return with({"new", "--dir", "migrations"}, extra);
}

std::vector<BadFlag> operator_cases() {
  const std::string lease = "--leader-elect-lease-duration", renew = "--leader-elect-renew-deadline";
  const std::string retry = "--leader-elect-retry-period";
  return {
      {"operator --qps negative", op({"--qps", "-1"}), {"--qps", "-1"}},
      {"operator --qps not a number", op({"--qps", "fast"}), {"--qps", "fast"}},
      {"operator --burst zero", op({"--burst", "0"}), {"--burst"}},
      {"operator --burst too high", op({"--burst", "100000"}), {"--burst"}},
      {"operator --shutdown-timeout with a unit", op({"--shutdown-timeout", "30s"}), {"--shutdown-timeout"}},
      {"operator --shutdown-timeout zero", op({"--shutdown-timeout", "0"}), {"--shutdown-timeout"}},
      {"operator --resync-period zero", op({"--resync-period", "0"}), {"--resync-period"}},
      {"operator --resync-period not a duration",
       op({"--resync-period", "soon"}),
       {"--resync-period", "soon"}},
      {"operator --database-idle-timeout too long",
       op({"--database-idle-timeout", "1h"}),
       {"--database-idle-timeout", "1h"}},
      {"operator --database-idle-timeout negative",
       op({"--database-idle-timeout", "-1s"}),
       {"--database-idle-timeout"}},
      {"operator lease duration not above the renew deadline", op({lease, "5s"}), {lease, renew}},
      {"operator renew deadline equal to the lease duration",
       op({lease, "15s", renew, "15s"}),
       {lease, renew}},
      {"operator retry period not below the renew deadline", op({retry, "20s"}), {retry, renew}},
      {"operator renew deadline below 100ms", op({renew, "1ms"}), {renew, "1ms"}},
      {"operator lease duration not a duration", op({lease, "long"}), {lease, "long"}},
      {"operator --max-concurrent-reconciles zero",
       op({"--max-concurrent-reconciles", "0"}),
       {"--max-concurrent-reconciles"}},
      {"operator --max-concurrent-reconciles too high",
       op({"--max-concurrent-reconciles", "65"}),
       {"--max-concurrent-reconciles"}},
      {"operator --metrics-bind-address port out of range",
       op({"--metrics-bind-address", ":99999"}),
       {"--metrics-bind-address", ":99999"}},
      {"operator --metrics-bind-address without port",
       op({"--metrics-bind-address", "localhost"}),
       {"--metrics-bind-address", "no port"}},
      {"operator --health-probe-bind-address bad host",
       op({"--health-probe-bind-address", "a/b:1"}),
       {"--health-probe-bind-address"}},
      {"operator --log-level unknown", op({"--log-level", "loud"}), {"--log-level", "loud"}},
      {"operator --log-format unknown", op({"--log-format", "xml"}), {"--log-format", "xml"}},
      {"operator --kubeconfig missing",
       {"operator", "--kubeconfig", "nowhere.yaml"},
       {"--kubeconfig", "nowhere.yaml"}},
      {"operator --kubeconfig malformed",
       {"operator", "--kubeconfig", "broken-kubeconfig.yaml"},
       {"--kubeconfig", "broken-kubeconfig.yaml"}},
      {"operator --kubeconfig a directory",
       {"operator", "--kubeconfig", "migrations"},
       {"--kubeconfig", "migrations"}},
      {"operator --kubeconfig empty", {"operator", "--kubeconfig="}, {"--kubeconfig"}},
      {"operator --namespace not a name", op({"--namespace", "Team_A"}), {"--namespace", "Team_A"}},
      {"operator --leader-elect-lease-namespace not a name",
       op({"--leader-elect-lease-namespace", "a.b"}),
       {"--leader-elect-lease-namespace", "a.b"}},
      {"operator --leader-elect-lease-name not a name",
       op({"--leader-elect-lease-name", "Lease_1"}),
       {"--leader-elect-lease-name", "Lease_1"}},
      {"operator --runner-image empty", op({"--runner-image="}), {"--runner-image"}},
      {"operator --job-resources not JSON",
       op({"--job-resources", "memory=1Gi"}),
       {"--job-resources", "memory=1Gi", "not a JSON object"}},
      {"operator --job-resources unknown key",
       op({"--job-resources", R"({"limit":{"memory":"1Gi"}})"}),
       {"--job-resources", "unknown key \"limit\""}},
      {"operator --job-start-timeout too short",
       op({"--job-start-timeout", "1s"}),
       {"--job-start-timeout", "1s"}},
      {"operator --job-image-pull-secret not a name",
       op({"--job-image-pull-secret", "Reg_Cred"}),
       {"--job-image-pull-secret", "Reg_Cred"}},
      {"operator --qps twice", op({"--qps", "5", "--qps", "6"}), {"--qps"}},
      {"operator --burst without a value", op({"--burst"}), {"--burst"}},
      {"operator unknown flag", op({"--fast"}), {"--fast"}},
      {"operator switch with a value", op({"--leader-elect=yes"}), {"--leader-elect"}},
  };
}

std::vector<BadFlag> apply_cases() {
  return {
      {"apply without -f", {"apply", "--database-url", "{url}"}, {"-f FILE"}},
      {"apply -f without a value", {"apply", "-f"}, {"--filename"}},
      {"apply -f a missing file",
       {"apply", "-f", "missing.yaml", "--database-url", "{url}"},
       {"missing.yaml"}},
      {"apply -f malformed YAML",
       {"apply", "-f", "bad.yaml", "--database-url", "{url}"},
       {"bad.yaml", "YAML"}},
      {"apply -f without a PostgresMigration",
       {"apply", "-f", "secret-only.yaml", "--database-url", "{url}"},
       {"secret-only.yaml", "no PostgresMigration"}},
      {"apply -f a directory",
       {"apply", "-f", "migrations", "--database-url", "{url}"},
       {"-f", "migrations"}},
      {"apply --log-level unknown", apply({"--log-level", "chatty"}), {"--log-level", "chatty"}},
      {"apply --metrics-bind-address without port",
       apply({"--metrics-bind-address", "1.2.3.4"}),
       {"--metrics-bind-address", "1.2.3.4"}},
      {"apply --metrics-bind-address port not a number",
       apply({"--metrics-bind-address", ":http"}),
       {"--metrics-bind-address"}},
      {"apply --database-url not a URL",
       {"apply", "-f", "app.yaml", "--database-url", "not a url"},
       {"--database-url"}},
      {"apply --database-url bad port",
       {"apply", "-f", "app.yaml", "--database-url", "postgresql://h:port/db"},
       {"--database-url", "port"}},
      {"apply --database-url empty", {"apply", "-f", "app.yaml", "--database-url="}, {"--database-url"}},
      {"apply --namespace not a name", apply({"--namespace", "Not_A_Namespace"}), {"--namespace"}},
      {"apply --data-dir a file", apply({"--data-dir", "afile"}), {"--data-dir", "afile"}},
      {"apply --data-dir below a file", apply({"--data-dir", "afile/sub"}), {"--data-dir", "afile"}},
      {"apply --runner-binary missing",
       apply({"--runner-binary", "/nonexistent/pgrevise"}),
       {"--runner-binary", "/nonexistent/pgrevise"}},
      {"apply --runner-binary not executable", apply({"--runner-binary", "app.yaml"}), {"--runner-binary"}},
      {"apply unknown flag", apply({"--force"}), {"--force"}},
      {"apply --watch with a value", apply({"--watch=1"}), {"--watch"}},
  };
}

std::vector<BadFlag> new_cases() {
  return {
      {"new without -m", scaffold({}), {"-m MESSAGE"}},
      {"new -m without a value", scaffold({"-m"}), {"--message"}},
      {"new -m empty", scaffold({"-m", ""}), {"-m MESSAGE"}},
      {"new -m blank", scaffold({"-m", "   "}), {"-m MESSAGE"}},
      {"new -m two lines", scaffold({"-m", "add\nusers"}), {"-m MESSAGE", "single line"}},
      {"new -m latin-1", scaffold({"-m", "caf\xE9"}), {"-m MESSAGE", "0xE9"}},
      {"new -m an escape character", scaffold({"-m", "red\x1b[31m"}), {"-m MESSAGE", "0x1B"}},
      {"new --dir missing", {"new", "-m", "x", "--dir", "nowhere"}, {"--dir", "nowhere"}},
      {"new --dir a file", {"new", "-m", "x", "--dir", "afile"}, {"--dir", "afile"}},
      {"new --dir with a broken file", {"new", "-m", "x", "--dir", "broken"}, {"bad.sql"}},
      {"new PGREVISE_MIGRATIONS_DIR missing",
       {"new", "-m", "x"},
       {"PGREVISE_MIGRATIONS_DIR", "nowhere"},
       {{"PGREVISE_MIGRATIONS_DIR", "nowhere"}}},
      {"new --head unknown", scaffold({"-m", "x", "--head", "zzzz"}), {"--head", "zzzz"}},
      {"new --rev-id taken", scaffold({"-m", "x", "--rev-id", "a"}), {"--rev-id", "already used"}},
      {"new --rev-id not an id", scaffold({"-m", "x", "--rev-id", "a-b"}), {"--rev-id", "a-b"}},
      {"new --head and --merge", scaffold({"-m", "x", "--head", "b", "--merge"}), {"--head", "--merge"}},
      {"new --merge with one head", scaffold({"-m", "x", "--merge"}), {"--merge"}},
      {"new --depends-on unknown", scaffold({"-m", "x", "--depends-on", "zzzz"}), {"--depends-on", "zzzz"}},
      {"new --branch-label with a space",
       scaffold({"-m", "x", "--branch-label", "a b"}),
       {"--branch-label", "a b"}},
      {"new --branch-label reserved", scaffold({"-m", "x", "--branch-label", "head"}), {"--branch-label"}},
      {"new --branch-label a revision id", scaffold({"-m", "x", "--branch-label", "a"}), {"--branch-label"}},
      {"new unknown flag", scaffold({"-m", "x", "--autogenerate"}), {"--autogenerate"}},
      {"new an extra argument", scaffold({"-m", "x", "extra"}), {"extra"}},
  };
}

std::vector<BadFlag> corpus() {
  std::vector<BadFlag> all;
  for (auto part : {operator_cases(), apply_cases(), new_cases()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// A work directory with a valid migration set a <- b, a manifest that would migrate the database to b, a
// kubeconfig for a server that is not there, and the broken inputs the cases name; and a database at a.
class CliBadFlags : public ::testing::TestWithParam<BadFlag> {
 protected:
  static void SetUpTestSuite() { db_ = new TestDatabase(); }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  void SetUp() override {
    work_.write("migrations/a.sql", migration("a", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
    work_.write("migrations/b.sql", migration("b", "a", "CREATE TABLE tb (i int);", "DROP TABLE tb;"));
    work_.write("broken/a.sql", migration("a", "", "SELECT 1;", ""));
    work_.write("broken/bad.sql", "-- revision: b\n-- down_revision: a\nSELECT 1;\n");
    work_.write("afile", "not a directory\n");
    work_.write("kubeconfig.yaml",
                "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
                "users: [{name: u, user: {token: t}}]\n"
                "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
    work_.write("broken-kubeconfig.yaml", "apiVersion: v1\nclusters: [\n");
    work_.write("bad.yaml", "apiVersion: v1\nkind: [Secret\n");
    work_.write("secret-only.yaml", kSecret);
    work_.write("app.yaml", std::string(kSecret) + "---\n" + config_map() + "---\n" + kResource);
    if (db_->table_exists("public.alembic_version")) return;
    auto r = run_pgrevise({"migrate", "upgrade", "a", "--dir", (work_.path() / "migrations").string(),
                           "--database-url", db_->url()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }

  // Every path under the work directory with its bytes, and the database's revision, tables and history.
  std::string snapshot() const {
    std::string out;
    std::vector<std::string> entries;
    for (const auto& e : fs::recursive_directory_iterator(work_.path())) {
      const std::string relative = fs::relative(e.path(), work_.path()).string();
      entries.push_back(relative + (e.is_regular_file() ? "=" + read_bytes(e.path()) : "/"));
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) out += e + "\n";
    return out + db_->query("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version") +
           "|" +
           db_->query(
               "SELECT string_agg(table_name, ',' ORDER BY 1) FROM information_schema.tables "
               "WHERE table_schema = 'public'") +
           "|" + db_->query("SELECT count(*) FROM alembic_version_history");
  }

  ProcessResult run(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> resolved;
    for (const auto& a : args) resolved.push_back(replace_all(a, "{url}", db_->url()));
    auto spec = pgrevise_spec(resolved, env);
    spec.working_dir = work_.str();
    spec.timeout = std::chrono::seconds(60);
    spec.env_unset.insert(spec.env_unset.end(), {"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "POD_NAMESPACE"});
    if (!env.count("PGREVISE_MIGRATIONS_DIR")) spec.env_unset.push_back("PGREVISE_MIGRATIONS_DIR");
    return run_process(spec);
  }

  static constexpr const char* kSecret =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: app-db}\nstringData: {url: "
      "'postgresql://x@127.0.0.1:1/x'}\n";
  static constexpr const char* kResource =
      "apiVersion: pgrevise.dev/v1alpha1\nkind: PostgresMigration\nmetadata: {name: app}\nspec:\n"
      "  database: {urlSecretRef: {name: app-db, key: url}}\n  targetRevision: heads\n"
      "  migrations: {configMapRef: {name: app-migrations}}\n  backup: {enabled: false}\n";
  std::string config_map() const {
    std::string out = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-migrations}\ndata:\n";
    for (const char* file : {"a.sql", "b.sql"}) {
      out += std::string("  ") + file + ": |\n";
      std::istringstream lines(work_.read(std::string("migrations/") + file));
      for (std::string line; std::getline(lines, line);) out += "    " + line + "\n";
    }
    return out;
  }

  static TestDatabase* db_;
  TempDir work_;
};

TestDatabase* CliBadFlags::db_ = nullptr;

TEST_P(CliBadFlags, RefusedNamingTheFlagWithNothingChanged) {
  const BadFlag& c = GetParam();
  const std::string before = snapshot();
  auto r = run(c.args, c.env);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  for (const auto& culprit : c.culprits)
    EXPECT_NE(r.err.find(culprit), std::string::npos) << "stderr should name '" << culprit << "'\n"
                                                      << describe(r);
  EXPECT_EQ(r.err.find("---"), std::string::npos) << "a flag's name is written with two dashes\n" << r.err;
  EXPECT_LT(r.err.size(), 4096u) << r.err.substr(0, 2000);
  EXPECT_EQ(snapshot(), before) << "nothing may be written, removed or migrated";
}

INSTANTIATE_TEST_SUITE_P(Corpus, CliBadFlags, ::testing::ValuesIn(corpus()), [](const auto& info) {
  std::string name;
  for (char ch : info.param.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
});

// The same work directory with valid flags does reach what the bad ones must not: the operator tries the API
// server (exit 4: nothing listens there), apply migrates the database to b, new writes a file.
class CliValidFlags : public CliBadFlags {};

TEST_F(CliValidFlags, GetPastTheChecks) {
  auto r = run(op({"--qps", "5", "--leader-elect-lease-duration", "20s", "--namespace", "team-a",
                   "--metrics-bind-address", "0", "--health-probe-bind-address", "0"}));
  EXPECT_EQ(r.exit_code, 4) << describe(r);

  r = run(apply({"--data-dir", "state", "--log-level", "warn"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(db_->query("SELECT string_agg(version_num, ',') FROM alembic_version"), "b");

  r = run(scaffold({"-m", "add users"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(work_.path() / "migrations")) ++files;
  EXPECT_EQ(files, 3u);
}

TEST(CliBadFlagsSize, EveryCommandHasCases) {
  EXPECT_GE(operator_cases().size(), 20u);
  EXPECT_GE(apply_cases().size(), 10u);
  EXPECT_GE(new_cases().size(), 10u);
  std::printf("bad CLI flags: %zu operator, %zu apply, %zu new cases\n", operator_cases().size(),
              apply_cases().size(), new_cases().size());
}

}  // namespace
}  // namespace pgrevise::testing
