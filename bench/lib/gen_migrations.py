#!/usr/bin/python3
"""Generates a benchmark revision set in three forms that do the same work.

    gen_migrations.py N KIND OUT_DIR [--no-alembic] [--version-table NAME]

KIND:
  small-ddl  one table (with 10 rows of data) or one index per revision, linear
  one-row    revision 1 creates a table; every revision inserts one row into it; linear
  branches   one-row revisions in many branches and merges: every 10 revisions a branch point opens 3 branches of
             3 revisions each, closed by a merge revision; the last group is left open, so there are several heads

OUT_DIR receives:
  migrations/      N pgrevise-format files (r00001.sql, ...)
  upgrade.sql      the psql script doing what pgrevise's runner does for `upgrade heads` from an empty database:
                   create the version table, then per revision BEGIN; the SQL; the version-table change; COMMIT
  alembic/         the matching Alembic project (tests/alembic/make_alembic_project.py), unless --no-alembic
  heads            the heads, one per line
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "alembic"))
import make_alembic_project  # noqa: E402
import pgrevise_files  # noqa: E402


def rev_id(i):
    return f"r{i:05d}"


def small_ddl(i):
    """Revision i (1-based): two tables then an index on the previous table, repeating."""
    if i % 3 == 0:
        table = f"bench_t{i - 1:05d}"
        index = f"{table}_name_idx"
        return (f"CREATE INDEX {index} ON {table} (name);\n", f"DROP INDEX {index};\n")
    table = f"bench_t{i:05d}"
    up = (f"CREATE TABLE {table} (\n    id integer PRIMARY KEY,\n    name text NOT NULL,\n"
          f"    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
          f"INSERT INTO {table} (id, name) SELECT g, 'row ' || g FROM generate_series(1, 10) AS g;\n")
    return up, f"DROP TABLE {table};\n"


def one_row(i):
    insert = f"INSERT INTO bench_rows (id, note) VALUES ({i}, 'revision {i}');\n"
    if i == 1:
        return ("CREATE TABLE bench_rows (id integer PRIMARY KEY, note text NOT NULL);\n" + insert,
                "DROP TABLE bench_rows;\n")
    return insert, f"DELETE FROM bench_rows WHERE id = {i};\n"


def linear_parents(n):
    return {i: ([i - 1] if i > 1 else []) for i in range(1, n + 1)}


def branch_parents(n):
    """Trunk revisions with, every 11 revisions, a fan-out of 3 branches x 3 revisions closed by a merge.

    The last group is left open (its revisions spread over 3 branches), so the set has several heads."""
    group = 11  # branch point + 9 branch revisions + merge
    parents = {}
    trunk_tip = None
    i = 1
    while i <= n:
        remaining = n - i + 1
        parents[i] = [trunk_tip] if trunk_tip else []
        branch_point = i
        i += 1
        if remaining >= group + 4:
            tips = []
            for _branch in range(3):
                previous = branch_point
                for _step in range(3):
                    parents[i] = [previous]
                    previous = i
                    i += 1
                tips.append(previous)
            parents[i] = tips
            trunk_tip = i
            i += 1
        else:
            tips = [branch_point] * 3
            k = 0
            while i <= n:
                parents[i] = [tips[k % 3]]
                tips[k % 3] = i
                i += 1
                k += 1
    return parents


def revision_file(i, parents, up, down):
    header = [f"-- revision: {rev_id(i)}"]
    if parents:
        header.append("-- down_revision: " + ", ".join(rev_id(p) for p in parents))
    header.append(f"-- message: benchmark revision {i}")
    return "\n".join(header) + "\n\n-- +upgrade\n" + up + "\n-- +downgrade\n" + down


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def psql_script(order, version_table):
    """What the runner does for `upgrade heads` from empty: Alembic's version-table semantics, one txn per revision."""
    table = quote_ident(version_table)
    lines = ["\\set ON_ERROR_STOP on",
             f"CREATE TABLE IF NOT EXISTS {table} (version_num varchar(32) NOT NULL, "
             f"CONSTRAINT {quote_ident(version_table + '_pkc')} PRIMARY KEY (version_num));"]
    heads = set()
    for revision in order:
        lines.append("BEGIN;")
        lines.append(revision.upgrade_sql.rstrip())
        present = [p for p in revision.down_revisions if p in heads]
        if not present:
            lines.append(f"INSERT INTO {table} (version_num) VALUES ('{revision.revision}');")
        else:
            for parent in present[:-1]:
                lines.append(f"DELETE FROM {table} WHERE version_num = '{parent}';")
                heads.discard(parent)
            lines.append(f"UPDATE {table} SET version_num = '{revision.revision}' "
                         f"WHERE version_num = '{present[-1]}';")
            heads.discard(present[-1])
        heads.add(revision.revision)
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n", sorted(heads)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("kind", choices=["small-ddl", "one-row", "branches"])
    parser.add_argument("out_dir")
    parser.add_argument("--no-alembic", action="store_true", help="skip the Alembic project (large N)")
    parser.add_argument("--version-table", default="alembic_version")
    options = parser.parse_args()
    if options.n < 1:
        parser.error("N must be at least 1")

    migrations = os.path.join(options.out_dir, "migrations")
    os.makedirs(migrations, exist_ok=True)
    for name in os.listdir(migrations):
        if name.endswith(".sql"):
            os.unlink(os.path.join(migrations, name))
    parents = branch_parents(options.n) if options.kind == "branches" else linear_parents(options.n)
    content = small_ddl if options.kind == "small-ddl" else one_row
    for i in range(1, options.n + 1):
        up, down = content(i)
        with open(os.path.join(migrations, rev_id(i) + ".sql"), "w") as handle:
            handle.write(revision_file(i, parents[i], up, down))

    order = pgrevise_files.topological_order(pgrevise_files.load_directory(migrations))
    script, heads = psql_script(order, options.version_table)
    assert heads == pgrevise_files.heads(order), (heads, pgrevise_files.heads(order))
    with open(os.path.join(options.out_dir, "upgrade.sql"), "w") as handle:
        handle.write(script)
    with open(os.path.join(options.out_dir, "heads"), "w") as handle:
        handle.write("\n".join(heads) + "\n")
    if not options.no_alembic:
        table = "" if options.version_table == "alembic_version" else options.version_table
        make_alembic_project.write_project(migrations, os.path.join(options.out_dir, "alembic"), table)
    print(f"gen_migrations: {options.n} {options.kind} revisions, {len(heads)} head(s) in {options.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
