#!/usr/bin/env bash
# Runs check_migrations.py on a fresh database of a running cluster, then drops it.
#
#   check_example_migrations.sh SERVER_URL [MIGRATIONS_DIR]
#
# SERVER_URL: a superuser URL of a throwaway cluster (scripts/dev-postgres start DIR prints one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 SERVER_URL [MIGRATIONS_DIR]" >&2; exit 2; }
server=$1
migrations=${2:-$here/../../migrations}
db=example_migrations_check
psql -X -q -d "$server" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -X -q -d "$server" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
/usr/bin/python3 "$here/check_migrations.py" "${server%/*}/$db" "$migrations" --seed
