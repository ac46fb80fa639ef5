#!/usr/bin/python3
"""Proves make_alembic_project.py on a real PostgreSQL: the generated Alembic project reaches the same schema as the
SQL files replayed with psql, for several targets, and back to base.

    selftest.py SERVER_URL [MIGRATIONS_DIR]

SERVER_URL is a superuser URL of a throwaway cluster (scripts/dev-postgres start DIR prints one); the test creates
and drops its own databases there. Exit status 0 when every check holds.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_migrations  # noqa: E402
import make_alembic_project  # noqa: E402
import pgrevise_files  # noqa: E402

failures = 0


def expect(description, condition, detail=""):
    global failures
    print(f"{'ok' if condition else 'FAIL'} {description}" + ("" if condition else f": {detail}"))
    failures += not condition


def database(server_url, name):
    check_migrations.query(server_url, f"DROP DATABASE IF EXISTS {name}")
    check_migrations.query(server_url, f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def alembic(url, project, *args):
    result = subprocess.run([os.path.join(HERE, "run_alembic.sh"), url, project, *args], capture_output=True,
                            text=True)
    return result.returncode, result.stdout.strip(), result.stderr


def current(url, table="alembic_version"):
    return sorted(check_migrations.query(url, f"SELECT version_num FROM {table}").split())


def schema_without_version_table(url):
    out = subprocess.run(["pg_dump", "--schema-only", "--no-owner", "-T", "alembic_version", "-T", "*.alembic_version",
                          "-T", "meta.*", "-N", "meta", "-d", url], capture_output=True, text=True, check=True).stdout
    return "".join(line for line in out.splitlines(True) if not line.startswith(("\\restrict", "\\unrestrict")))


def main():
    server = sys.argv[1]
    migrations = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "migrations")
    order = pgrevise_files.topological_order(pgrevise_files.load_directory(migrations))
    heads = pgrevise_files.heads(order)

    with tempfile.TemporaryDirectory() as work:
        project = os.path.join(work, "project")
        make_alembic_project.write_project(migrations, project)

        reference = database(server, "selftest_psql")
        for revision in order:
            check_migrations.run(revision, "upgrade", reference)
        expected = schema_without_version_table(reference)

        url = database(server, "selftest_alembic")
        empty = schema_without_version_table(url)
        code, _, err = alembic(url, project, "upgrade", "heads")
        expect("alembic upgrade heads", code == 0, err[-2000:])
        expect("version table holds the heads", current(url) == heads, current(url))
        code, out, err = alembic(url, project, "current")
        expect("alembic current names the heads", code == 0 and all(h in out for h in heads), out + err[-500:])
        expect("same schema as psql", schema_without_version_table(url) == expected)
        code, _, err = alembic(url, project, "downgrade", "base")
        expect("alembic downgrade base", code == 0, err[-2000:])
        expect("version table empty at base", current(url) == [], current(url))
        expect("empty schema at base", schema_without_version_table(url) == empty)

        if {"0010", "0014"} <= {r.revision for r in order}:
            # The example set: a branch head, then the other (which pulls 0008 in through depends_on), then heads.
            alembic(url, project, "upgrade", "0010")
            expect("upgrade 0010 -> current 0010", current(url) == ["0010"], current(url))
            alembic(url, project, "upgrade", "0014")
            expect("upgrade 0014 -> two heads", current(url) == ["0010", "0014"], current(url))
            code, _, err = alembic(url, project, "upgrade", "head")
            expect("upgrade head (the files have one head)", code == 0, err[-500:])
            expect("upgrade head -> merged", current(url) == heads, current(url))
            alembic(url, project, "downgrade", "0011")
            # Only descendants of 0011 are undone; billing's 0010 is not one of them and stays.
            expect("downgrade 0011 -> 0010 and 0011", current(url) == ["0010", "0011"], current(url))
            alembic(url, project, "downgrade", "base")

        # Offline: `upgrade heads --sql` replayed by psql reaches the same schema and heads.
        result = subprocess.run([os.path.join(HERE, "run_alembic.sh"), "postgresql://offline@127.0.0.1:1/none",
                                 project, "upgrade", "heads", "--sql"], capture_output=True, text=True)
        expect("alembic upgrade heads --sql", result.returncode == 0, result.stderr[-2000:])
        url = database(server, "selftest_offline")
        replay = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url], input=result.stdout,
                                capture_output=True, text=True)
        expect("--sql output replays with psql", replay.returncode == 0, replay.stderr[-2000:])
        expect("--sql output: same schema and heads",
               schema_without_version_table(url) == expected and current(url) == heads)

        # A custom version table in its own schema.
        custom = os.path.join(work, "custom")
        make_alembic_project.write_project(migrations, custom, "schema_versions", "meta")
        url = database(server, "selftest_custom")
        check_migrations.query(url, "CREATE SCHEMA meta")
        code, _, err = alembic(url, custom, "upgrade", "heads")
        expect("custom version table: upgrade heads", code == 0, err[-2000:])
        expect("custom version table holds the heads", current(url, "meta.schema_versions") == heads)
        expect("custom version table: same schema", schema_without_version_table(url) == expected)

        # Colons, percent signs, backslashes and quotes reach the database unchanged.
        tricky = os.path.join(work, "tricky")
        os.makedirs(tricky)
        with open(os.path.join(tricky, "a.sql"), "w") as handle:
            handle.write("-- revision: t1\n-- message: \"quoted\" \\ text\n\n-- +upgrade\n"
                         "CREATE TABLE t (v text);\n"
                         "INSERT INTO t VALUES ('10:30 :name %s 100%'), (E'back\\\\slash \"\"\"'), ($$a;b$$);\n"
                         "-- +downgrade\nDROP TABLE t;\n")
        with open(os.path.join(tricky, "b.sql"), "w") as handle:
            handle.write("-- revision: t2\n-- down_revision: t1\n-- transactional: false\n\n-- +upgrade\n"
                         "INSERT INTO t VALUES ('x:y; %(z)s');\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n"
                         "-- +downgrade\nDROP INDEX CONCURRENTLY t_v;\nDELETE FROM t WHERE v LIKE 'x:%';\n")
        tricky_project = os.path.join(work, "tricky_project")
        make_alembic_project.write_project(tricky, tricky_project)
        url = database(server, "selftest_tricky")
        code, _, err = alembic(url, tricky_project, "upgrade", "heads")
        expect("tricky SQL: upgrade heads", code == 0, err[-2000:])
        values = check_migrations.query(url, "SELECT string_agg(v, '|' ORDER BY v) FROM t")
        expect("tricky SQL: values unchanged", values == '10:30 :name %s 100%|a;b|back\\slash """|x:y; %(z)s', values)
        code, _, err = alembic(url, tricky_project, "downgrade", "base")
        expect("tricky SQL: downgrade base", code == 0, err[-2000:])

        for name in ("selftest_psql", "selftest_alembic", "selftest_offline", "selftest_custom", "selftest_tricky"):
            check_migrations.query(server, f"DROP DATABASE IF EXISTS {name}")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
