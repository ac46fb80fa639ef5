#!/usr/bin/python3
"""Revision ids side by side: what Alembic 1.8 takes and runs, pgrevise takes and runs, and what one refuses the
other refuses.

    revision_ids.py SERVER_URL PGREVISE_BINARY

For each id X of the table below, the same three revisions base0 -> X -> child1 are written as pgrevise files,
converted to an Alembic project (make_alembic_project.py), and run by each tool on a database of its own whose
alembic_version.version_num is varchar(255): `upgrade heads`, then `downgrade base`. An id is accepted when both
commands succeed and leave the expected rows (child1, then none); refused otherwise. Both tools must give the same
verdict for every id, and a refusal by pgrevise must leave its database untouched and name the file and the id.
Prints one line per id. SERVER_URL is a superuser URL of a throwaway cluster; the test creates and drops its own
databases there. Exit status 0 when every check holds.
"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile

import psycopg2
from alembic import command
from alembic.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_alembic_project  # noqa: E402
import pgrevise_files  # noqa: E402

WIDTH = 255

# (id, the verdict both must give, why)
CASES = [
    ("089_allow_auto_entries_no_project", "accepts", "a readable id of 33 characters"),
    ("z" * 64, "accepts", "64 characters"),
    ("w" * WIDTH, "accepts", "as wide as the column"),
    ("0", "accepts", "one digit"),
    ("current", "accepts", "a word with no meaning to either"),
    ("HEAD", "accepts", "case matters"),
    ("Base", "accepts", "case matters"),
    ("v1.2", "accepts", "a dot"),
    ("add users table", "accepts", "spaces"),
    ("a,b", "accepts", "a comma (written in double quotes)"),
    (" lead", "accepts", "leading white space (written in double quotes)"),
    ("trail ", "accepts", "trailing white space (written in double quotes)"),
    ('"quoted"', "accepts", "double quotes"),
    ("a:b", "accepts", "a colon"),
    ("a/b", "accepts", "a slash"),
    ("a;b", "accepts", "a semicolon"),
    ("100%", "accepts", "a percent sign"),
    ("a$$b", "accepts", "dollar quotes"),
    ("back\\slash", "accepts", "a backslash"),
    ("tab\there", "accepts", "a tab"),
    ("größe", "accepts", "letters beyond ASCII"),
    ("日本語", "accepts", "CJK"),
    ("*", "accepts", "an asterisk"),
    ("a@b", "refuses", "Alembic: '@' not allowed"),
    ("a-b", "refuses", "Alembic: '-' not allowed"),
    ("a+b", "refuses", "Alembic: '+' not allowed"),
    ("head", "refuses", "a target word: Alembic runs the revision after it twice"),
    ("heads", "refuses", "a target word: Alembic runs the revision after it twice"),
    ("base", "refuses", "a target word: Alembic fails (AssertionError)"),
    ("it's", "refuses", "Alembic writes the id into its SQL unescaped: a syntax error"),
    ("", "refuses", "Alembic treats the empty id as base and leaves a broken version table"),
    ("x" * (WIDTH + 1), "refuses", "longer than varchar(255): Alembic fails at the row write, pgrevise first"),
]

failures = 0


def expect(description, condition, detail=""):
    global failures
    if not condition:
        print(f"FAIL {description}: {detail}")
    failures += not condition


def execute(url, *statements):
    """Runs the statements in autocommit mode; returns the first column of the last one's first row."""
    with contextlib.closing(psycopg2.connect(url)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchone()[0] if cursor.description else None


def database(server_url, name):
    execute(server_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def reset(url):
    execute(url, "DROP TABLE IF EXISTS alembic_version, alembic_version_history, t_base0, t_x, t_child1",
            f"CREATE TABLE alembic_version (version_num varchar({WIDTH}) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")


def state(url):
    """The version rows and the tables the revisions created."""
    rows = execute(url, "SELECT coalesce(json_agg(version_num ORDER BY version_num), '[]') FROM alembic_version")
    tables = execute(url, "SELECT coalesce(json_agg(table_name ORDER BY table_name), '[]') FROM "
                     "information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 't\\_%'")
    return rows, tables


def write_files(directory, revision_id):
    revisions = [("base0", None), (revision_id, "base0"), ("child1", revision_id)]
    for number, (revision, parent) in enumerate(revisions):
        table = "t_x" if number == 1 else "t_" + revision
        header = f"-- revision: {pgrevise_files.header_id(revision)}\n"
        if parent is not None:
            header += f"-- down_revision: {pgrevise_files.header_id(parent)}\n"
        with open(os.path.join(directory, f"{number}.sql"), "w", encoding="utf-8") as handle:
            handle.write(header + f"-- message: step {number}\n\n-- +upgrade\nCREATE TABLE {table} (i int);\n\n"
                         f"-- +downgrade\nDROP TABLE {table};\n")


def run_alembic(project, url):
    config = Config(os.path.join(project, "alembic.ini"))
    config.attributes["configure_logger"] = False
    os.environ["DATABASE_URL"] = url
    for args, rows in ((("upgrade", "heads"), ["child1"]), (("downgrade", "base"), [])):
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                getattr(command, args[0])(config, args[1])
        except Exception as error:  # noqa: BLE001 - any failure of Alembic is its verdict
            first = (str(error).splitlines() or [""])[0]
            return "refuses", f"{' '.join(args)}: {type(error).__name__} {first}"[:150]
        if state(url)[0] != rows:
            return "refuses", f"{' '.join(args)} left rows {state(url)[0]!r}"[:150]
    return "accepts", ""


def run_pgrevise(binary, files, url):
    for args, rows in ((("upgrade", "heads"), ["child1"]), (("downgrade", "base"), [])):
        result = subprocess.run([binary, "migrate", *args, "--dir", files, "--database-url", url],
                                capture_output=True, text=True)
        if result.returncode != 0:
            return "refuses", result.stderr.strip().splitlines()[0] if result.stderr.strip() else "", result
        if state(url)[0] != rows:
            return "refuses", f"{' '.join(args)} left rows {state(url)[0]!r}", result
    return "accepts", "", None


def check(binary, alembic_url, pgrevise_url, revision_id, expected, why, work):
    files = tempfile.mkdtemp(dir=work)
    project = tempfile.mkdtemp(dir=work)
    write_files(files, revision_id)
    make_alembic_project.write_project(files, project)
    reset(alembic_url)
    reset(pgrevise_url)
    theirs, their_reason = run_alembic(project, alembic_url)
    ours, our_reason, result = run_pgrevise(binary, files, pgrevise_url)
    shown = repr(revision_id) if len(revision_id) <= 40 else repr(revision_id[:20]) + f"... ({len(revision_id)})"
    print(f"{shown:48} alembic {theirs:8} pgrevise {ours:8} {why}")
    if ours == "refuses" or theirs == "refuses":
        print(f"    alembic:  {their_reason}\n    pgrevise: {our_reason[:200]}")
    expect(f"{shown}: both give one verdict", theirs == ours,
           f"alembic {theirs} ({their_reason}), pgrevise {ours} ({our_reason})")
    expect(f"{shown}: the verdict is {expected}", ours == expected, f"pgrevise: {our_reason}")
    if len(revision_id) > WIDTH:
        # Alembic finds out at the row write, after base0 was committed; pgrevise before anything runs.
        expect(f"{shown}: alembic stopped halfway", state(alembic_url)[0] == ["base0"], state(alembic_url))
    if ours == "refuses" and result is not None:
        expect(f"{shown}: pgrevise refused before running anything", state(pgrevise_url) == ([], []),
               state(pgrevise_url))
        expect(f"{shown}: the refusal names the file and the id",
               "1.sql" in result.stderr and f"'{revision_id}'" in result.stderr or
               f"revision {revision_id} (1.sql)" in result.stderr, result.stderr[-500:])


def main():
    server, binary = sys.argv[1], sys.argv[2]
    alembic_url = database(server, "revision_ids_alembic")
    pgrevise_url = database(server, "revision_ids_pgrevise")
    with tempfile.TemporaryDirectory() as work:
        for revision_id, expected, why in CASES:
            check(binary, alembic_url, pgrevise_url, revision_id, expected, why, work)
    execute(server, "DROP DATABASE IF EXISTS revision_ids_alembic", "DROP DATABASE IF EXISTS revision_ids_pgrevise")
    print(f"{len(CASES)} ids, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
