"""`pgrevise import alembic` against Alembic's own offline render of the same project.

    /usr/bin/python3 bench/import_vs_alembic.py PGREVISE_BINARY [--revisions 500] [--runs 5]

Generates an Alembic project of N revisions (create_table with server defaults and foreign keys, add_column,
alter_column, create_index, batch_alter_table, op.execute, an enum type, every 25th revision an
autocommit_block() with CREATE INDEX CONCURRENTLY, a branch and its merge every 50), then times, in fresh
processes and alternating:
  - Alembic: `alembic upgrade base:heads --sql` plus `alembic downgrade heads:base --sql` (Debian's Alembic,
    /usr/bin/python3), the reference;
  - pgrevise: `pgrevise import alembic alembic.ini OUT --python /usr/bin/python3` into an empty OUT; then the
    same again on that OUT, with nothing new to convert (not part of the ratio).
Prints the medians and their ratio (target: the import under 3x the reference). No database is needed.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"

ENV_PY = '''
from alembic import context
context.configure(url="postgresql://", literal_binds=True, dialect_opts={"paramstyle": "named"})
with context.begin_transaction():
    context.run_migrations()
'''

HEADER = '''"""{message}

Revision ID: {revision}
"""
from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None

'''


def body(n, table):
    """Upgrade and downgrade of revision n, acting on its own table (created by revision n - n % 5)."""
    kind = n % 5
    if kind == 0:
        previous = f"t{n - 5}" if n >= 5 else None
        fk = f', sa.ForeignKey("{previous}.id")' if previous else ""
        return (f'''    op.create_table("{table}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer{fk}),
        sa.Column("name", sa.String(80), nullable=False, server_default="x"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("kind", sa.Enum("a", "b", name="{table}_kind")),
    )''', f'''    op.drop_table("{table}")
    op.execute("DROP TYPE {table}_kind")''')
    if kind == 1:
        return (f'''    op.add_column("{table}", sa.Column("note", sa.Text))
    op.create_index("{table}_name_idx", "{table}", ["name"])''',
                f'''    op.drop_index("{table}_name_idx", table_name="{table}")
    op.drop_column("{table}", "note")''')
    if kind == 2:
        return (f'''    op.alter_column("{table}", "name", existing_type=sa.String(80), type_=sa.String(200))''',
                f'''    op.alter_column("{table}", "name", existing_type=sa.String(200), type_=sa.String(80))''')
    if kind == 3:
        return (f'''    with op.batch_alter_table("{table}") as batch:
        batch.add_column(sa.Column("score", sa.Numeric(10, 2), server_default="0"))''',
                f'''    with op.batch_alter_table("{table}") as batch:
        batch.drop_column("score")''')
    if n % 25 == 4:
        return (f'''    with op.get_context().autocommit_block():
        op.create_index("{table}_created_idx", "{table}", ["created_at"], postgresql_concurrently=True)''',
                f'''    with op.get_context().autocommit_block():
        op.drop_index("{table}_created_idx", table_name="{table}", postgresql_concurrently=True)''')
    return (f'''    op.execute("COMMENT ON TABLE {table} IS 'revision {n}: 100% generated'")''',
            f'''    op.execute("COMMENT ON TABLE {table} IS NULL")''')


def write_project(folder, count):
    versions = os.path.join(folder, "versions")
    os.makedirs(versions)
    with open(os.path.join(folder, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %(here)s\n")
    with open(os.path.join(folder, "env.py"), "w") as f:
        f.write(ENV_PY)
    down = None
    for n in range(count):
        revision = f"r{n:04d}"
        # Every 50 revisions a side branch of one revision, merged by the next: parents are (main, side).
        if n % 50 == 48:
            side = f"s{n:04d}"
            write_revision(versions, side, down, f"side branch {n}",
                           f'    op.execute("CREATE TABLE {side} (id int)")', f'    op.execute("DROP TABLE {side}")')
            count_side = side
        upgrade, downgrade = body(n, f"t{n - n % 5}")
        if n % 50 == 49:
            down = (down, count_side)
        write_revision(versions, revision, down, f"revision {n}", upgrade, downgrade)
        down = revision


def write_revision(versions, revision, down, message, upgrade, downgrade):
    with open(os.path.join(versions, f"{revision}_bench.py"), "w") as f:
        f.write(HEADER.format(message=message, revision=revision, down=down))
        f.write(f"def upgrade():\n{upgrade}\n\n\ndef downgrade():\n{downgrade}\n")


def timed(args, **kwargs):
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(args[:4])} ... failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory() as work:
        project = os.path.join(work, "project")
        write_project(project, args.revisions)
        ini = os.path.join(project, "alembic.ini")
        alembic = [PYTHON, "-m", "alembic", "-c", ini]
        reference, imports, reruns = [], [], []
        for run in range(args.runs):
            up, sql = timed(alembic + ["upgrade", "base:heads", "--sql"], env=env)
            down, _ = timed(alembic + ["downgrade", "heads:base", "--sql"], env=env)
            reference.append(up + down)
            out = os.path.join(work, f"out{run}")
            elapsed, summary = timed([args.binary, "import", "alembic", ini, out, "--python", PYTHON], env=env)
            imports.append(elapsed)
            files = len(os.listdir(out))
            again, _ = timed([args.binary, "import", "alembic", ini, out, "--python", PYTHON], env=env)
            reruns.append(again)
            shutil.rmtree(out)
        alembic_median, import_median = statistics.median(reference), statistics.median(imports)
        revisions = sum(1 for line in sql.splitlines() if line.startswith("-- Running upgrade"))
        print(f"project: {files} revisions ({revisions} in Alembic's upgrade script); {args.runs} runs each")
        print(f"Alembic offline, upgrade base:heads + downgrade heads:base: median {alembic_median * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in reference)})")
        print(f"pgrevise import alembic: median {import_median * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in imports)})")
        print(f"ratio: {import_median / alembic_median:.2f}x Alembic's render (target: < 3x)")
        print(f"pgrevise import alembic again, nothing new: median {statistics.median(reruns) * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in reruns)})")
        print(summary.strip())


if __name__ == "__main__":
    main()
