#!/usr/bin/env bash
# pgrevise vs Alembic (Debian's python3-alembic, the same revisions as .py files doing op.execute).
#
#   bench/runner_vs_alembic.sh
#
# Cases:
#   - 200 revisions inserting one row each, from an empty database (target: pgrevise at least 3× faster);
#   - the commands every deploy runs on a database already at head: `upgrade heads` then `current`, each tool
#     as two processes, on the same 200-revision set (target: at least 10× faster).
# Medians of BENCH_RUNS runs; runs alternate between the tools. First, untimed: on a set with many branches and
# merges (several heads), psql's script, Alembic and pgrevise must end at the same heads with the same rows.
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

require_pgrevise
bench_setup

gen=$WORK/one-row-200
generate 200 one-row "$gen"
project=$gen/alembic

alembic_at_head() { run_alembic "$1" "$project" upgrade heads && run_alembic "$1" "$project" current; }
pgrevise_at_head() {
  pgrevise_migrate "$1" "$gen/migrations" upgrade heads && pgrevise_migrate "$1" "$gen/migrations" current
}

# 0. Agreement on branches and merges (untimed).
branches=$WORK/branches-60
generate 60 branches "$branches"
for tool in psql alembic pgrevise; do
  db=$(fresh_db "bench_agree_$tool")
  case $tool in
    psql) run_psql_script "$db" "$branches/upgrade.sql" ;;
    alembic)
      run_alembic "$db" "$branches/alembic" upgrade heads >/dev/null 2>&1 || die "alembic failed on the branches set"
      ;;
    pgrevise)
      [ "$HAVE_PGREVISE" = 1 ] || continue
      pgrevise_migrate "$db" "$branches/migrations" upgrade heads >/dev/null 2>&1 ||
        die "pgrevise failed on the branches set"
      ;;
  esac
  expect_heads "$db" "$branches" "$tool (branches set)"
  [ "$(sql "$db" "SELECT count(*) FROM bench_rows")" = 60 ] || die "$tool did not apply all 60 branch revisions"
done
log "branches and merges: the tools agree on heads $(tr '\n' ' ' <"$branches/heads")"

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
