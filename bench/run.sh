#!/usr/bin/env bash
# Runs pgrevise's benchmarks side by side with psql, Alembic and pg_dump and prints one table of ratios.
#
#   bench/run.sh [--quick] [--reference-only] [--binary PATH] [--only NAME[,NAME]] [--output FILE]
#
#   --quick            3 runs per measurement instead of 5 (history: 6 instead of 12), 2,000 instead of 10,000
#                      revisions for memory,
#                      pgbench scale 10 instead of 50 for the backup, 50 + 20 target bumps instead of
#                      200 + 50 for the operator
#   --reference-only   run even when the pgrevise runner is missing (its cells show "missing")
#   --binary PATH      the pgrevise binary (default: build/src/app/pgrevise; or set PGREVISE)
#   --only NAMES       a subset of: psql, alembic, history, rss, backup, planner, lint, parse, operator
#   --output FILE      also write the Markdown table (with date, machine and command) to FILE
#
# Each script starts and stops its own throwaway PostgreSQL cluster (scripts/dev-postgres). Exit status: 0 when
# every measurement ran (targets missed are shown in the table, not as a failure), 3 when the runner is missing
# (without --reference-only), 1 when a measurement failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command_line="bench/run.sh $*"
only="psql,alembic,history,rss,backup,planner,lint,parse,operator"
output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick)
      export BENCH_RUNS=${BENCH_RUNS:-3} RSS_REVISIONS=${RSS_REVISIONS:-2000} BACKUP_SCALE=${BACKUP_SCALE:-10}
      export HISTORY_RUNS=${HISTORY_RUNS:-6} OPERATOR_BUMPS=${OPERATOR_BUMPS:-50}
      export OPERATOR_BACKUP_BUMPS=${OPERATOR_BACKUP_BUMPS:-20}
      ;;
    --reference-only) export BENCH_ALLOW_MISSING=1 ;;
    --binary)
      PGREVISE=$(realpath "$2")
      export PGREVISE
      shift
      ;;
    --only) only=$2; shift ;;
    --output) output=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$here/lib/common.sh"
# Fails here, before any work, when the runner is needed and missing.
if [ "$only" != backup ]; then require_pgrevise; fi
if [ "$HAVE_PGREVISE" = 0 ]; then only=${only//planner/}; only=${only//lint/}; only=${only//parse/}; only=${only//operator/}; fi  # no reference half

results=$(mktemp /tmp/pgrevise-bench-results.XXXXXX)
trap 'rm -f "$results"' EXIT
export BENCH_RESULTS=$results

declare -A scripts=([psql]=runner_vs_psql.sh [alembic]=runner_vs_alembic.sh [history]=history.sh
  [rss]=runner_rss.sh [backup]=backup_vs_pg_dump.sh [planner]=planner.sh [lint]=lint.sh [parse]=upgrade_parse_cost.sh
  [operator]=operator_scale.sh)
for name in psql alembic history rss backup planner lint parse operator; do
  case ",$only," in *",$name,"*) ;; *) continue ;; esac
  log "=== bench/${scripts[$name]}"
  "$here/${scripts[$name]}"
done

pgrevise_version=missing
if [ -x "$PGREVISE" ]; then pgrevise_version=$("$PGREVISE" version 2>/dev/null || echo unknown); fi
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
{
  echo "Date: $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $memory RAM, $(uname -sr)"
  alembic_version=$("$PYTHON" -c 'import alembic; print(alembic.__version__)')
  echo "Versions: $pgrevise_version; $(psql --version | head -1); Alembic $alembic_version"
  echo "Command: $command_line (median of ${BENCH_RUNS:-5} runs per measurement)"
  echo
  print_table "$results"
} | tee ${output:+"$output"}
