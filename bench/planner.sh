#!/usr/bin/env bash
# Planner: loading and planning 1,000 and 10,000 revision files, linear and with many branches and merges, with
# 12-character and 64-character revision ids (target < 300 ms for 10,000). No database is involved.
#
#   bench/planner.sh
#
# In-process figures come from the Google Benchmark binary bench/planner_bench (BM_LoadGraphPlan: read every file,
# build the graph, plan `upgrade heads`, check every id fits the version table), found at PLANNER_BENCH or beside the pgrevise binary's build tree
# (BUILD/bench/planner_bench; configure with -DPGREVISE_BUILD_BENCH=ON). The whole process is timed too:
# `pgrevise migrate upgrade heads --sql` on the 10,000-file sets, which loads, plans and also renders the SQL.
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

PLANNER_BENCH=${PLANNER_BENCH:-$(dirname "$PGREVISE")/../../bench/planner_bench}
require_pgrevise
offline_setup

# 1. In-process (Google Benchmark).
if [ -x "$PLANNER_BENCH" ]; then
  log "planner: $PLANNER_BENCH --benchmark_filter=BM_LoadGraphPlan"
  "$PLANNER_BENCH" --benchmark_filter='^BM_LoadGraphPlan/' --benchmark_format=json >"$WORK/planner.json" \
    2>"$WORK/planner.err" || die "planner_bench failed: $(tail -5 "$WORK/planner.err")"
  "$PYTHON" - "$WORK/planner.json" >>"$BENCH_RESULTS" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration" or "error_occurred" in b:
        continue
    parts = dict(p.split(":") for p in b["name"].split("/")[1:])
    n, shape = int(parts["revisions"]), ("branches and merges" if parts["branches"] == "1" else "linear")
    ids = f"{parts.get('id', '12')}-character ids"
    ms = b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    target, met = ("< 300 ms", "yes" if ms < 300 else "no") if n >= 10000 else ("—", "—")
    print(f"load + plan {n:,} files, {shape}, {ids} (in process)\t{ms:.1f} ms\t—\t{ms:.1f} ms\t{target}\t{met}")
PY
else
  log "planner: no planner_bench at $PLANNER_BENCH (configure with -DPGREVISE_BUILD_BENCH=ON); in-process rows skipped"
  record "load + plan 10,000 files (in process)" "missing" "—" "n/a" "< 300 ms" "n/a"
fi

# 2. The whole process, without a database.
for kind in one-row branches; do
  gen=$WORK/$kind-10000
  generate 10000 "$kind" "$gen" --no-alembic
  times=()
  for _ in $(seq 1 "$RUNS"); do
    times+=("$(elapsed_us "$PGREVISE" migrate upgrade heads --sql --dir "$gen/migrations")")
  done
  shape=linear
  if [ "$kind" = branches ]; then shape="branches and merges"; fi
  us=$(median "${times[@]}")
  record "migrate upgrade heads --sql, 10,000 files, $shape (whole process)" "$(human_us "$us")" "—" \
    "$(human_us "$us")" "info (also renders SQL)" "—"
done
finish
