// Planner benchmark: load a directory of migration files, build the revision graph and plan `upgrade heads`
// from an empty database, for 1,000 and 10,000 revisions shaped as one linear chain or as many branches and
// merges. The files are generated once per shape into a temporary directory (removed at exit).
//
//   planner_bench [--benchmark_filter=...]
//
// Target (issue: the migration runner): loading and planning 10,000 files in under 300 ms.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "revision/graph.h"
#include "revision/loader.h"
#include "revision/plan.h"
#include "revision/scaffold.h"

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
  Generator(fs::path dir, int count) : dir_(std::move(dir)), count_(count) {}

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
  std::string write(const std::vector<std::string>& down) {
    std::string id = hex_revision_id(static_cast<std::uint64_t>(written_ + 1) * 0x9E3779B97F4AULL);
    std::string text = "-- revision: " + id + "\n";
    if (!down.empty()) {
      text += "-- down_revision: ";
      for (size_t i = 0; i < down.size(); ++i) text += (i ? ", " : "") + down[i];
      text += "\n";
    }
    text += "-- message: step " + std::to_string(written_) + "\n\n-- +upgrade\nCREATE TABLE t" +
            std::to_string(written_) +
            " (id bigint PRIMARY KEY, note text DEFAULT 'a;b');\n\n-- +downgrade\nDROP TABLE t" +
            std::to_string(written_) + ";\n";
    fs::path folder = dir_ / ("part" + std::to_string(written_ / 500));
    fs::create_directories(folder);
    char name[32];
    std::snprintf(name, sizeof name, "%06d_%s.sql", written_, id.c_str());
    std::ofstream(folder / name) << text;
    ++written_;
    return id;
  }

  fs::path dir_;
  int count_;
  int written_ = 0;
};

class Corpus {
 public:
  ~Corpus() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  const Generated& get(Shape shape, int count) {
    auto key = std::make_pair(shape, count);
    auto it = made_.find(key);
    if (it != made_.end()) return it->second;
    if (root_.empty()) {
      root_ =
          fs::temp_directory_path() / ("pgrevise-planner-bench-" + std::to_string(std::random_device{}()));
      fs::create_directories(root_);
    }
    Generator gen(root_ / ((shape == kLinear ? "linear-" : "branches-") + std::to_string(count)), count);
    return made_.emplace(key, shape == kLinear ? gen.linear() : gen.branches()).first->second;
  }

 private:
  fs::path root_;
  std::map<std::pair<Shape, int>, Generated> made_;
};

Corpus& corpus() {
  static Corpus c;
  return c;
}

// The whole pipeline the runner goes through before touching the database.
void BM_LoadGraphPlan(benchmark::State& state) {
  const Generated& g = corpus().get(static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    RevisionGraph graph = load_graph(g.dir);
    Plan plan = plan_upgrade(graph, "heads", {});
    if (plan.steps.size() != static_cast<size_t>(state.range(1))) state.SkipWithError("wrong plan size");
    benchmark::DoNotOptimize(plan);
  }
  state.counters["revisions"] = static_cast<double>(state.range(1));
  state.counters["heads"] = static_cast<double>(g.heads);
}

void BM_Load(benchmark::State& state) {
  const Generated& g = corpus().get(static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(load_directory(g.dir));
}

void BM_BuildGraph(benchmark::State& state) {
  const Generated& g = corpus().get(static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)));
  std::vector<Script> scripts = load_directory(g.dir);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Script> copy = scripts;
    state.ResumeTiming();
    benchmark::DoNotOptimize(RevisionGraph::build(std::move(copy)));
  }
}

void BM_PlanUpgradeHeads(benchmark::State& state) {
  const Generated& g = corpus().get(static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)));
  RevisionGraph graph = load_graph(g.dir);
  for (auto _ : state) benchmark::DoNotOptimize(plan_upgrade(graph, "heads", {}));
}

void BM_PlanDowngradeBase(benchmark::State& state) {
  const Generated& g = corpus().get(static_cast<Shape>(state.range(0)), static_cast<int>(state.range(1)));
  RevisionGraph graph = load_graph(g.dir);
  std::vector<std::string> heads = plan_upgrade(graph, "heads", {}).heads_after;
  for (auto _ : state) benchmark::DoNotOptimize(plan_downgrade(graph, "base", heads));
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"branches", "revisions"});
  for (int shape : {kLinear, kBranches})
    for (int count : {1000, 10000}) b->Args({shape, count});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_LoadGraphPlan)->Apply(Shapes);
BENCHMARK(BM_Load)->Apply(Shapes);
BENCHMARK(BM_BuildGraph)->Apply(Shapes);
BENCHMARK(BM_PlanUpgradeHeads)->Apply(Shapes);
BENCHMARK(BM_PlanDowngradeBase)->Apply(Shapes);

}  // namespace

BENCHMARK_MAIN();
