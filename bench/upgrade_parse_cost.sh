#!/usr/bin/env bash
# What PostgreSQL's grammar (libpg_query) costs `migrate upgrade` on the 1,000 small migrations of
# runner_vs_psql.sh (target: at most 2% of the run). Two forms of the same set:
#   transactional      as generated: each revision is sent to the server whole, so nothing should be parsed;
#   non-transactional  every file given `-- transactional: false`: each revision is split into its statements
#                      by the grammar (sql::split), the worst case for the parser.
# For each form, one run under callgrind counts the client's instructions and the share of them inside the
# parser's entry points (pgrevise::sql::split and pgrevise::sql::parse, inclusive: libpg_query and the reading of
# its output): a share of instructions, independent of the machine's load. Then BENCH_RUNS timed runs (wall
# clock, and the client's user CPU time from /usr/bin/time) alternate with psql running the same SQL; the
# parser's time is estimated as its share of the client's user CPU time (the instructions callgrind counts are
# the process's own, not the kernel's), and reported against the run's wall clock.
#
#   bench/upgrade_parse_cost.sh
#
# Needs valgrind (callgrind_annotate) and /usr/bin/time. The binary should carry symbols (-g1 or more).
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

require_pgrevise
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null || die "valgrind is needed"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed"
bench_setup

# parser_share OUT_FILE: "PARSER_IR TOTAL_IR" from a callgrind profile.
parser_share() {
  callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$1" 2>/dev/null | "$PYTHON" -c '
import re, sys
# Callgrind lists a function once per source file its code came from (inlined headers); the entry with the most
# inclusive instructions is the whole function.
total, parser = 0, {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
    if not m:
        continue
    ir, what = int(m.group(1).replace(",", "")), m.group(2)
    function = re.search(r"pgrevise::sql::(split|parse)\(", what)
    if "PROGRAM TOTALS" in what:
        total = ir
    elif function:
        parser[function.group(1)] = max(parser.get(function.group(1), 0), ir)
print(sum(parser.values()), total)'
}

# client_cpu_us CMD...: runs CMD and prints the user CPU time it used, in microseconds.
client_cpu_us() {
  /usr/bin/time -f '%U' -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1 ||
    die "command failed: $(tail -5 "$WORK/last.log")"
  awk '{ printf "%d\n", $1 * 1e6 }' "$WORK/time.txt"
}

gen=$WORK/small-ddl-1000
generate 1000 small-ddl "$gen" --no-alembic
cp -r "$gen" "$WORK/nontx"
for f in "$WORK/nontx/migrations"/*.sql; do sed -i '1a -- transactional: false' "$f"; done

for form in transactional non-transactional; do
  dir=$gen/migrations
  if [ "$form" = non-transactional ]; then dir=$WORK/nontx/migrations; fi
  db=$(fresh_db bench_callgrind)
  log "$form: one run under callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    "$PGREVISE" migrate upgrade heads --dir "$dir" --database-url "$db" >"$WORK/last.log" 2>&1 ||
    die "callgrind run failed: $(tail -5 "$WORK/last.log")"
  expect_heads "$db" "$gen" pgrevise
  read -r parser_ir total_ir < <(parser_share "$WORK/callgrind.out")
  share=$(awk -v p="$parser_ir" -v t="$total_ir" 'BEGIN { printf "%.3f", 100 * p / t }')
  pg_times=() psql_times=() cpu_times=()
  for run in $(seq 1 "$RUNS"); do
    db=$(fresh_db bench_pgrevise)
    start=$(date +%s%N)
    cpu_times+=("$(client_cpu_us "$PGREVISE" migrate upgrade heads --dir "$dir" --database-url "$db")")
    pg_times+=($((($(date +%s%N) - start) / 1000)))
    expect_heads "$db" "$gen" pgrevise
    db=$(fresh_db bench_psql)
    psql_times+=("$(elapsed_us run_psql_script "$db" "$gen/upgrade.sql")")
    log "$form: run $run/$RUNS done"
  done
  wall=$(median "${pg_times[@]}")
  cpu=$(median "${cpu_times[@]}")
  psql_wall=$(median "${psql_times[@]}")
  parse_us=$(awk -v s="$share" -v c="$cpu" 'BEGIN { printf "%d", s / 100 * c }')
  of_run=$(awk -v p="$parse_us" -v w="$wall" 'BEGIN { printf "%.2f", 100 * p / w }')
  met=$(awk -v r="$of_run" 'BEGIN { print (r <= 2) ? "yes" : "no" }')
  record "parsing in migrate upgrade, 1,000 small migrations, $form" \
    "$(human_us "$wall") (client user CPU $(human_us "$cpu"); parser $share% of $(thousands "$total_ir") instructions)" \
    "psql $(human_us "$psql_wall")" "parser ≈ $(human_us "$parse_us") = $of_run% of the run" "≤ 2%" "$met"
done
finish
