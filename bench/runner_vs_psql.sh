#!/usr/bin/env bash
# pgrevise vs psql running the same SQL with the same per-revision transactions and version-table updates.
#
#   bench/runner_vs_psql.sh
#
# Cases: 100 and 1,000 small migrations (one table with 10 rows, or one index, each; target ≤ 1.15× psql) and
# 200 revisions inserting one row each (where the tool's own overhead dominates; target ≤ 1.0× psql).
# Each run starts from a fresh database; psql runs bench/lib/gen_migrations.py's upgrade.sql in one process, pgrevise
# runs `migrate upgrade heads` on the same files. Runs alternate between the tools; medians of BENCH_RUNS runs.
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

require_pgrevise
bench_setup

measure_case() {
  local n=$1 kind=$2 label=$3 max=$4
  local gen=$WORK/$kind-$n
  generate "$n" "$kind" "$gen" --no-alembic
  local psql_times=() pg_times=() run db us
  for run in $(seq 1 "$RUNS"); do
    # Alternate which tool goes first so neither always meets a warmer server.
    for tool in $([ $((run % 2)) = 1 ] && echo "psql pgrevise" || echo "pgrevise psql"); do
      if [ "$tool" = psql ]; then
        db=$(fresh_db bench_psql)
        us=$(elapsed_us run_psql_script "$db" "$gen/upgrade.sql")
        expect_heads "$db" "$gen" psql
        psql_times+=("$us")
      elif [ "$HAVE_PGREVISE" = 1 ]; then
        db=$(fresh_db bench_pgrevise)
        us=$(elapsed_us pgrevise_migrate "$db" "$gen/migrations" upgrade heads)
        expect_heads "$db" "$gen" pgrevise
        pg_times+=("$us")
      fi
    done
    log "$label: run $run/$RUNS done"
  done
  local pg=missing
  if [ "$HAVE_PGREVISE" = 1 ]; then pg=$(median "${pg_times[@]}"); fi
  record_ratio "$label" "$pg" psql "$(median "${psql_times[@]}")" "$max"
}

measure_case 100 small-ddl "100 small migrations vs psql" 1.15
measure_case 1000 small-ddl "1,000 small migrations vs psql" 1.15
measure_case 200 one-row "200 one-row revisions vs psql" 1.0
finish
