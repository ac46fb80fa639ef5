#!/usr/bin/env bash
# Runner memory: peak RSS of `pgrevise migrate upgrade heads` applying 10,000 revisions (target < 40 MB),
# measured with GNU time (/usr/bin/time -v; Debian package `time`). psql running the equivalent script is
# shown beside it for scale, with both wall times.
#
#   bench/runner_rss.sh            (RSS_REVISIONS=10000 by default)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

RSS_REVISIONS=${RSS_REVISIONS:-10000}
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: run scripts/install-deps (package 'time')"
require_pgrevise
bench_setup

gen=$WORK/one-row-$RSS_REVISIONS
generate "$RSS_REVISIONS" one-row "$gen" --no-alembic

# peak_rss_kb LOG: GNU time's "Maximum resident set size (kbytes)".
peak_rss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
human_kb() { awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'; }

db=$(fresh_db bench_rss_psql)
start=$(date +%s%N)
/usr/bin/time -v -o "$WORK/psql.time" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$gen/upgrade.sql" >/dev/null ||
  die "psql failed on the $RSS_REVISIONS-revision script"
psql_us=$((($(date +%s%N) - start) / 1000))
expect_heads "$db" "$gen" psql
psql_kb=$(peak_rss_kb "$WORK/psql.time")
name="peak RSS applying $(thousands "$RSS_REVISIONS") revisions"
reference="psql $(human_kb "$psql_kb") in $(human_us "$psql_us")"

if [ "$HAVE_PGREVISE" = 0 ]; then
  record "$name" "missing" "$reference" "n/a" "< 40 MB" "n/a"
  finish
  exit 0
fi
db=$(fresh_db bench_rss_pgrevise)
start=$(date +%s%N)
/usr/bin/time -v -o "$WORK/pgrevise.time" "$PGREVISE" migrate upgrade heads --dir "$gen/migrations" \
  --database-url "$db" >"$WORK/pgrevise.log" 2>&1 ||
  { redact_urls <"$WORK/pgrevise.log" | tail -n 20 >&2; die "pgrevise failed on $RSS_REVISIONS revisions"; }
pg_us=$((($(date +%s%N) - start) / 1000))
expect_heads "$db" "$gen" pgrevise
pg_kb=$(peak_rss_kb "$WORK/pgrevise.time")
met=$(awk -v kb="$pg_kb" 'BEGIN { print (kb < 40 * 1024) ? "yes" : "no" }')
record "$name" "$(human_kb "$pg_kb") in $(human_us "$pg_us")" "$reference" "$(human_kb "$pg_kb")" "< 40 MB" "$met"
finish
