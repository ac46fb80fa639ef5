#!/usr/bin/env bash
# `pgrevise backup` (with its verification, checksum and manifest) vs a bare pg_dump with the same format and
# compression, on a pgbench database (target ≤ 1.10×).
#
#   bench/backup_vs_pg_dump.sh          (BACKUP_SCALE=50 by default, about 750 MB; BACKUP_RUNS=3)
#
# pg_dump: `pg_dump -Fc -Z 1 -f FILE`; pgrevise: `pgrevise backup --format custom --compress 1 --out DIR`
# (its defaults, spelled out; the default verification, full, has pg_restore decompress every data block while
# pg_dump runs), and the same with --verify toc (the table of contents read back from the stream and the SHA-256:
# the verification the backup issue defines). Each run writes to an empty directory; runs alternate; medians.
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

BACKUP_SCALE=${BACKUP_SCALE:-50}
BACKUP_RUNS=${BACKUP_RUNS:-3}
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbench" ] || die "pgbench not found (Debian package postgresql; run scripts/install-deps)"

have_backup=0
if [ -x "$PGREVISE" ] && "$PGREVISE" backup --help >/dev/null 2>&1; then
  have_backup=1
elif [ "$BENCH_ALLOW_MISSING" != 1 ]; then
  echo "bench: '$PGREVISE backup' is not available (build pgrevise with the backup module, or set" \
    "BENCH_ALLOW_MISSING=1 to measure only pg_dump)" >&2
  exit 3
fi
bench_setup

db=$(fresh_db bench_backup)
log "backup: pgbench -i -s $BACKUP_SCALE (this takes a while)"
"$pgbench" -i -q -s "$BACKUP_SCALE" -d "$db" >"$WORK/pgbench.log" 2>&1 ||
  die "pgbench -i failed: $(tail -5 "$WORK/pgbench.log")"
log "backup: database size $(sql "$db" "SELECT pg_size_pretty(pg_database_size(current_database()))")"

bare_pg_dump() { rm -rf "$WORK/dump" && mkdir "$WORK/dump" && pg_dump -Fc -Z 1 -f "$WORK/dump/db.pgdump" -d "$db"; }
pgrevise_backup() {
  rm -rf "$WORK/backups" && mkdir "$WORK/backups" &&
    "$PGREVISE" backup --database-url "$db" --out "$WORK/backups" --format custom --compress 1 "$@"
}
pgrevise_backup_toc() { pgrevise_backup --verify toc; }

dump_times=() pg_times=() toc_times=()
for run in $(seq 1 "$BACKUP_RUNS"); do
  for tool in $([ $((run % 2)) = 1 ] && echo "pg_dump pgrevise toc" || echo "toc pgrevise pg_dump"); do
    if [ "$tool" = pg_dump ]; then
      dump_times+=("$(elapsed_us bare_pg_dump)")
    elif [ "$have_backup" = 1 ]; then
      if [ "$tool" = toc ]; then toc_times+=("$(elapsed_us pgrevise_backup_toc)"); else
        pg_times+=("$(elapsed_us pgrevise_backup)"); fi
      ls "$WORK"/backups/*.manifest.json >/dev/null 2>&1 || die "pgrevise backup wrote no manifest"
    fi
  done
  log "backup: run $run/$BACKUP_RUNS done"
done
size=$(du -sh "$WORK/dump" | cut -f1)
pg=missing toc=missing
if [ "$have_backup" = 1 ]; then pg=$(median "${pg_times[@]}") toc=$(median "${toc_times[@]}"); fi
record_ratio "verified backup (--verify toc) vs pg_dump (pgbench scale $BACKUP_SCALE, custom -Z 1, $size)" \
  "$toc" pg_dump "$(median "${dump_times[@]}")" 1.10
record_ratio "verified backup (default --verify full) vs pg_dump (pgbench scale $BACKUP_SCALE, $size)" "$pg" \
  pg_dump "$(median "${dump_times[@]}")" 1.10
finish
