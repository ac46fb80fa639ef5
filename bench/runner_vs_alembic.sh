#!/usr/bin/env bash
# pgrevise vs Alembic (Debian's python3-alembic, the same revisions as .py files doing op.execute).
#
#   bench/runner_vs_alembic.sh
#
# Cases:
#   - 200 revisions inserting one row each, from an empty database (target: pgrevise at least 3× faster);
#   - the commands every deploy runs on a database already at head: `upgrade heads` then `current`, each tool
#     as two processes, on the same 200-revision set (target: at least 10× faster).
# Medians of BENCH_RUNS runs; runs alternate between the tools.
source "$(dirname "$0")/lib/common.sh"

require_pgrevise
bench_setup

gen=$WORK/one-row-200
generate 200 one-row "$gen"
project=$gen/alembic

alembic_at_head() { run_alembic "$1" "$project" upgrade heads && run_alembic "$1" "$project" current; }
pgrevise_at_head() { pgrevise_migrate "$1" "$gen/migrations" upgrade heads && pgrevise_migrate "$1" "$gen/migrations" current; }

# 1. 200 one-row revisions from empty.
alembic_times=() pg_times=()
for run in $(seq 1 "$RUNS"); do
  for tool in $([ $((run % 2)) = 1 ] && echo "alembic pgrevise" || echo "pgrevise alembic"); do
    if [ "$tool" = alembic ]; then
      db=$(fresh_db bench_alembic)
      us=$(elapsed_us run_alembic "$db" "$project" upgrade heads)
      expect_heads "$db" "$gen" alembic
      alembic_times+=("$us")
    elif [ "$HAVE_PGREVISE" = 1 ]; then
      db=$(fresh_db bench_pgrevise)
      us=$(elapsed_us pgrevise_migrate "$db" "$gen/migrations" upgrade heads)
      expect_heads "$db" "$gen" pgrevise
      pg_times+=("$us")
    fi
  done
  log "200 one-row revisions vs Alembic: run $run/$RUNS done"
done
pg=missing
if [ "$HAVE_PGREVISE" = 1 ]; then pg=$(median "${pg_times[@]}"); fi
record_speedup "200 one-row revisions vs Alembic" "$pg" Alembic "$(median "${alembic_times[@]}")" 3

# 2. At head: nothing to do, then report the current revision. Both tools share one database brought to head
# by the equivalent psql script, so they see the same version table.
db=$(fresh_db bench_at_head)
run_psql_script "$db" "$gen/upgrade.sql"
expect_heads "$db" "$gen" psql
alembic_times=() pg_times=()
for run in $(seq 1 "$RUNS"); do
  us=$(elapsed_us alembic_at_head "$db")
  grep -q "$(cat "$gen/heads")" "$WORK/last.log" || die "alembic current did not print the head"
  alembic_times+=("$us")
  if [ "$HAVE_PGREVISE" = 1 ]; then
    us=$(elapsed_us pgrevise_at_head "$db")
    grep -q "$(cat "$gen/heads")" "$WORK/last.log" || die "pgrevise migrate current did not print the head"
    pg_times+=("$us")
  fi
  expect_heads "$db" "$gen" "a run at head"
done
pg=missing
if [ "$HAVE_PGREVISE" = 1 ]; then pg=$(median "${pg_times[@]}"); fi
record_speedup "upgrade heads + current at head (200 revisions) vs Alembic" "$pg" Alembic \
  "$(median "${alembic_times[@]}")" 10
finish
