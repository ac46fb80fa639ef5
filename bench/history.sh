#!/usr/bin/env bash
# History independence: applying one revision on top of 50,000 history rows costs no more than on an empty
# history (target: < 50 ms more; Flyway and Liquibase slow to seconds and minutes here).
#
#   bench/history.sh
#
# Two databases at revision r00001 (applied by pgrevise, which creates its history table
# <version_table>_history = alembic_version_history); one of them gets 50,000 more history rows
# (bench/lib/prefill_history.sql). Each run times `migrate upgrade heads` (applying r00002) on both, then
# downgrades both to r00001 untimed. Medians of HISTORY_RUNS runs (default 12: the effect is a few milliseconds,
# so it needs more runs than the other cases; even, so that each database goes first equally often).
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

HISTORY_ROWS=${HISTORY_ROWS:-50000}
HISTORY_RUNS=${HISTORY_RUNS:-12}
HISTORY_TABLE=alembic_version_history
require_pgrevise
bench_setup
name="1 revision on top of $(thousands "$HISTORY_ROWS") history rows"
if [ "$HAVE_PGREVISE" = 0 ]; then
  record "$name" "missing" "empty history" "n/a" "< 50 ms more" "n/a"
  finish
  exit 0
fi

gen=$WORK/one-row-2
generate 2 one-row "$gen" --no-alembic
migrations=$gen/migrations

prepare() {
  local db
  db=$(fresh_db "$1")
  pgrevise_migrate "$db" "$migrations" upgrade r00001 >/dev/null 2>&1 || die "pgrevise could not apply r00001"
  [ "$(sql "$db" "SELECT to_regclass('public.$HISTORY_TABLE') IS NOT NULL")" = t ] ||
    die "pgrevise created no history table public.$HISTORY_TABLE (see src/db/ for its name)"
  echo "$db"
}
empty_db=$(prepare bench_history_empty)
full_db=$(prepare bench_history_full)
psql -X -q -v schema=public -v table=$HISTORY_TABLE -v rows="$HISTORY_ROWS" -d "$full_db" \
  -f "$BENCH_ROOT/bench/lib/prefill_history.sql" >/dev/null 2>"$WORK/prefill.log" ||
  die "could not pre-fill $HISTORY_TABLE: $(cat "$WORK/prefill.log")"
rows=$(sql "$full_db" "SELECT count(*) FROM $HISTORY_TABLE")
[ "$rows" -ge "$HISTORY_ROWS" ] || die "history pre-fill left $rows rows"
log "history: $rows rows in the full database, $(sql "$empty_db" "SELECT count(*) FROM $HISTORY_TABLE") in the other"

empty_times=() full_times=()
for run in $(seq 1 "$HISTORY_RUNS"); do
  for which in $([ $((run % 2)) = 1 ] && echo "empty full" || echo "full empty"); do
    db=$empty_db
    if [ "$which" = full ]; then db=$full_db; fi
    us=$(elapsed_us pgrevise_migrate "$db" "$migrations" upgrade heads)
    [ "$(heads_of "$db")" = r00002 ] || die "upgrade did not reach r00002 on the $which history"
    if [ "$which" = full ]; then full_times+=("$us"); else empty_times+=("$us"); fi
    pgrevise_migrate "$db" "$migrations" downgrade r00001 >/dev/null 2>&1 || die "downgrade to r00001 failed"
  done
  log "history: run $run/$HISTORY_RUNS done"
done
full=$(median "${full_times[@]}")
empty=$(median "${empty_times[@]}")
delta_ms=$(awk -v f="$full" -v e="$empty" 'BEGIN { printf "%+.1f", (f - e) / 1000 }')
met=$(awk -v f="$full" -v e="$empty" 'BEGIN { print ((f - e) < 50000) ? "yes" : "no" }')
record "$name" "$(human_us "$full")" "empty history $(human_us "$empty")" "${delta_ms} ms" "< 50 ms more" "$met"
finish
