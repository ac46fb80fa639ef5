// Planner benchmark: load a directory of migration files, build the revision graph, plan `upgrade heads` from
// an empty database and check that every id fits the version table, for 1,000 and 10,000 revisions shaped as
// one linear chain or as many branches and merges, with Alembic-style 12-character ids or readable
// 64-character ids (whose first revision widens alembic_version.version_num, as real projects do). The files
// are generated once per case into a temporary directory (removed at exit).
//
//   planner_bench [--benchmark_filter=...]
//
// Targets: loading and planning 10,000 files in under 300 ms (issue: the migration runner), and the same with
// ids of 64 characters (issue 16).

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "revision/graph.h"
#include "revision/loader.h"
#include "revision/plan.h"
#include "revision/scaffold.h"
#include "revision/version_width.h"

namespace {

namespace fs = std::filesystem;
using namespace pgrevise::revision;  // NOLINT(google-build-using-namespace)

enum Shape { kLinear = 0, kBranches = 1 };

struct Generated {
  fs::path dir;
  size_t heads = 0;
};

class Generator {
 public:
  Generator(fs::path dir, int count, int id_length)
      : dir_(std::move(dir)), count_(count), id_length_(id_length) {}

  Generated linear() {
    std::string prev;
    while (written_ < count_) prev = write({prev.empty() ? std::vector<std::string>{} : std::vector{prev}});
    return {dir_, 1};
  }

  // Every group: a branch point, three branches of three revisions, and a merge of the three; the last group
  // may stay open, leaving several heads.
  Generated branches() {
    std::string head = write({});
    size_t heads = 1;
    while (written_ < count_) {
      std::string point = write({head});
      std::vector<std::string> tips;
      for (int b = 0; b < 3 && written_ < count_; ++b) {
        std::string tip = point;
        for (int k = 0; k < 3 && written_ < count_; ++k) tip = write({tip});
        tips.push_back(tip);
      }
      heads = tips.size();
      if (written_ >= count_) break;
      head = write(tips);
      heads = 1;
    }
    return {dir_, heads};
  }

 private:
  // 12 hex characters as Alembic draws them, or a readable id of id_length_ characters such as
  // "000042_add_column_to_table_9e3779b97f4a_xxx...".
  std::string revision_id() const {
    std::string hex = hex_revision_id(static_cast<std::uint64_t>(written_ + 1) * 0x9E3779B97F4AULL);
    if (id_length_ <= static_cast<int>(hex.size())) return hex;
    char number[16];
    std::snprintf(number, sizeof number, "%06d_", written_);
    std::string id = number + std::string("add_column_to_table_") + hex + "_";
    id.resize(static_cast<size_t>(id_length_), 'x');
    return id;
  }

  std::string write(const std::vector<std::string>& down) {
    const std::string id = revision_id();
    // The first readable id follows the project's own widening of the version table.
    const std::string widen =
        written_ == 0 && id.size() > kAlembicVersionWidth
            ? "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(128);\n"
            : "";
    std::string text = "-- revision: " + id + "\n";
    if (!down.empty()) {
      text += "-- down_revision: ";
      for (size_t i = 0; i < down.size(); ++i) text += (i ? ", " : "") + down[i];
      text += "\n";
    }
    text += "-- message: step " + std::to_string(written_) + "\n\n-- +upgrade\n" + widen + "CREATE TABLE t" +
            std::to_string(written_) +
            " (id bigint PRIMARY KEY, note text DEFAULT 'a;b');\n\n-- +downgrade\nDROP TABLE t" +
            std::to_string(written_) + ";\n";
    fs::path folder = dir_ / ("part" + std::to_string(written_ / 500));
    fs::create_directories(folder);
    char name[32];
    std::snprintf(name, sizeof name, "%06d.sql", written_);
    std::ofstream(folder / name) << text;
    ++written_;
    return id;
  }

  fs::path dir_;
  int count_;
  int id_length_;
  int written_ = 0;
};

// One generated migration set: its shape, its size and the length of its ids.
struct Case {
  Shape shape;
  int count;
  int id_length;
  bool operator<(const Case& o) const {
    return std::tie(shape, count, id_length) < std::tie(o.shape, o.count, o.id_length);
  }
};

Case case_of(const benchmark::State& state) {
  return {static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)),
          static_cast<int>(state.range(2))};
}

class Corpus {
 public:
  ~Corpus() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  const Generated& get(const Case& key) {
    auto it = made_.find(key);
    if (it != made_.end()) return it->second;
    if (root_.empty()) {
      root_ =
          fs::temp_directory_path() / ("pgrevise-planner-bench-" + std::to_string(std::random_device{}()));
      fs::create_directories(root_);
    }
    Generator gen(root_ / ((key.shape == kLinear ? "linear-" : "branches-") + std::to_string(key.count) +
                           "-id" + std::to_string(key.id_length)),
                  key.count, key.id_length);
    return made_.emplace(key, key.shape == kLinear ? gen.linear() : gen.branches()).first->second;
  }

 private:
  fs::path root_;
  std::map<Case, Generated> made_;
};

Corpus& corpus() {
  static Corpus c;
  return c;
}

const VersionColumnRef kVersionTable{.schema = "public",
                                     .name = "alembic_version",
                                     .sql_name = "\"public\".\"alembic_version\"",
                                     .display = "public.alembic_version"};

// The whole pipeline the runner goes through before touching the database, from a database whose version
// table Alembic created (varchar(32)).
void BM_LoadGraphPlan(benchmark::State& state) {
  const Generated& g = corpus().get(case_of(state));
  for (auto _ : state) {
    RevisionGraph graph = load_graph(g.dir);
    Plan plan = plan_upgrade(graph, "heads", {});
    check_ids_fit(graph, plan, kAlembicVersionWidth, kVersionTable, LengthUnit::kCharacters);
    if (plan.steps.size() != static_cast<size_t>(state.range(1))) state.SkipWithError("wrong plan size");
    benchmark::DoNotOptimize(plan);
  }
  state.counters["revisions"] = static_cast<double>(state.range(1));
  state.counters["heads"] = static_cast<double>(g.heads);
}

void BM_Load(benchmark::State& state) {
  const Generated& g = corpus().get(case_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(load_directory(g.dir));
}

void BM_BuildGraph(benchmark::State& state) {
  const Generated& g = corpus().get(case_of(state));
  std::vector<Script> scripts = load_directory(g.dir);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Script> copy = scripts;
    state.ResumeTiming();
    benchmark::DoNotOptimize(RevisionGraph::build(std::move(copy)));
  }
}

void BM_PlanUpgradeHeads(benchmark::State& state) {
  const Generated& g = corpus().get(case_of(state));
  RevisionGraph graph = load_graph(g.dir);
  for (auto _ : state) benchmark::DoNotOptimize(plan_upgrade(graph, "heads", {}));
}

void BM_PlanDowngradeBase(benchmark::State& state) {
  const Generated& g = corpus().get(case_of(state));
  RevisionGraph graph = load_graph(g.dir);
  std::vector<std::string> heads = plan_upgrade(graph, "heads", {}).heads_after;
  for (auto _ : state) benchmark::DoNotOptimize(plan_downgrade(graph, "base", heads));
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"branches", "revisions", "id"});
  for (int id_length : {12, 64})
    for (int shape : {kLinear, kBranches})
      for (int count : {1000, 10000}) b->Args({shape, count, id_length});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_LoadGraphPlan)->Apply(Shapes);
BENCHMARK(BM_Load)->Apply(Shapes);
BENCHMARK(BM_BuildGraph)->Apply(Shapes);
BENCHMARK(BM_PlanUpgradeHeads)->Apply(Shapes);
BENCHMARK(BM_PlanDowngradeBase)->Apply(Shapes);

}  // namespace

BENCHMARK_MAIN();
