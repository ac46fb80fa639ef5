#!/usr/bin/env bash
# Offline lint: `pgrevise lint` over 10,000 revisions of five statements each (50,000 statements: tables, columns
# with defaults, indexes, constraints, function bodies; see lib/gen_lint_migrations.py), as a whole process with
# JSON output (target < 2 s). No database is involved.
#
#   bench/lint.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

require_pgrevise
offline_setup

log "lint: generating 10,000 revisions"
"$PYTHON" "$BENCH_ROOT/bench/lib/gen_lint_migrations.py" 10000 "$WORK/migrations"
times=()
for _ in $(seq 1 "$RUNS"); do
  times+=("$(elapsed_us "$PGREVISE" lint "$WORK/migrations" --output json --fail-on none)")
done
statements=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["statements"])' "$WORK/last.log")
findings=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$WORK/last.log")
us=$(median "${times[@]}")
met=$(awk -v us="$us" 'BEGIN { print (us < 2000000) ? "yes" : "no" }')
record "lint 10,000 revisions ($(thousands "$statements") statements, $(thousands "$findings") findings), whole process" \
  "$(human_us "$us")" "—" "$(human_us "$us")" "< 2 s" "$met"
finish
