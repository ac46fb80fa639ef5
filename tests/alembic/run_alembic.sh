#!/usr/bin/env bash
# Runs Alembic (Debian's python3-alembic) on a project written by make_alembic_project.py.
#
#   run_alembic.sh DATABASE_URL PROJECT_DIR ALEMBIC_ARGS...
#   e.g. run_alembic.sh "$url" /tmp/proj upgrade heads
#        run_alembic.sh "$url" /tmp/proj current
#
# Exit status is Alembic's: 0 on success, 1 when Alembic refuses or the database fails.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 DATABASE_URL PROJECT_DIR ALEMBIC_ARGS..." >&2
  exit 2
fi
url=$1
project=$2
shift 2
if [ ! -f "$project/alembic.ini" ]; then
  echo "run_alembic.sh: $project/alembic.ini not found (generate it with make_alembic_project.py)" >&2
  exit 2
fi
DATABASE_URL=$url exec /usr/bin/python3 -m alembic -c "$project/alembic.ini" "$@"
