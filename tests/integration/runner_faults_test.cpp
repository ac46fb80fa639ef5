// The runner on its worst day, on the example migrations: ten runners at once, the runner killed at every
// statement boundary, the database restarted mid-run, a long-running query holding a lock.
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include <pqxx/pqxx>

#include "integration/runner_fixture.h"
#include "revision/script.h"
#include "revision/sql_splitter.h"

namespace pgrevise::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const char* const kRevisions[] = {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008",
                                  "0009", "0010", "0011", "0012", "0013", "0014", "0015", "0016"};

std::string examples_dir() {
  return source_dir() + "/migrations";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls until cond() holds or `limit` passes (generous: the machine running the tests may be busy).
template <typename Cond>
bool eventually(Cond cond, milliseconds limit = std::chrono::seconds(90)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

ProcessResult migrate_on(const std::string& url, const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "migrate");
  args.insert(args.begin() + 2, {"--dir", dir, "--database-url", url});
  return run_pgrevise(args);
}

std::string heads_of(const TestDatabase& db) {
  if (!db.table_exists("public.alembic_version")) return "";
  return db.query("SELECT version_num FROM alembic_version ORDER BY 1");
}

// Successful upgrades per revision, "rev=n" joined with ','.
std::string upgrades_recorded(const TestDatabase& db) {
  return db.query(
      "SELECT coalesce(string_agg(revision || '=' || n, ',' ORDER BY revision), '') FROM (SELECT revision, "
      "count(*) AS n FROM alembic_version_history WHERE direction = 'upgrade' AND result = 'succeeded' "
      "GROUP BY revision) c");
}

std::string every_revision_once() {
  std::string out;
  for (const char* rev : kRevisions) out += std::string(out.empty() ? "" : ",") + rev + "=1";
  return out;
}

// What a re-run must reproduce: the schema (without pgrevise's history table and the database's name) and
// the number of rows of every table (data migrations insert reference rows).
std::string state_of(const TestDatabase& db) {
  auto dump = run_process({.argv = {"pg_dump", "--schema-only", "--no-owner",
                                    "--exclude-table=alembic_version_history", "-d", db.url()}});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  auto out = without_restrict_lines(dump.out);
  for (auto p = out.find(db.name()); p != std::string::npos; p = out.find(db.name()))
    out.erase(p, db.name().size());
  pqxx::connection c(db.url());
  pqxx::nontransaction tx(c);
  for (const auto& row :
       tx.exec("SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables WHERE relname <> "
               "'alembic_version_history' ORDER BY 1")) {
    const std::string table = row[0].c_str();
    out += "\n" + table + " rows: " + tx.exec1("SELECT count(*) FROM " + table)[0].c_str();
  }
  return out;
}

// A place in the example set where the runner is killed: before statement `index` of a revision's upgrade
// section (index == count: after its last statement, before the version-table update). A transactional
// revision reaches the server as one batch (BEGIN, the session check, its statements, the version-table
// change, the history row, COMMIT); the sleeping statement holds that batch at the kill point, inside its
// transaction, so the runner dies between those statements exactly as it would between separate ones.
struct KillPoint {
  std::string file;  // relative to the migrations directory
  std::string revision;
  bool transactional = true;
  int index = 0;
  int count = 0;
  size_t offset = 0;  // byte offset in the file where the blocking statement goes
  std::string name() const {
    return revision + " before statement " + std::to_string(index + 1) + "/" + std::to_string(count);
  }
};

std::vector<KillPoint> every_statement_boundary() {
  std::vector<KillPoint> points;
  for (const auto& entry : fs::recursive_directory_iterator(examples_dir())) {
    if (entry.path().extension() != ".sql") continue;
    const std::string file = fs::relative(entry.path(), examples_dir()).string();
    const auto script = revision::parse_script(read_text(entry.path()), file);
    const auto statements =
        revision::split_sql(script.upgrade.sql, script.upgrade.first_line, script.upgrade.offset);
    const int count = static_cast<int>(statements.size());
    for (int i = 0; i <= count; ++i) {
      const size_t offset = i < count ? statements[static_cast<size_t>(i)].offset
                                      : script.upgrade.offset + script.upgrade.sql.size();
      points.push_back({file, script.revision, script.transactional, i, count, offset});
    }
  }
  std::sort(points.begin(), points.end(), [](const KillPoint& a, const KillPoint& b) {
    return std::tie(a.revision, a.index) < std::tie(b.revision, b.index);
  });
  return points;
}

// The example set with a statement that sleeps at `point`: the runner blocks there until it is killed.
void write_blocked_copy(const TempDir& dir, const KillPoint& point) {
  fs::copy(examples_dir(), dir.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  std::string text = read_text(fs::path(examples_dir()) / point.file);
  text.insert(point.offset, "\nSELECT pg_sleep(600) /* kill point */;\n");
  dir.write(point.file, text);
}

// Waits for the runner's session to sleep at the kill point (its database's only pg_sleep).
bool blocked_at_kill_point(const std::string& url) {
  return eventually([&] {
    pqxx::connection c(url);
    pqxx::nontransaction tx(c);
    return tx.exec1(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                 "wait_event = 'PgSleep'")[0]
               .as<int>() == 1;
  });
}

// Ends every other session of the database (the killed runner's server side), and waits until they are gone.
void end_other_sessions(const TestDatabase& db) {
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
      "pg_backend_pid()");
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
               "pg_backend_pid()") == "0";
  }));
}

TEST(RunnerFaults, TenRunnersAtOnceApplyEveryRevisionExactlyOnce) {
  TestDatabase db;
  std::vector<std::unique_ptr<ChildProcess>> runners;
  for (int i = 0; i < 10; ++i) {
    runners.push_back(
        std::make_unique<ChildProcess>(pgrevise_spec({"migrate", "upgrade", "heads", "--dir", examples_dir(),
                                                      "--database-url", db.url(), "--lock-wait", "5m"})));
  }
  int applied = 0, nothing_to_do = 0;
  for (auto& runner : runners) {
    auto r = runner->wait();
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    if (r.out.find("Upgraded to 0016 (16 revisions") != std::string::npos) ++applied;
    if (r.out.find("Nothing to do: already at 0016") != std::string::npos) ++nothing_to_do;
    EXPECT_EQ(r.err.find("error"), std::string::npos) << describe(r);
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(nothing_to_do, 9);
  EXPECT_EQ(heads_of(db), "0016");
  EXPECT_EQ(upgrades_recorded(db), every_revision_once());
  EXPECT_EQ(db.query("SELECT count(*) FROM alembic_version_history"), "16");
}

class KilledRunner : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestDatabase reference;
    auto r = migrate_on(reference.url(), examples_dir(), {"upgrade", "heads"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    final_state_ = new std::string(state_of(reference));
  }
  static void TearDownTestSuite() {
    delete final_state_;
    final_state_ = nullptr;
  }

  // The state of a database that a clean run brought to `heads` (one upgrade per head), computed once.
  std::string state_at(const std::string& heads) {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = states_.find(heads);
    if (it != states_.end()) return it->second;
    TestDatabase reference;
    // A killed run has created the version table already, even when nothing was applied.
    auto stamped = migrate_on(reference.url(), examples_dir(), {"stamp", "base"});
    EXPECT_EQ(stamped.exit_code, 0) << describe(stamped);
    std::istringstream each(heads);
    for (std::string head; std::getline(each, head);) {
      auto r = migrate_on(reference.url(), examples_dir(), {"upgrade", head});
      EXPECT_EQ(r.exit_code, 0) << describe(r);
    }
    return states_[heads] = state_of(reference);
  }

  // Kills the runner at `point`, checks what the crash left, resolves and re-runs, checks convergence.
  void kill_and_rerun(const KillPoint& point) {
    SCOPED_TRACE(point.name());
    TestDatabase db;
    TempDir blocked;
    write_blocked_copy(blocked, point);
    ChildProcess runner(
        pgrevise_spec({"migrate", "upgrade", "heads", "--dir", blocked.str(), "--database-url", db.url()}));
    const bool blocked_in_time = blocked_at_kill_point(db.url());
    runner.kill(SIGKILL);
    auto killed = runner.wait();
    ASSERT_TRUE(blocked_in_time) << describe(killed);
    EXPECT_EQ(killed.signal, SIGKILL);
    end_other_sessions(db);

    const std::string heads = heads_of(db);
    EXPECT_EQ(heads.find(point.revision), std::string::npos) << heads;
    std::vector<std::string> rerun_args = {"upgrade", "heads"};
    std::string expected_upgrades = every_revision_once();
    if (point.transactional) {
      // Rolled back: no trace of the revision, and exactly the state of a clean run to the same heads.
      EXPECT_EQ(
          db.query("SELECT count(*) FROM alembic_version_history WHERE revision = '" + point.revision + "'"),
          "0");
      EXPECT_EQ(state_of(db), state_at(heads));
    } else {
      expect_unfinished(db, point);
    }
    if (!point.transactional && point.index == point.count) {
      // Every statement ran: the operator of the database declares the revision done.
      auto stamped = migrate_on(db.url(), examples_dir(), {"stamp", point.revision});
      ASSERT_EQ(stamped.exit_code, 0) << describe(stamped);
      const auto at = expected_upgrades.find(point.revision + "=1");
      expected_upgrades.erase(at == 0 ? at : at - 1, point.revision.size() + 3);
    } else if (!point.transactional) {
      rerun_args.push_back("--retry-unfinished");  // its statements are idempotent
    }

    auto rerun = migrate_on(db.url(), examples_dir(), rerun_args);
    ASSERT_EQ(rerun.exit_code, 0) << describe(rerun);
    EXPECT_EQ(heads_of(db), "0016");
    EXPECT_EQ(upgrades_recorded(db), expected_upgrades);
    EXPECT_EQ(state_of(db), *final_state_);
    auto check = migrate_on(db.url(), examples_dir(), {"check"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
  }

  // A non-transactional revision killed mid-way blocks every later run until someone resolves it.
  void expect_unfinished(const TestDatabase& db, const KillPoint& point) {
    EXPECT_EQ(
        db.query("SELECT result FROM alembic_version_history WHERE revision = '" + point.revision + "'"),
        "running");
    const std::string heads = heads_of(db);
    auto refused = migrate_on(db.url(), examples_dir(), {"upgrade", "heads"});
    EXPECT_EQ(refused.exit_code, 1) << describe(refused);
    EXPECT_NE(refused.err.find("revision " + point.revision + " (non-transactional)"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("never finished"), std::string::npos) << refused.err;
    EXPECT_EQ(heads_of(db), heads);
    auto check = migrate_on(db.url(), examples_dir(), {"check"});
    EXPECT_EQ(check.exit_code, 1) << describe(check);
    EXPECT_NE(check.out.find("unfinished: revision " + point.revision), std::string::npos) << check.out;
  }

  static std::string* final_state_;
  std::mutex mutex_;
  std::map<std::string, std::string> states_;
};
std::string* KilledRunner::final_state_ = nullptr;

TEST_F(KilledRunner, AtEveryStatementBoundaryOfTheExampleSetARerunConverges) {
  const auto points = every_statement_boundary();
  int non_transactional = 0;
  for (const auto& p : points) non_transactional += p.transactional ? 0 : 1;
  ASSERT_GE(points.size(), 50u);
  ASSERT_GE(non_transactional, 5);
  // A few kill points at a time: each has its own database.
  constexpr size_t kParallel = 3;
  std::vector<std::future<void>> running;
  for (const auto& point : points) {
    if (running.size() == kParallel) {
      running.front().get();
      running.erase(running.begin());
    }
    running.push_back(std::async(std::launch::async, [this, &point] { kill_and_rerun(point); }));
  }
  for (auto& r : running) r.get();
  RecordProperty("kill_points", static_cast<int>(points.size()));
  std::printf("killed the runner at %zu statement boundaries (%d in the non-transactional revision)\n",
              points.size(), non_transactional);
}

// A throwaway cluster of this test's own (scripts/dev-postgres in a temp dir), so that restarting it disturbs
// no other test. Stopped and deleted on destruction.
class PrivateCluster {
 public:
  PrivateCluster() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("pgrevise-restart-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000));
    auto r = run_process({.argv = {script(), "start", dir_.string()}});
    if (r.exit_code != 0) throw std::runtime_error("dev-postgres start failed: " + r.err);
    std::istringstream in(read_text(dir_ / "url"));
    std::getline(in, admin_url_);
  }
  ~PrivateCluster() { run_process({.argv = {script(), "stop", dir_.string()}}); }
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  std::string create_database(const std::string& name) const {
    pqxx::connection c(admin_url_);
    pqxx::nontransaction tx(c);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
    return url_for_database(admin_url_, name);
  }
  // Fast shutdown (every session terminated, then a checkpoint) and start again on the same port. Not an
  // immediate one: the throwaway cluster commits asynchronously, so a crash could also undo the last commits,
  // and what it undoes would vary from run to run.
  void restart() const {
    const std::string data = (dir_ / "data").string(), log = (dir_ / "server.log").string();
    std::vector<std::string> argv = {pg_ctl(), "-D", data, "-l",  log,      "-m",
                                     "fast",   "-w", "-t", "120", "restart"};
    if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
    auto r = run_process({.argv = argv});
    if (r.exit_code != 0) throw std::runtime_error("pg_ctl restart failed: " + r.out + r.err);
  }

 private:
  static std::string script() { return source_dir() + "/scripts/dev-postgres"; }
  static std::string pg_ctl() {
    std::vector<fs::path> bindirs;
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql")) bindirs.push_back(e.path() / "bin");
    std::sort(bindirs.begin(), bindirs.end());
    return (bindirs.back() / "pg_ctl").string();
  }
  fs::path dir_;
  std::string admin_url_;
};

std::string query_one(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  auto r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
}

std::string password_of(const std::string& url) {
  const auto user_start = url.find("://") + 3;
  const auto colon = url.find(':', user_start);
  return url.substr(colon + 1, url.find('@', user_start) - colon - 1);
}

KillPoint point_in(const std::string& revision, int index) {
  for (const auto& p : every_statement_boundary())
    if (p.revision == revision && p.index == index) return p;
  throw std::runtime_error("no statement " + std::to_string(index) + " in revision " + revision);
}

TEST(RunnerFaults, DatabaseRestartedMidRunIsAConnectionErrorAndARerunConverges) {
  PrivateCluster cluster;
  // One transactional revision (rolled back by the crash) and the non-transactional one (left unfinished).
  int n = 0;
  for (const auto& point : {point_in("0009", 1), point_in("0012", 2)}) {
    SCOPED_TRACE(point.name());
    const std::string url = cluster.create_database("restart_" + std::to_string(n++));
    TempDir blocked;
    write_blocked_copy(blocked, point);
    const auto report = blocked.path() / "report.json";
    ChildProcess runner(pgrevise_spec({"migrate", "upgrade", "heads", "--dir", blocked.str(),
                                       "--database-url", url, "--report", report.string()}));
    ASSERT_TRUE(blocked_at_kill_point(url));
    cluster.restart();
    auto r = runner.wait();
    EXPECT_EQ(r.exit_code, 4) << describe(r);
    EXPECT_NE(r.err.find("revision " + point.revision), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("connection to the database lost"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(password_of(url)), std::string::npos) << "the password must not be printed";
    EXPECT_NE(read_text(report).find("\"result\":\"failed\""), std::string::npos) << read_text(report);

    const std::string heads = query_one(url, "SELECT string_agg(version_num, ',') FROM alembic_version");
    EXPECT_EQ(heads.find(point.revision), std::string::npos) << heads;
    std::vector<std::string> rerun_args = {"upgrade", "heads"};
    if (!point.transactional) {
      EXPECT_EQ(query_one(url, "SELECT result FROM alembic_version_history WHERE revision = '" +
                                   point.revision + "'"),
                "running");
      auto refused = migrate_on(url, examples_dir(), rerun_args);
      EXPECT_EQ(refused.exit_code, 1) << describe(refused);
      EXPECT_NE(refused.err.find("never finished"), std::string::npos) << refused.err;
      rerun_args.push_back("--retry-unfinished");
    }
    auto rerun = migrate_on(url, examples_dir(), rerun_args);
    ASSERT_EQ(rerun.exit_code, 0) << describe(rerun);
    EXPECT_EQ(query_one(url, "SELECT string_agg(version_num, ',') FROM alembic_version"), "0016");
    EXPECT_EQ(query_one(url,
                        "SELECT count(DISTINCT revision) FROM alembic_version_history WHERE result = "
                        "'succeeded' AND direction = 'upgrade'"),
              "16");
    auto check = migrate_on(url, examples_dir(), {"check"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
  }
}

// A report reading time_entries for minutes holds ACCESS SHARE on it; 0016 alters that table.
TEST(RunnerFaults, LongRunningQueryHoldingALockIsRetriedThenNamedAsTheBlocker) {
  TestDatabase db;
  auto r = migrate_on(db.url(), examples_dir(), {"upgrade", "0015"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  pqxx::connection blocker(db.url() + "?application_name=monthly-report");
  const int blocker_pid = blocker.backendpid();
  auto report = std::async(std::launch::async, [&blocker] {
    try {
      pqxx::work tx(blocker);
      tx.exec("SELECT count(*) FROM time_entries, pg_sleep(300)");
    } catch (const std::exception&) {
      // cancelled by the test once the runner gave up
    }
  });
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'monthly-report' AND "
               "wait_event = 'PgSleep'") == "1";
  }));

  r = migrate_on(db.url(), examples_dir(),
                 {"upgrade", "heads", "--lock-timeout", "200ms", "--lock-retries", "2"});
  db.exec("SELECT pg_cancel_backend(" + std::to_string(blocker_pid) + ")");
  report.get();

  EXPECT_EQ(r.exit_code, 1) << describe(r);
  int retries = 0;
  for (auto p = r.err.find("lock timeout, retrying"); p != std::string::npos;
       p = r.err.find("lock timeout, retrying", p + 1))
    ++retries;
  EXPECT_EQ(retries, 2) << r.err;
  EXPECT_NE(r.err.find("revision 0016 (0016_time_entries_invoiced_at.sql"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("55P03"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("blocked by pid " + std::to_string(blocker_pid) + " (monthly-report)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("pg_sleep(300)"), std::string::npos) << "the blocker's query\n" << r.err;
  EXPECT_EQ(heads_of(db), "0015");
  EXPECT_EQ(db.query("SELECT result FROM alembic_version_history WHERE revision = '0016'"), "failed");

  r = migrate_on(db.url(), examples_dir(), {"upgrade", "heads", "--lock-timeout", "200ms"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads_of(db), "0016");
}

// Killed inside CREATE INDEX CONCURRENTLY rather than between statements: the server has already entered the
// index in the catalog, and it stays behind INVALID; re-running `CREATE INDEX CONCURRENTLY IF NOT EXISTS`
// would keep it so and report success. The runner names the index to drop instead.
TEST(RunnerFaults, KilledInsideCreateIndexConcurrentlyTheInvalidIndexIsNamed) {
  TestDatabase db;
  auto r = migrate_on(db.url(), examples_dir(), {"upgrade", "0011"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // A writer's open transaction: the index build enters the index in the catalog, then waits for the writer.
  pqxx::connection writer(db.url());
  pqxx::work tx(writer);
  tx.exec("LOCK TABLE time_entries IN ROW EXCLUSIVE MODE");
  ChildProcess runner(
      pgrevise_spec({"migrate", "upgrade", "0012", "--dir", examples_dir(), "--database-url", db.url()}));
  const bool waiting = eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE "
               "'CREATE INDEX CONCURRENTLY%' AND "
               "wait_event_type = 'Lock'") == "1";
  });
  runner.kill(SIGKILL);
  runner.wait();
  ASSERT_TRUE(waiting);
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query "
      "LIKE 'CREATE INDEX CONCURRENTLY%'");
  ASSERT_TRUE(eventually([&] {
    return db.query(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE "
               "'CREATE INDEX CONCURRENTLY%'") == "0";
  }));
  tx.abort();
  const std::string invalid = "public.time_entries_user_started_idx";
  EXPECT_EQ(db.query("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"),
            "time_entries_user_started_idx");

  for (const auto& rerun : std::vector<std::vector<std::string>>{
           {"upgrade", "heads"}, {"upgrade", "heads", "--retry-unfinished"}}) {
    r = migrate_on(db.url(), examples_dir(), rerun);
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_NE(r.err.find("revision 0012 (non-transactional) never finished and left invalid indexes: " +
                         invalid + " on public.time_entries"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("then re-run with --retry-unfinished: DROP INDEX CONCURRENTLY " + invalid +
                         " (or, once the data allows it, REINDEX INDEX CONCURRENTLY " + invalid + ")"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(heads_of(db), "0011");
  }
  auto check = migrate_on(db.url(), examples_dir(), {"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_NE(check.out.find("invalid index: " + invalid + " on public.time_entries"), std::string::npos)
      << check.out;

  db.exec("DROP INDEX CONCURRENTLY " + invalid);
  r = migrate_on(db.url(), examples_dir(), {"upgrade", "heads", "--retry-unfinished"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(heads_of(db), "0016");
  EXPECT_EQ(db.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
  EXPECT_EQ(migrate_on(db.url(), examples_dir(), {"check"}).exit_code, 0);
}

}  // namespace
}  // namespace pgrevise::testing
