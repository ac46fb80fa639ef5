# shellcheck shell=bash
# Shared helpers of the benchmark scripts in bench/. Source it; it sets `set -euo pipefail`.
#
# Environment:
#   PGREVISE             the pgrevise binary (default: build/src/app/pgrevise in the source tree)
#   BENCH_RUNS           timed runs per measurement; the median is reported (default 5)
#   BENCH_ALLOW_MISSING  1: when the pgrevise runner is missing, still measure psql / Alembic and mark pgrevise
#                        "missing" (default: fail with exit status 3)
#   BENCH_RESULTS        file the result rows are appended to (run.sh sets it; standalone scripts print their own)
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PGREVISE=${PGREVISE:-$BENCH_ROOT/build/src/app/pgrevise}
PYTHON=/usr/bin/python3
RUNS=${BENCH_RUNS:-5}
BENCH_ALLOW_MISSING=${BENCH_ALLOW_MISSING:-0}
HAVE_PGREVISE=0
CLUSTER_DIR=""
SERVER_URL=""
WORK=""
STANDALONE_RESULTS=0

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Hides the password of any URL in the text (the throwaway cluster's password never reaches a log).
redact_urls() { sed -E 's#(://[^:/@ ]+:)[^@ ]*@#\1***@#g'; }

die() {
  echo "bench: $*" | redact_urls >&2
  exit 1
}

# --- the binary under test ---------------------------------------------------------------------------------------

pgrevise_available() {
  [ -x "$PGREVISE" ] && "$PGREVISE" migrate --help >/dev/null 2>&1
}

require_pgrevise() {
  if pgrevise_available; then
    HAVE_PGREVISE=1
    return 0
  fi
  if [ "$BENCH_ALLOW_MISSING" = 1 ]; then
    HAVE_PGREVISE=0
    log "pgrevise runner not available ($PGREVISE): measuring psql and Alembic only"
    return 0
  fi
  cat >&2 <<EOF
bench: the pgrevise runner is not available: $PGREVISE
       (it must exist and have the 'migrate' command). Build it (cmake --build build --target pgrevise),
       or point PGREVISE at a built binary, or set BENCH_ALLOW_MISSING=1 (run.sh --reference-only) to
       measure only the psql and Alembic halves.
EOF
  exit 3
}

# pgrevise_migrate URL DIR ARGS...: the runner's command line as the benchmarks use it.
pgrevise_migrate() {
  local url=$1 dir=$2
  shift 2
  "$PGREVISE" migrate "$@" --dir "$dir" --database-url "$url"
}

# --- a throwaway cluster and scratch space, removed on exit -----------------------------------------------------

cleanup() {
  if [ -n "$CLUSTER_DIR" ]; then "$BENCH_ROOT/scripts/dev-postgres" stop "$CLUSTER_DIR" >/dev/null 2>&1 || true; fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  if [ "$STANDALONE_RESULTS" = 1 ] && [ -f "${BENCH_RESULTS:-}" ]; then rm -f "$BENCH_RESULTS"; fi
}

# offline_setup: scratch directory WORK and result file, removed on exit, for a benchmark without a database.
offline_setup() {
  WORK=$(mktemp -d /tmp/pgrevise-bench-work.XXXXXX)
  chmod 755 "$WORK"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  if [ -z "${BENCH_RESULTS:-}" ]; then
    BENCH_RESULTS=$(mktemp /tmp/pgrevise-bench-results.XXXXXX)
    STANDALONE_RESULTS=1
  fi
}

# bench_setup: offline_setup, and a throwaway cluster SERVER_URL, removed on exit.
bench_setup() {
  offline_setup
  CLUSTER_DIR=$WORK-pg
  log "starting a throwaway PostgreSQL cluster"
  SERVER_URL=$("$BENCH_ROOT/scripts/dev-postgres" start "$CLUSTER_DIR")
}

# fresh_db NAME: drops and creates database NAME; prints its URL.
fresh_db() {
  local name=$1
  psql -X -q -d "$SERVER_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1 ||
    die "could not create database $name"
  echo "${SERVER_URL%/*}/$name"
}

# sql URL QUERY: one value, unaligned.
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# heads_of URL [TABLE]: the rows of the version table, sorted, space-separated.
heads_of() {
  sql "$1" "SELECT coalesce(string_agg(version_num, ' ' ORDER BY version_num), '') FROM ${2:-alembic_version}"
}

# expect_heads URL GEN_DIR WHO: the version table must hold exactly the generated set's heads.
expect_heads() {
  local want got
  want=$(sort "$2/heads" | tr '\n' ' ' | sed 's/ $//')
  got=$(heads_of "$1")
  [ "$got" = "$want" ] || die "$3 left heads '$got', expected '$want'"
}

# --- the three tools --------------------------------------------------------------------------------------------

run_psql_script() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >/dev/null; }
run_alembic() {
  local url=$1 project=$2
  shift 2
  DATABASE_URL=$url "$PYTHON" -m alembic -c "$project/alembic.ini" "$@"
}

# generate N KIND DIR [options]: bench/lib/gen_migrations.py.
generate() { "$PYTHON" "$BENCH_ROOT/bench/lib/gen_migrations.py" "$@" >&2; }

# --- timing -----------------------------------------------------------------------------------------------------

# elapsed_us CMD...: runs CMD (its output kept in $WORK/last.log) and prints its wall-clock time in microseconds.
# A failing command stops the benchmark with its output: a fast failure must never count as a fast run.
elapsed_us() {
  local start end
  start=$(date +%s%N)
  if ! "$@" >"$WORK/last.log" 2>&1; then
    {
      echo "bench: command failed: $*"
      tail -n 20 "$WORK/last.log"
    } | redact_urls >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

# median NUMBERS...
median() {
  printf '%s\n' "$@" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# thousands N: 50000 -> 50,000 (independent of the locale).
thousands() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# human_us MICROSECONDS: "12.3 ms" or "4.56 s".
human_us() { awk -v us="$1" 'BEGIN { if (us >= 1000000) printf "%.2f s", us / 1e6; else printf "%.1f ms", us / 1e3 }'; }

# --- results ----------------------------------------------------------------------------------------------------

# record BENCHMARK PGREVISE REFERENCE RESULT TARGET MET: one table row (tab-separated in BENCH_RESULTS).
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS"
  log "result: $1: pgrevise $2; $3; $4 (target $5: $6)"
}

# record_ratio BENCHMARK PG_US REF_NAME REF_US MAX_RATIO: pgrevise time / reference time, target ratio <= MAX.
record_ratio() {
  local name=$1 pg=$2 ref_name=$3 ref=$4 max=$5
  if [ "$pg" = missing ]; then
    record "$name" "missing" "$ref_name $(human_us "$ref")" "n/a" "≤ ${max}×" "n/a"
    return
  fi
  local ratio met
  ratio=$(awk -v a="$pg" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
  met=$(awk -v r="$ratio" -v m="$max" 'BEGIN { print (r <= m) ? "yes" : "no" }')
  record "$name" "$(human_us "$pg")" "$ref_name $(human_us "$ref")" "${ratio}×" "≤ ${max}×" "$met"
}

# record_speedup BENCHMARK PG_US REF_NAME REF_US MIN_SPEEDUP: reference time / pgrevise time, target >= MIN.
record_speedup() {
  local name=$1 pg=$2 ref_name=$3 ref=$4 min=$5
  if [ "$pg" = missing ]; then
    record "$name" "missing" "$ref_name $(human_us "$ref")" "n/a" "≥ ${min}× faster" "n/a"
    return
  fi
  local speedup met
  speedup=$(awk -v a="$ref" -v b="$pg" 'BEGIN { printf "%.1f", a / b }')
  met=$(awk -v s="$speedup" -v m="$min" 'BEGIN { print (s >= m) ? "yes" : "no" }')
  record "$name" "$(human_us "$pg")" "$ref_name $(human_us "$ref")" "${speedup}× faster" "≥ ${min}× faster" "$met"
}

# print_table FILE: the rows as a Markdown table.
print_table() {
  echo "| benchmark | pgrevise | reference | result | target | met |"
  echo "| --- | --- | --- | --- | --- | --- |"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$1"
}

# finish: a standalone script prints its own rows.
finish() {
  if [ "$STANDALONE_RESULTS" = 1 ]; then print_table "$BENCH_RESULTS"; fi
}
