"""`pgrevise import alembic` proved against real Alembic on the committed test projects (import_projects/).

    /usr/bin/python3 tests/alembic/import_alembic.py SERVER_URL PGREVISE_BINARY

- shop (alembic.ini): create_table, add/alter_column, batch_alter_table, indexes, foreign keys, an enum type,
  server defaults, raw SQL, autocommit_block() with CREATE INDEX CONCURRENTLY, branch labels, depends_on, a
  merge of a merge, a revision widening alembic_version.version_num followed by ids longer than 32 characters,
  and a data migration that cannot run offline. The import leaves that one for a person (`-- needs_sql:`,
  exit 5, refused by `migrate check` and `migrate upgrade`); the test writes its SQL, re-runs the import (the
  edited file is kept, nothing else rewritten), adds a revision (only it is converted), then runs real Alembic
  online on one database and pgrevise on the converted files on another: the same `pg_dump --schema-only` and
  the same alembic_version rows at an intermediate target on each branch, at the heads, at a merge on the way
  down and at base.
- flask_notes (Flask-Migrate): `flask db init` writes migrations/ (env.py, alembic.ini); the import takes that
  folder; `flask db upgrade` against pgrevise at the first revision and at the head.
- broken: an import of application code that is not installed, a downgrade that raises, a row count read
  through the connection, a constraint dropped by no name, Flask's current_app outside an application: each reported with Alembic's error and marked in its
  file; and a commit() through the connection (SQLAlchemy 2.0) splitting the revision's transactions.
Every project is copied to a temporary folder first: Alembic writes __pycache__ beside the files it runs.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECTS = os.path.join(HERE, "import_projects")
PYTHON = "/usr/bin/python3"
NEEDS_WORK = 5  # `pgrevise import alembic`: some revisions need their SQL written by hand

failures = 0


def expect(description, condition, detail=""):
    global failures
    print(f"{'ok' if condition else 'FAIL'} {description}" + ("" if condition else f": {detail}"))
    failures += not condition


def run(args, env=None, cwd=None):
    full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run(args, capture_output=True, text=True, env=full_env, cwd=cwd)


def query(url, sql):
    return subprocess.run(["psql", "-X", "-qAt", "-d", url, "-c", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def database(server_url, name):
    query(server_url, f"DROP DATABASE IF EXISTS {name}")
    query(server_url, f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def schema(url, with_version_table):
    """pg_dump --schema-only without pgrevise's history table (Alembic has none) and pg_dump 15's random
    \\restrict lines; without alembic_version too where the two tools may differ in its width only."""
    excluded = ["-T", "alembic_version_history"] + ([] if with_version_table else ["-T", "alembic_version"])
    out = subprocess.run(["pg_dump", "--schema-only", "--no-owner", *excluded, "-d", url], capture_output=True,
                         text=True, check=True).stdout
    return "".join(line for line in out.splitlines(True) if not line.startswith(("\\restrict", "\\unrestrict")))


def version_rows(url):
    if query(url, "SELECT to_regclass('alembic_version')") == "":
        return []
    return sorted(query(url, "SELECT version_num FROM alembic_version").split())


def first_difference(a, b):
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), 1):
        if x != y:
            return f"line {number}: Alembic {x!r}, pgrevise {y!r}"
    return f"lengths {len(a)} and {len(b)}"


def compare(description, alembic_url, pgrevise_url, with_version_table=False):
    rows_a, rows_p = version_rows(alembic_url), version_rows(pgrevise_url)
    expect(f"{description}: same alembic_version rows {rows_a}", rows_a == rows_p, f"pgrevise has {rows_p}")
    dump_a, dump_p = schema(alembic_url, with_version_table), schema(pgrevise_url, with_version_table)
    expect(f"{description}: same pg_dump --schema-only", dump_a == dump_p, first_difference(dump_a, dump_p))


class Pgrevise:
    def __init__(self, binary):
        self.binary = binary

    def import_alembic(self, source, output):
        return run([self.binary, "import", "alembic", source, output, "--python", PYTHON])

    def migrate(self, url, files, *args):
        # --dir before the arguments: after `--` (a target such as -1) every word is positional.
        return run([self.binary, "migrate", args[0], "--dir", files, *args[1:]], env={"DATABASE_URL": url})


def files_by_revision(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as f:
            text = f.read()
        out[re.search(r"^-- revision: (.*)$", text, re.M).group(1)] = (name, text)
    return out


SLUG_SQL = """ALTER TABLE users ADD COLUMN slug VARCHAR(200);

UPDATE users SET slug = replace(lower(name), ' ', '-');

CREATE UNIQUE INDEX users_slug_idx ON users (slug);

"""


def write_slug_sql_by_hand(path):
    with open(path) as f:
        text = f.read()
    text = text.replace("-- needs_sql: upgrade\n", "")
    start = text.index("-- +upgrade\n") + len("-- +upgrade\n")
    end = text.index("-- +downgrade\n")
    with open(path, "w") as f:
        f.write(text[:start] + SLUG_SQL + text[end:])


def check_first_import(pgrevise, project, out):
    result = pgrevise.import_alembic(os.path.join(project, "alembic.ini"), out)
    expect("shop: the import exits 5, some revisions need work", result.returncode == NEEDS_WORK,
           f"{result.returncode}: {result.stderr}")
    expect("shop: names the data migration and Alembic's error",
           "4d5e6f7a8b04" in result.stderr and "has no attribute 'fetchall'" in result.stderr, result.stderr)
    expect("shop: 16 revisions, 15 converted", "16 revisions" in result.stdout and "15 converted" in result.stdout,
           result.stdout)
    files = files_by_revision(out)
    expect("shop: one file per revision", len(files) == 16, sorted(files))
    every = "".join(text for _, text in files.values())
    expect("shop: no alembic_version statement but the project's own widening",
           re.findall(r"(?i)(insert into|update|delete from|create table) alembic_version", every) == [])
    concurrent = files["6f7a8b9c0d06"][1]
    expect("shop: autocommit_block() -> transactional: false, the statements before it in one transaction",
           "-- transactional: false" in concurrent and re.search(
               r"BEGIN;\s+ALTER TABLE orders ADD COLUMN status.*?ADD CONSTRAINT orders_status_known.*?COMMIT;\s+"
               r"CREATE INDEX CONCURRENTLY orders_status_idx", concurrent, re.S) is not None, concurrent)
    merge = files["8b0000000002"][1]
    expect("shop: a merge of a merge keeps both parents", "-- down_revision: 8a0000000001, 7c0100000001" in merge)
    expect("shop: branch labels and depends_on", "-- branch_labels: billing" in files["7a0100000001"][1]
           and "-- depends_on: 7a0100000001" in files["7b0200000002"][1])
    expect("shop: the data migration is marked", "-- needs_sql: upgrade\n" in files["4d5e6f7a8b04"][1])
    return files


def check_refusals(pgrevise, server, out):
    url = database(server, "import_refused")
    check = pgrevise.migrate(url, out, "check", "--offline")
    expect("shop: migrate check refuses the marked revision",
           check.returncode == 1 and "4d5e6f7a8b04" in check.stdout and "needs_sql" in check.stdout,
           check.stdout + check.stderr)
    upgrade = pgrevise.migrate(url, out, "upgrade", "heads")
    expect("shop: migrate upgrade refuses it before running anything",
           upgrade.returncode == 2 and "4d5e6f7a8b04" in upgrade.stderr and version_rows(url) == [],
           f"{upgrade.returncode}: {upgrade.stderr}")
    below = pgrevise.migrate(url, out, "upgrade", "3c4d5e6f7a03")
    expect("shop: a target below it still runs", below.returncode == 0, below.stderr)


def check_rerun(pgrevise, project, out, files):
    slug_file = os.path.join(out, files["4d5e6f7a8b04"][0])
    write_slug_sql_by_hand(slug_file)
    with open(slug_file) as f:
        hand_written = f.read()
    result = pgrevise.import_alembic(os.path.join(project, "alembic.ini"), out)
    expect("shop: after the SQL is written the import exits 0", result.returncode == 0, result.stderr)
    expect("shop: nothing converted again, the hand-written file kept",
           "0 converted" in result.stdout and "15 unchanged" in result.stdout and "1 kept" in result.stdout,
           result.stdout)
    with open(slug_file) as f:
        expect("shop: the hand-written file is untouched", f.read() == hand_written)

    shutil.copy(os.path.join(PROJECTS, "shop_later", "0012_customer_note_pins.py"), os.path.join(project, "versions"))
    before = {rev: text for rev, (_, text) in files_by_revision(out).items()}
    result = pgrevise.import_alembic(os.path.join(project, "alembic.ini"), out)
    after = files_by_revision(out)
    expect("shop: a new revision alone is converted", result.returncode == 0 and "1 converted" in result.stdout
           and set(after) - set(before) == {"0012_customer_note_pins"}, result.stdout + result.stderr)
    expect("shop: no other file changed", all(after[rev][1] == text for rev, text in before.items()))


def check_against_alembic(pgrevise, server, project, out):
    alembic_url, pgrevise_url = database(server, "import_alembic"), database(server, "import_pgrevise")

    def both(command, target, description, with_version_table=False):
        # From the project's folder, as its users run it (prepend_sys_path = . finds its helper module there).
        a = run([PYTHON, "-m", "alembic", "-c", os.path.join(project, "alembic.ini"), command, target],
                env={"DATABASE_URL": alembic_url}, cwd=project)
        p = pgrevise.migrate(pgrevise_url, out, command, "--", target)
        expect(f"{description}: both ran", a.returncode == 0 and p.returncode == 0,
               f"Alembic {a.returncode}: {a.stderr[-800:]} / pgrevise {p.returncode}: {p.stderr}")
        compare(description, alembic_url, pgrevise_url, with_version_table)

    both("upgrade", "3c4d5e6f7a03", "shop at 3c4d5e6f7a03 (before the data migration)")
    for url in (alembic_url, pgrevise_url):
        query(url, "INSERT INTO users (name) VALUES ('Ada Lovelace'), ('Grace Hopper')")
    both("upgrade", "7a0100000001", "shop at billing's first revision")
    expect("shop: the data migration's hand-written SQL gave the same slugs",
           query(alembic_url, "SELECT string_agg(slug, ',' ORDER BY id) FROM users")
           == query(pgrevise_url, "SELECT string_agg(slug, ',' ORDER BY id) FROM users"))
    both("upgrade", "7b0100000001", "shop at reports' first revision (two heads)")
    both("upgrade", "7c0100000001", "shop at audit's first revision (three heads)")
    both("upgrade", "heads", "shop at the heads (widened version_num, long ids)", with_version_table=True)
    width = query(pgrevise_url, "SELECT character_maximum_length FROM information_schema.columns "
                                "WHERE table_name = 'alembic_version' AND column_name = 'version_num'")
    expect("shop: version_num widened to 128 by the project's own revision", width == "128", width)
    both("downgrade", "8a0000000001", "shop down to the first merge")
    both("downgrade", "base", "shop down to base")


def check_shop(pgrevise, server, work):
    project, out = os.path.join(work, "shop"), os.path.join(work, "shop_sql")
    shutil.copytree(os.path.join(PROJECTS, "shop"), project)
    files = check_first_import(pgrevise, project, out)
    check_refusals(pgrevise, server, out)
    check_rerun(pgrevise, project, out, files)
    check_against_alembic(pgrevise, server, project, out)


def check_flask(pgrevise, server, work):
    app = os.path.join(work, "flask_notes")
    shutil.copytree(os.path.join(PROJECTS, "flask_notes"), app, ignore=shutil.ignore_patterns("versions"))
    init = run([PYTHON, "-m", "flask", "--app", "app", "db", "init"], cwd=app)
    expect("flask: flask db init", init.returncode == 0, init.stderr)
    shutil.copytree(os.path.join(PROJECTS, "flask_notes", "versions"), os.path.join(app, "migrations", "versions"),
                    dirs_exist_ok=True)
    out = os.path.join(work, "flask_sql")
    result = pgrevise.import_alembic(os.path.join(app, "migrations"), out)
    expect("flask: the migrations/ folder converts whole", result.returncode == 0 and "4 converted" in result.stdout,
           result.stdout + result.stderr)
    alembic_url, pgrevise_url = database(server, "import_flask_a"), database(server, "import_flask_p")
    for target in ("c0ffee000001", "head"):
        a = run([PYTHON, "-m", "flask", "--app", "app", "db", "upgrade", target], env={"DATABASE_URL": alembic_url},
                cwd=app)
        p = pgrevise.migrate(pgrevise_url, out, "upgrade", target)
        expect(f"flask: flask db upgrade {target} and pgrevise both ran", a.returncode == 0 and p.returncode == 0,
               a.stderr[-800:] + p.stderr)
        compare(f"flask at {target}", alembic_url, pgrevise_url)
    expect("flask: bulk_insert's rows arrived the same", query(alembic_url, "SELECT string_agg(name, '|') FROM tags")
           == query(pgrevise_url, "SELECT string_agg(name, '|') FROM tags") == "it's urgent|later: maybe")


def check_broken(pgrevise, work):
    project, out = os.path.join(work, "broken"), os.path.join(work, "broken_sql")
    shutil.copytree(os.path.join(PROJECTS, "broken"), project)
    result = pgrevise.import_alembic(os.path.join(project, "alembic.ini"), out)
    expect("broken: exit 5", result.returncode == NEEDS_WORK, f"{result.returncode}: {result.stderr}")
    for revision, error in (("dead00000001", "ModuleNotFoundError: No module named 'shop_internal'"),
                            ("dead00000002", "NotImplementedError: legacy_accounts cannot be restored"),
                            ("dead00000003", "has no attribute 'scalar'"),
                            ("dead00000004", "Can't emit DROP CONSTRAINT"),
                            ("dead00000006", "Working outside of application context")):
        expect(f"broken: {revision} reported with Alembic's error", revision in result.stderr and error in result.stderr,
               result.stderr)
    files = files_by_revision(out)
    expect("broken: a file that does not import needs both sections",
           "-- needs_sql: upgrade, downgrade" in files["dead00000001"][1])
    expect("broken: a downgrade that raises needs its downgrade only",
           "-- needs_sql: downgrade\n" in files["dead00000002"][1] and "DROP TABLE IF EXISTS legacy_accounts"
           in files["dead00000002"][1])
    commit = files["dead00000005"][1]
    expect("broken: commit() through the connection splits the transactions",
           "-- transactional: false" in commit and re.search(
               r"BEGIN;\s+ALTER TABLE counters ADD COLUMN updated_at.*?UPDATE counters SET updated_at = now\(\);\s+"
               r"COMMIT;\s+ANALYZE counters;\s+CREATE INDEX CONCURRENTLY counters_updated_idx", commit, re.S)
           is not None, commit)
    missing = pgrevise.import_alembic(os.path.join(work, "nowhere", "alembic.ini"), out)
    expect("a missing alembic.ini is bad input naming it", missing.returncode == 2 and "nowhere" in missing.stderr,
           missing.stderr)
    no_python = run([pgrevise.binary, "import", "alembic", os.path.join(project, "alembic.ini"), out, "--python",
                     "/nonexistent/python3"])
    expect("a Python that cannot run is bad input naming it",
           no_python.returncode == 2 and "/nonexistent/python3" in no_python.stderr, no_python.stderr)


def main():
    server, binary = sys.argv[1], sys.argv[2]
    pgrevise = Pgrevise(binary)
    with tempfile.TemporaryDirectory() as work:
        check_shop(pgrevise, server, work)
        check_flask(pgrevise, server, work)
        check_broken(pgrevise, work)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
