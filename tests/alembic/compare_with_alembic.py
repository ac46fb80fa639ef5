"""Real Alembic against pgrevise on an imported project: the same schema and version rows at each target.

    /usr/bin/python3 tests/alembic/compare_with_alembic.py SERVER_URL PGREVISE_BINARY VERSIONS_DIR SQL_DIR \
        [TARGET ...] [--upto REV] [--pythonpath DIR]

VERSIONS_DIR is a project's folder of Alembic revisions (e.g. migrations/versions); SQL_DIR what
`pgrevise import alembic` made of it (with any `-- needs_sql:` section written by hand). The revisions run
under a generic env.py (the project's own usually imports its application), on a database of their own, as
`alembic upgrade TARGET`, or `downgrade TARGET` for `down:TARGET` (`down:base`); pgrevise
runs `migrate upgrade` / `downgrade` on another. After each target both must hold the same `pg_dump
--schema-only` (without pgrevise's history table and the version table's width) and alembic_version rows.
Default targets: heads, then base. --upto REV copies only REV and its ancestors into the Alembic project (a
revision file Alembic cannot import stops it from loading any), so a history can be compared up to a revision
that needs application code. --pythonpath puts the application's own helpers on the path of both
Alembic and the import, as an installed application would. Exit 0 when every target agrees.

This is how the histories from the field in docs/import-field-histories.md were compared.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_alembic  # noqa: E402
import pgrevise_files  # noqa: E402

ENV_PY = '''
import os
from alembic import context
from sqlalchemy import create_engine, pool

def run():
    engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()

run()
'''

INI = "[alembic]\nscript_location = %(here)s\n"


def ancestors_sources(sql_dir, upto):
    """The Python files (by base name, from the import's stamp lines) of `upto` and its ancestors."""
    by_id = {r.revision: r for r in pgrevise_files.load_directory(sql_dir)}
    wanted, todo = set(), [upto]
    while todo:
        revision = by_id[todo.pop()]
        if revision.revision not in wanted:
            wanted.add(revision.revision)
            todo.extend(revision.down_revisions + revision.depends_on)
    sources = set()
    for revision_id in wanted:
        with open(by_id[revision_id].path) as f:
            stamp = re.search(r"^-- Imported from Alembic \(pgrevise import alembic\): (.*), source sha256", f.read(), re.M)
        sources.add(os.path.basename(stamp.group(1)))
    return sources


def generic_project(versions_dir, work, only=None):
    project = os.path.join(work, "project")

    def ignored(folder, names):
        skipped = {n for n in names if n == "__pycache__"}
        if only is not None and os.path.samefile(folder, versions_dir):
            skipped |= {n for n in names if n.endswith(".py") and n not in only}
        return skipped

    shutil.copytree(versions_dir, os.path.join(project, "versions"), ignore=ignored)
    with open(os.path.join(project, "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(project, "alembic.ini"), "w") as f:
        f.write(INI)
    return project


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("binary")
    parser.add_argument("versions_dir")
    parser.add_argument("sql_dir")
    parser.add_argument("targets", nargs="*", default=["heads", "down:base"])
    parser.add_argument("--pythonpath", default="")
    parser.add_argument("--upto", default=None)
    args = parser.parse_args()
    env = {"PYTHONPATH": args.pythonpath} if args.pythonpath else {}
    pgrevise = import_alembic.Pgrevise(args.binary)
    with tempfile.TemporaryDirectory() as work:
        only = ancestors_sources(args.sql_dir, args.upto) if args.upto else None
        project = generic_project(args.versions_dir, work, only)
        alembic_url = import_alembic.database(args.server, "compare_alembic")
        pgrevise_url = import_alembic.database(args.server, "compare_pgrevise")
        for target in args.targets:
            command, target = ("downgrade", target[5:]) if target.startswith("down:") else ("upgrade", target)
            a = import_alembic.run([import_alembic.PYTHON, "-m", "alembic", "-c", os.path.join(project, "alembic.ini"),
                                    command, target], env=dict(env, DATABASE_URL=alembic_url))
            p = pgrevise.migrate(pgrevise_url, args.sql_dir, command, "--", target)
            import_alembic.expect(f"{command} {target}: Alembic and pgrevise ran", a.returncode == 0 and p.returncode == 0,
                                  f"Alembic {a.returncode}: {a.stderr[-1500:]} / pgrevise {p.returncode}: {p.stderr}")
            if a.returncode or p.returncode:
                break
            import_alembic.compare(f"{command} {target}", alembic_url, pgrevise_url)
    print(f"{import_alembic.failures} failure(s)")
    return 1 if import_alembic.failures else 0


if __name__ == "__main__":
    sys.exit(main())
