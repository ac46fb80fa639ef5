#!/usr/bin/python3
"""Replays a pgrevise migrations directory with psql and checks that every downgrade undoes its upgrade exactly.

    check_migrations.py DATABASE_URL [MIGRATIONS_DIR] [--seed]

The database must be empty (a fresh, throwaway one). Steps:
  1. for each revision in graph order: dump the schema, upgrade, downgrade, dump again (must be identical),
     upgrade again; with --seed, sample rows are inserted at fixed points so the data migrations have data;
  2. at heads: dump; downgrade everything in reverse order; the schema must be the empty one of step 1;
  3. upgrade everything again: the schema must equal the first dump at heads.
Transactional revisions run under `psql --single-transaction`; non-transactional ones in psql's autocommit mode,
statement by statement. Exit status 0 when every check holds.
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgrevise_files  # noqa: E402

# Sample data for the example set, inserted right after the named revision (only with --seed).
SEEDS = {
    "0004": """
        INSERT INTO users (email, full_name) VALUES
            ('ada@example.com', 'Ada Lovelace'), ('grace@example.com', ' Grace Brewster Hopper '),
            ('plato@example.com', 'Plato');
        INSERT INTO clients (name, default_hourly_rate, currency) VALUES ('Acme', 120, 'EUR'), ('Globex', 95.5, 'USD');
        INSERT INTO projects (client_id, name) SELECT id, name || ' website' FROM clients;
        INSERT INTO tasks (project_id, title, assignee_id) SELECT p.id, 'design', u.id FROM projects p, users u
            WHERE u.email = 'ada@example.com';
    """,
    "0006": """
        INSERT INTO time_entries (user_id, task_id, started_at, ended_at, note)
        SELECT u.id, t.id, timestamptz '2026-01-05 09:00+00', timestamptz '2026-01-05 12:30+00', 'first; draft'
        FROM users u, tasks t;
    """,
    "0010": """
        INSERT INTO invoices (client_id, currency) SELECT id, currency FROM clients;
        INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price, time_entry_id)
        SELECT i.id, row_number() OVER (PARTITION BY i.id ORDER BY te.id), 'work', 3.5, 100, te.id
        FROM invoices i JOIN projects p ON p.client_id = i.client_id JOIN tasks t ON t.project_id = p.id
        JOIN time_entries te ON te.task_id = t.id;
        UPDATE invoices SET status = 'issued', issued_on = date '2026-02-01'
        WHERE client_id = (SELECT id FROM clients WHERE name = 'Acme');
    """,
}

# Checks on the data at heads after a seeded run: (description, query returning one boolean).
DATA_CHECKS = [
    ("names split", "SELECT array_agg(first_name || '|' || last_name ORDER BY email) = "
                    "'{Ada|Lovelace,Grace|Brewster Hopper,Plato|}' FROM users"),
    ("hourly rates backfilled", "SELECT bool_and(p.hourly_rate = c.default_hourly_rate) "
                                "FROM projects p JOIN clients c ON c.id = p.client_id"),
    ("entries categorised", "SELECT bool_and(category = 'dev') AND count(*) = 6 FROM time_entries"),
    ("invoice numbered", "SELECT number = '2026-00001' FROM invoices WHERE status = 'issued'"),
    ("invoiced entries marked", "SELECT count(*) FILTER (WHERE invoiced_at IS NOT NULL) = 3 FROM time_entries"),
    ("reference data", "SELECT count(*) = 4 FROM entry_categories"),
    ("report views work", "SELECT sum(hours_logged) = 21 FROM reports.project_profitability"),
]


def psql(url, sql, single_transaction):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(sql)
    try:
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", script.name]
        if single_transaction:
            args.insert(1, "--single-transaction")
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return result.stdout
    finally:
        os.unlink(script.name)


def query(url, sql):
    return subprocess.run(["psql", "-X", "-qAt", "-d", url, "-c", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def dump_schema(url):
    out = subprocess.run(["pg_dump", "--schema-only", "--no-owner", "-d", url], capture_output=True, text=True,
                         check=True).stdout
    # Newer pg_dump releases wrap the dump in \restrict KEY / \unrestrict KEY with a random key.
    return "".join(line for line in out.splitlines(True) if not line.startswith(("\\restrict", "\\unrestrict")))


def run(revision, direction, url):
    sql = revision.upgrade_sql if direction == "upgrade" else revision.downgrade_sql
    try:
        psql(url, sql, single_transaction=revision.transactional)
    except RuntimeError as error:
        raise RuntimeError(f"{revision.revision} {direction} ({revision.path}): {error}") from None


def report_difference(what, expected, actual):
    import difflib
    print(f"FAIL: {what}")
    sys.stdout.writelines(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected",
                                               "actual"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("migrations_dir", nargs="?",
                        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "migrations"))
    parser.add_argument("--seed", action="store_true", help="insert the example set's sample data")
    options = parser.parse_args()
    url = options.database_url

    order = pgrevise_files.topological_order(pgrevise_files.load_directory(options.migrations_dir))
    failures = 0
    empty = dump_schema(url)
    for revision in order:
        before = dump_schema(url)
        run(revision, "upgrade", url)
        run(revision, "downgrade", url)
        after = dump_schema(url)
        if after != before:
            failures += 1
            report_difference(f"downgrade of {revision.revision} does not restore the schema", before, after)
        run(revision, "upgrade", url)
        if options.seed and revision.revision in SEEDS:
            psql(url, SEEDS[revision.revision], single_transaction=True)
        print(f"ok {revision.revision} {revision.message}")

    if options.seed:
        for description, check in DATA_CHECKS:
            value = query(url, check)
            print(f"{'ok' if value == 't' else 'FAIL'} data: {description}")
            failures += value != "t"

    at_heads = dump_schema(url)
    for revision in reversed(order):
        run(revision, "downgrade", url)
    if dump_schema(url) != empty:
        failures += 1
        report_difference("heads -> base does not leave the empty schema", empty, dump_schema(url))
    else:
        print("ok heads -> base leaves the empty schema")
    for revision in order:
        run(revision, "upgrade", url)
    if dump_schema(url) != at_heads:
        failures += 1
        report_difference("base -> heads again gives a different schema", at_heads, dump_schema(url))
    else:
        print("ok base -> heads again gives the same schema")
    for revision in reversed(order):
        run(revision, "downgrade", url)
    print(f"{len(order)} revisions, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
