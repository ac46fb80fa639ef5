#!/usr/bin/env bash
# pgrevise backup (with verification, checksum and manifest) against bare pg_dump with the same format and
# compression, on a pgbench database of scale 50 (about 750 MB) in a throwaway cluster.
#
#   bench/backup_bench.sh [PGREVISE_BINARY] [RUNS] [SCALE]
#
# Runs alternate (pg_dump, pgrevise --verify full, pgrevise --verify toc) so that drift in machine load hits all
# alike; prints each time, the medians and the ratios of the medians.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/src/app/pgrevise}
runs=${2:-3}
scale=${3:-50}
[ -x "$bin" ] || { echo "no pgrevise binary at $bin (build it, or pass its path)" >&2; exit 2; }

work=$(mktemp -d /tmp/pgrevise-backup-bench.XXXXXX)
chmod 755 "$work"  # the server runs as the postgres user when we are root
cluster=$work/pg
out=$work/out
mkdir -p "$out"
cleanup() { "$root/scripts/dev-postgres" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

url=$("$root/scripts/dev-postgres" start "$cluster")
db_url=${url%/postgres}/bench
psql "$url" -qc "CREATE DATABASE bench"
echo "pgbench -i -s $scale ..." >&2
pgbench -i -q -s "$scale" "$db_url" >/dev/null 2>&1
size=$(psql "$db_url" -Atc "SELECT pg_size_pretty(pg_database_size('bench'))")

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -a t_dump t_full t_toc
for i in $(seq 1 "$runs"); do
  sync
  s=$(now); pg_dump --format=custom --compress=1 --file="$out/bare.dump" --dbname="$db_url"; e=$(now)
  t_dump+=("$(elapsed "$s" "$e")"); rm -f "$out/bare.dump"

  s=$(now); "$bin" backup --database-url "$db_url" --out "$out" --name "full-$i" --compress 1 --verify full >/dev/null; e=$(now)
  t_full+=("$(elapsed "$s" "$e")"); rm -f "$out"/full-"$i".*

  s=$(now); "$bin" backup --database-url "$db_url" --out "$out" --name "toc-$i" --compress 1 --verify toc >/dev/null; e=$(now)
  t_toc+=("$(elapsed "$s" "$e")"); rm -f "$out"/toc-"$i".*
  echo "run $i: pg_dump ${t_dump[-1]}s  pgrevise(full) ${t_full[-1]}s  pgrevise(toc) ${t_toc[-1]}s" >&2
done

m_dump=$(printf '%s\n' "${t_dump[@]}" | median)
m_full=$(printf '%s\n' "${t_full[@]}" | median)
m_toc=$(printf '%s\n' "${t_toc[@]}" | median)
echo "database: pgbench scale $scale ($size), format custom, compress 1, $runs runs, $(nproc) cores, $(date -u +%FT%TZ)"
printf 'pg_dump (bare)               median %7.2fs\n' "$m_dump"
printf 'pgrevise backup --verify full median %7.2fs  ratio %.3f\n' "$m_full" "$(echo "$m_full / $m_dump" | bc -l)"
printf 'pgrevise backup --verify toc  median %7.2fs  ratio %.3f\n' "$m_toc" "$(echo "$m_toc / $m_dump" | bc -l)"
