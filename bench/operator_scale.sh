#!/usr/bin/env bash
# Operator at scale: `pgrevise operator` against the fake API server with 1,000 PostgresMigration resources in
# 20 namespaces (each with its own version table in one database of the throwaway cluster). Peak RSS (target
# < 40 MB), target bump -> Job created p50/p99 (target p99 < 100 ms), API requests and CPU time during 60 idle
# seconds (target: no request beyond lease renewals and open watches). See bench/operator_scale.cpp.
#
#   bench/operator_scale.sh        (OPERATOR_RESOURCES=1000 OPERATOR_NAMESPACES=20 OPERATOR_BUMPS=200
#                                   OPERATOR_BACKUP_BUMPS=50 OPERATOR_IDLE_SECONDS=60;
#                                   OPERATOR_ARGS: more `pgrevise operator` flags, space-separated,
#                                   e.g. "--log-level debug" for the reconcile timings in the operator log;
#                                   OPERATOR_LOG: keep the operator's log at this path)
#
# The benchmark binary is found at OPERATOR_SCALE_BENCH or beside the pgrevise binary's build tree
# (BUILD/bench/operator_scale_bench; configure with -DPGREVISE_BUILD_BENCH=ON, tests on).
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

OPERATOR_SCALE_BENCH=${OPERATOR_SCALE_BENCH:-$(dirname "$PGREVISE")/../../bench/operator_scale_bench}
require_pgrevise
if [ "$HAVE_PGREVISE" = 0 ] || [ ! -x "$OPERATOR_SCALE_BENCH" ]; then
  log "operator: no operator_scale_bench at $OPERATOR_SCALE_BENCH (configure with -DPGREVISE_BUILD_BENCH=ON)"
  if [ -z "${BENCH_RESULTS:-}" ]; then exit 3; fi
  record "operator at scale" "missing" "—" "n/a" "< 40 MB; p99 < 100 ms; idle: leases and watches only" "n/a"
  exit 0
fi
bench_setup
db=$(fresh_db bench_operator_scale)
log "operator: $(thousands "${OPERATOR_RESOURCES:-1000}") resources, ${OPERATOR_NAMESPACES:-20} namespaces"
operator_args=()
for arg in ${OPERATOR_ARGS:-}; do operator_args+=(--operator-arg "$arg"); done
"$OPERATOR_SCALE_BENCH" --pgrevise "$PGREVISE" --database-url "$db" --results "$BENCH_RESULTS" \
  --work-dir "$WORK/operator" --resources "${OPERATOR_RESOURCES:-1000}" --namespaces "${OPERATOR_NAMESPACES:-20}" \
  --bumps "${OPERATOR_BUMPS:-200}" --backup-bumps "${OPERATOR_BACKUP_BUMPS:-50}" \
  --idle-seconds "${OPERATOR_IDLE_SECONDS:-60}" "${operator_args[@]}" >"$WORK/operator.out" 2>"$WORK/operator.err" || {
  redact_urls <"$WORK/operator.err" | tail -n 20 >&2
  tail -n 20 "$WORK/operator/operator.log" 2>/dev/null | redact_urls >&2
  die "operator_scale_bench failed"
}
redact_urls <"$WORK/operator.err" >&2
if [ -n "${OPERATOR_LOG:-}" ]; then redact_urls <"$WORK/operator/operator.log" >"$OPERATOR_LOG"; fi
finish
