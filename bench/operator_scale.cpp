// Operator at scale: a real `pgrevise operator` process (with leader election, as the chart runs it) against
// the fake API server holding 1,000 PostgresMigration resources across 20 namespaces, each resource with its
// own version table in one real PostgreSQL database, stamped at its target. Measures, in this order:
//
//   1. convergence from a cold start: every resource Ready for its generation, then nothing but lease
//      renewals and watches for --quiet-seconds (informational);
//   2. idle: the operator's requests to the API server during --idle-seconds, by verb and resource (target:
//      none beyond lease renewals and open watches), and its CPU time (utime + stime from /proc/PID/stat);
//   3. bumps, one resource at a time: spec.targetRevision raised, and the time from the server storing that
//      patch to the server storing the Job the operator creates, from the server's own request timestamps.
//      The benchmark stands in for a kubelet whose Jobs take no time: as a Job appears it moves the
//      resource's version table (migrate Jobs) and marks the Job succeeded, then waits for the resource to be
//      Ready at the new target. Resources with backups disabled give bump -> migrate Job (target p99 <
//      100 ms); those with backups enabled give bump -> backup Job and backup Job succeeded -> migrate Job;
//   4. peak RSS of the operator over the whole run (VmHWM from /proc/PID/status; target < 40 MB).
//
//   operator_scale_bench --pgrevise BIN --database-url URL [--resources N] [--namespaces N] [--bumps N]
//                        [--backup-bumps N] [--bump-gap-ms MS] [--idle-seconds S] [--results FILE]
//                        [--work-dir DIR] [--operator-arg ARG]...
//
// The rows are printed as a Markdown table and, with --results, appended tab-separated to FILE (the format
// of bench/lib/common.sh's record).

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "bench/operator_scale_process.h"
#include "bench/operator_scale_world.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/redact.h"

namespace pgrevise::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

const cli::CommandSpec kSpec{
    "operator_scale_bench --pgrevise BIN --database-url URL [flags]",
    "Runs `pgrevise operator` against the fake API server with many resources and measures memory, bump "
    "latency and idle behaviour.",
    {{"pgrevise", "BIN", "the pgrevise binary"},
     {"database-url", "URL", "an empty database for the version tables"},
     {"resources", "N", "PostgresMigration resources", false, "1000"},
     {"namespaces", "N", "namespaces they are spread over", false, "20"},
     {"bumps", "N", "target bumps on resources with backups disabled", false, "200"},
     {"backup-bumps", "N", "target bumps on resources with backups enabled", false, "50"},
     {"bump-gap-ms", "MS", "pause after each bumped resource is Ready again", false, "200"},
     {"idle-seconds", "S", "length of the idle window", false, "60"},
     {"quiet-seconds", "S", "quiet time that counts as converged", false, "5"},
     {"converge-timeout", "S", "how long convergence may take", false, "900"},
     {"results", "FILE", "append the rows tab-separated to FILE"},
     {"work-dir", "DIR", "kubeconfig and operator log", false, "a temporary folder"},
     {"operator-arg", "ARG", "extra argument for `pgrevise operator`", true}},
    0,
    0,
    ""};

struct Row {
  std::string benchmark, pgrevise, reference, result, target, met;
};

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string thousands(long long n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A request the target allows while idle: a watch (re)opened, or the leader lease read or renewed.
bool allowed_while_idle(const testing::RecordedRequest& r) {
  return r.verb == "watch" || r.resource == "coordination.k8s.io/leases";
}

std::string kind_of(const testing::RecordedRequest& r) {
  std::string resource = r.resource.substr(r.resource.find('/') + 1);
  return r.verb + " " + resource + (r.subresource.empty() ? "" : "/" + r.subresource);
}

std::vector<testing::RecordedRequest> operator_requests(testing::FakeApiServer& server, std::size_t from) {
  std::vector<testing::RecordedRequest> out;
  const auto all = server.requests();
  for (std::size_t i = from; i < all.size(); ++i)
    if (all[i].user == kOperatorUser) out.push_back(all[i]);
  return out;
}

std::string by_kind(const std::vector<testing::RecordedRequest>& requests) {
  std::map<std::string, int> counts;
  for (const auto& r : requests) ++counts[kind_of(r)];
  std::string out;
  for (const auto& [kind, n] : counts) out += (out.empty() ? "" : ", ") + kind + " ×" + std::to_string(n);
  return out.empty() ? "none" : out;
}

// Seconds until every resource is Ready and the operator has sent nothing but lease and watch requests for
// `quiet`.
double converge(ScaleWorld& world, OperatorChild& op, int total, std::chrono::seconds quiet,
                std::chrono::seconds timeout) {
  const auto start = Clock::now();
  int ready = 0;
  for (;;) {
    if (Clock::now() - start > timeout)
      throw std::runtime_error("not converged after " + std::to_string(timeout.count()) +
                               " s: " + std::to_string(ready) + " of " + std::to_string(total) + " Ready");
    if (!op.running()) throw std::runtime_error("the operator exited during convergence");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if ((ready = world.ready_count()) < total) continue;
    Clock::time_point last_busy = start;
    for (const auto& r : operator_requests(world.server(), 0))
      if (!allowed_while_idle(r)) last_busy = std::max(last_busy, r.at);
    if (Clock::now() - last_busy >= quiet) return Ms(last_busy - start).count() / 1000.0;
  }
}

struct IdleResult {
  std::vector<testing::RecordedRequest> requests;
  double cpu_seconds = 0;
  double window_seconds = 0;
};

IdleResult measure_idle(ScaleWorld& world, OperatorChild& op, std::chrono::seconds window) {
  const std::size_t from = world.server().requests().size();
  const double cpu_before = op.cpu_seconds();
  const auto start = Clock::now();
  std::this_thread::sleep_for(window);
  IdleResult result;
  result.cpu_seconds = op.cpu_seconds() - cpu_before;
  result.window_seconds = Ms(Clock::now() - start).count() / 1000.0;
  result.requests = operator_requests(world.server(), from);
  return result;
}

// The server-side time of the last request matching `match`, searching from the end of the log.
template <typename Match>
Clock::time_point last_request_at(const std::vector<testing::RecordedRequest>& log, Match match) {
  for (auto it = log.rbegin(); it != log.rend(); ++it)
    if (match(*it)) return it->at;
  throw std::runtime_error("a request the benchmark waited for is not in the server's log");
}

bool bumped(const testing::RecordedRequest& r, const ScaleResource& target) {
  return r.user == kBenchUser && r.verb == "patch" && r.ns == target.ns && r.name == target.name;
}

// The operator's create of Job `job` (the log names a created object by its answer).
bool created(const testing::RecordedRequest& r, const ScaleResource& target, const std::string& job) {
  return r.user == kOperatorUser && r.verb == "create" && r.resource == "batch/jobs" && r.ns == target.ns &&
         r.code == 201 && r.object.is_object() && r.object["metadata"].value("name", "") == job;
}

bool completed(const testing::RecordedRequest& r, const ScaleResource& target, const std::string& job) {
  return r.user == kBenchUser && r.verb == "update" && r.subresource == "status" && r.ns == target.ns &&
         r.name == job;
}

// Waits (real time) until `done` holds, re-checking whenever the server's state changes.
template <typename Done>
void wait_on_server(ScaleWorld& world, const std::string& what, Done done) {
  const auto until = Clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (Clock::now() > until) throw std::runtime_error("timed out waiting for " + what);
    world.server().state().wait_for_change(world.server().state().current_rv(),
                                           Clock::now() + std::chrono::milliseconds(20));
  }
}

std::string wait_for_job(ScaleWorld& world, const ScaleResource& r, const std::string& kind) {
  std::vector<std::string> jobs;
  wait_on_server(world, "the " + kind + " Job of " + r.ns + "/" + r.name,
                 [&] { return !(jobs = world.job_names(r.ns, r.name + "-" + kind + "-")).empty(); });
  return jobs.front();
}

// Latencies (ms) of the bumps, from the server's request timestamps.
struct BumpLatencies {
  std::vector<double> to_migrate_job;     // bump -> migrate Job created
  std::vector<double> to_backup_job;      // bump -> backup Job created (backups on)
  std::vector<double> backup_to_migrate;  // backup Job succeeded -> migrate Job created (backups on)
};

// One bump of `r`: its Jobs are completed at once as they appear (a fast fake kubelet), and the resource is
// Ready at the new target before this returns.
void bump_once(ScaleWorld& world, const ScaleResource& r, BumpLatencies& out) {
  world.bump(r, kBumpedRevision);
  std::string backup_job;
  if (r.backup) {
    backup_job = wait_for_job(world, r, "backup");
    world.complete_job(r, backup_job, kBumpedRevision);
  }
  const std::string migrate_job = wait_for_job(world, r, "migrate");
  world.complete_job(r, migrate_job, kBumpedRevision);
  wait_on_server(world, r.ns + "/" + r.name + " Ready at the new target", [&] { return world.ready(r); });

  const auto log = world.server().requests();
  const auto bump_at = last_request_at(log, [&](const auto& q) { return bumped(q, r); });
  const auto migrate_at = last_request_at(log, [&](const auto& q) { return created(q, r, migrate_job); });
  if (!r.backup) {
    out.to_migrate_job.push_back(Ms(migrate_at - bump_at).count());
    return;
  }
  const auto backup_at = last_request_at(log, [&](const auto& q) { return created(q, r, backup_job); });
  const auto done_at = last_request_at(log, [&](const auto& q) { return completed(q, r, backup_job); });
  out.to_backup_job.push_back(Ms(backup_at - bump_at).count());
  out.backup_to_migrate.push_back(Ms(migrate_at - done_at).count());
}

// Nearest-rank percentile.
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * values.size())));
  return values[std::min(rank, values.size()) - 1];
}

struct Options {
  std::string pgrevise, database_url, results, work_dir;
  WorldOptions world;
  int bumps = 200, backup_bumps = 50;
  std::chrono::milliseconds bump_gap{200};
  std::chrono::seconds idle{60}, quiet{5}, converge_timeout{900};
  std::vector<std::string> operator_args;
};

Options parse_options(int argc, char** argv) {
  const auto parsed = cli::parse(kSpec, std::vector<std::string>(argv + 1, argv + argc));
  Options o;
  o.pgrevise = parsed.get_or("pgrevise", "");
  o.database_url = parsed.get_or("database-url", "");
  if (o.pgrevise.empty() || o.database_url.empty())
    throw_bad_input("--pgrevise and --database-url are required");
  register_secret(o.database_url);
  o.world.database_url = o.database_url;
  o.world.resources = static_cast<int>(parsed.get_int("resources", 1, 100000).value_or(1000));
  o.world.namespaces = static_cast<int>(parsed.get_int("namespaces", 1, 1000).value_or(20));
  o.bumps = static_cast<int>(parsed.get_int("bumps", 0, 100000).value_or(200));
  o.backup_bumps = static_cast<int>(parsed.get_int("backup-bumps", 0, 100000).value_or(50));
  o.bump_gap = std::chrono::milliseconds(parsed.get_int("bump-gap-ms", 0, 60000).value_or(200));
  o.idle = std::chrono::seconds(parsed.get_int("idle-seconds", 1, 3600).value_or(60));
  o.quiet = std::chrono::seconds(parsed.get_int("quiet-seconds", 0, 600).value_or(5));
  o.converge_timeout = std::chrono::seconds(parsed.get_int("converge-timeout", 10, 36000).value_or(900));
  o.results = parsed.get_or("results", "");
  o.work_dir = parsed.get_or("work-dir", "");
  o.operator_args = parsed.get_all("operator-arg");
  return o;
}

// The first `count` resources with (or without) backups, in creation order (so spread over the namespaces).
std::vector<ScaleResource> pick(const std::vector<ScaleResource>& all, bool backup, int count) {
  std::vector<ScaleResource> out;
  for (const auto& r : all)
    if (r.backup == backup && static_cast<int>(out.size()) < count) out.push_back(r);
  return out;
}

Row latency_row(const std::string& what, const std::vector<double>& ms, bool targeted) {
  if (ms.empty()) return {what, "not measured", "—", "n/a", targeted ? "p99 < 100 ms" : "info", "n/a"};
  const double p50 = percentile(ms, 50), p99 = percentile(ms, 99);
  const std::string text = "p50 " + fixed(p50, 1) + " ms, p99 " + fixed(p99, 1) + " ms, max " +
                           fixed(*std::max_element(ms.begin(), ms.end()), 1) + " ms";
  return {what + " (" + thousands(static_cast<long long>(ms.size())) + " bumps)",
          text,
          "—",
          "p99 " + fixed(p99, 1) + " ms",
          targeted ? "p99 < 100 ms" : "info",
          targeted ? (p99 < 100 ? "yes" : "no") : "—"};
}

std::vector<Row> measure(const Options& o, ScaleWorld& world, OperatorChild& op) {
  const std::string scale =
      thousands(o.world.resources) + " resources, " + std::to_string(o.world.namespaces) + " namespaces";
  std::vector<Row> rows;
  std::cerr << "operator started (pid " << op.pid() << "); waiting for convergence\n";
  const double converged = converge(world, op, o.world.resources, o.quiet, o.converge_timeout);
  const auto startup = operator_requests(world.server(), 0);
  const double rest_mb = op.memory_kb("VmRSS") / 1024.0;
  std::cerr << "converged in " << fixed(converged, 1) << " s; operator requests: " << by_kind(startup)
            << "\n";
  rows.push_back({"operator: " + scale + " Ready from a cold start", fixed(converged, 1) + " s", "—",
                  thousands(static_cast<long long>(startup.size())) + " requests", "info", "—"});

  std::cerr << "idle window of " << o.idle.count() << " s\n";
  const IdleResult idle = measure_idle(world, op, o.idle);
  long long others = 0;
  for (const auto& r : idle.requests) others += !allowed_while_idle(r);
  rows.push_back({"operator: API requests in " + std::to_string(o.idle.count()) + " idle s (" + scale + ")",
                  by_kind(idle.requests), "—", std::to_string(others) + " beyond leases and watches",
                  "none beyond lease renewals and open watches", others == 0 ? "yes" : "no"});
  rows.push_back({"operator: CPU time in " + std::to_string(o.idle.count()) + " idle s (" + scale + ")",
                  fixed(idle.cpu_seconds * 1000, 0) + " ms", "—",
                  fixed(100 * idle.cpu_seconds / idle.window_seconds, 2) + " % of a core", "info", "—"});

  std::cerr << "bumping " << o.bumps << " resources without backups, " << o.backup_bumps << " with\n";
  BumpLatencies latencies;
  const std::size_t before_bumps = world.server().requests().size();
  world.server().record_written_objects(true);  // names the created Jobs in the request log
  auto targets = pick(world.resources(), false, o.bumps);
  for (const auto& r : pick(world.resources(), true, o.backup_bumps)) targets.push_back(r);
  for (const auto& r : targets) {
    bump_once(world, r, latencies);
    std::this_thread::sleep_for(o.bump_gap);
  }
  const auto during = operator_requests(world.server(), before_bumps);
  std::cerr << "operator requests during " << targets.size() << " bumps: " << by_kind(during) << "\n";
  rows.push_back(latency_row("operator: target bump → migrate Job created, backups off",
                             latencies.to_migrate_job, true));
  rows.push_back(
      latency_row("operator: target bump → backup Job created, backups on", latencies.to_backup_job, false));
  rows.push_back(latency_row("operator: backup Job succeeded → migrate Job created",
                             latencies.backup_to_migrate, false));

  const double peak_mb = op.memory_kb("VmHWM") / 1024.0;
  rows.push_back({"operator: peak RSS (" + scale + ")", fixed(peak_mb, 1) + " MB",
                  "at rest " + fixed(rest_mb, 1) + " MB", fixed(peak_mb, 1) + " MB", "< 40 MB",
                  peak_mb < 40 ? "yes" : "no"});
  return rows;
}

void report(const std::vector<Row>& rows, const std::string& results) {
  std::cout << "| benchmark | pgrevise | reference | result | target | met |\n| --- | --- | --- | --- | --- "
               "| --- |\n";
  for (const auto& r : rows)
    std::cout << "| " << r.benchmark << " | " << r.pgrevise << " | " << r.reference << " | " << r.result
              << " | " << r.target << " | " << r.met << " |\n";
  if (results.empty()) return;
  std::ofstream out(results, std::ios::app);
  for (const auto& r : rows)
    out << r.benchmark << '\t' << r.pgrevise << '\t' << r.reference << '\t' << r.result << '\t' << r.target
        << '\t' << r.met << '\n';
}

int run(const Options& o) {
  namespace fs = std::filesystem;
  fs::path dir = o.work_dir;
  if (dir.empty())
    dir = fs::temp_directory_path() / ("pgrevise-operator-scale-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ScaleWorld world(o.world);
  std::cerr << "creating " << o.world.resources << " resources in " << o.world.namespaces << " namespaces\n";
  world.populate();
  std::ofstream(dir / "kubeconfig") << world.operator_kubeconfig();
  std::vector<std::string> args = {"--leader-elect", "--leader-elect-lease-namespace", "pgrevise-system"};
  args.insert(args.end(), o.operator_args.begin(), o.operator_args.end());
  OperatorChild op(o.pgrevise, dir / "kubeconfig", dir / "operator.log", args);
  std::vector<Row> rows;
  try {
    rows = measure(o, world, op);
  } catch (const std::exception& e) {
    std::cerr << "operator_scale_bench: " << redact(e.what()) << " (operator log: " << (dir / "operator.log")
              << ")\n";
    op.stop();
    return 1;
  }
  if (!op.stop()) std::cerr << "operator_scale_bench: the operator did not stop cleanly on SIGTERM\n";
  report(rows, o.results);
  if (o.work_dir.empty()) fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace pgrevise::bench

int main(int argc, char** argv) {
  using namespace pgrevise;  // NOLINT(google-build-using-namespace)
  if (cli::wants_help(std::vector<std::string>(argv + 1, argv + argc))) {
    std::cout << cli::help_text(bench::kSpec);
    return 0;
  }
  // The CRD and the example migrations are read from the source tree.
  ::setenv("PGREVISE_SOURCE_DIR", PGREVISE_SOURCE_DIR, 0);
  try {
    return bench::run(bench::parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "operator_scale_bench: " << redact(e.what()) << "\n";
    return 2;
  }
}
