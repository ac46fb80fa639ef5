#!/usr/bin/env python3
"""The pgrevise image backs up and restores every PostgreSQL server version of the test matrix with the client
tools it ships. For each server (the throwaway clusters of the postgres, postgres17 and postgres18 fixtures), a
database with tables, data and a version table is backed up by `docker run` of the image (the Dockerfile's
runtime stage with the binary built here, as the cluster tests run it) on the host's network; the database is
then changed as a migration would change it and restored with `restore --clean` by the image again, and its
schema, rows and heads must be what they were. The backup's manifest must name the server's version and the
pg_dump the image chose for it: of the client tools the image carries in /usr/lib/postgresql/MAJOR/bin, those of
the server's own version, else the oldest newer ones.

Usage: check_image_pg_versions.py PGREVISE_BINARY SOURCE_DIR CLUSTER_DIR... [unittest arguments]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = ""
SOURCE_DIR = ""
CLUSTERS = []  # cluster folders (scripts/dev-postgres), one per server version
RUNTIME_TAG = "pgrevise-test/runtime:latest"
IMAGE_TAG = "pgrevise-test/pg-versions:latest"


def docker(*args, check=True):
    proc = subprocess.run(["docker", *args], capture_output=True, text=True,
                          env={**os.environ, "DOCKER_BUILDKIT": "0"}, timeout=1800)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])}... exited {proc.returncode}: {proc.stderr}{proc.stdout}")
    return proc


def admin_url(cluster):
    with open(os.path.join(cluster, "url"), encoding="utf-8") as f:
        return f.read().strip()


def url_for(cluster, database):
    return admin_url(cluster).rsplit("/", 1)[0] + "/" + database


def run_sql(url, sql):
    """Runs SQL with this machine's psql in one transaction and returns its output (rows, fields by '|')."""
    proc = subprocess.run(["psql", "--no-psqlrc", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                           "-d", url, "-c", sql], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"psql exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


SEED = """
CREATE TABLE projects (id serial PRIMARY KEY, name text NOT NULL UNIQUE, budget numeric(12, 2));
CREATE TABLE entries (id bigserial PRIMARY KEY, project_id int REFERENCES projects, minutes int,
                      note text, tags jsonb);
CREATE INDEX entries_project ON entries (project_id);
CREATE VIEW project_minutes AS SELECT project_id, sum(minutes) AS minutes FROM entries GROUP BY project_id;
INSERT INTO projects (name, budget) SELECT 'project ' || i, i * 100.5 FROM generate_series(1, 20) i;
INSERT INTO entries (project_id, minutes, note, tags)
  SELECT 1 + i % 20, i % 480, repeat('n', i % 50), jsonb_build_object('i', i) FROM generate_series(1, 5000) i;
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0007');
"""

# What a migration does to the database after the backup: the restore must undo all of it.
MIGRATE = """
CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);
INSERT INTO invoices (total) VALUES (1), (2);
ALTER TABLE projects ADD COLUMN active boolean DEFAULT true;
UPDATE projects SET budget = budget * 2;
DELETE FROM entries WHERE id % 3 = 0;
DROP VIEW project_minutes;
UPDATE alembic_version SET version_num = '0008';
"""

STATE = """
SELECT (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name,
                          column_name)
          FROM information_schema.columns WHERE table_schema = 'public'),
       (SELECT string_agg(viewname, ',') FROM pg_views WHERE schemaname = 'public'),
       (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM projects p),
       (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM entries e),
       (SELECT string_agg(version_num, ',') FROM alembic_version)
"""


class ImageAgainstEveryServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        subprocess.run([os.path.join(SOURCE_DIR, "tests", "support", "cluster", "base-image")], check=True)
        docker("build", "-q", "--target", "runtime", "-f", os.path.join(SOURCE_DIR, "docker", "Dockerfile"),
               "-t", RUNTIME_TAG, SOURCE_DIR)
        context = tempfile.mkdtemp()
        try:
            subprocess.run(["strip", "-o", os.path.join(context, "pgrevise"), BINARY], check=True)
            with open(os.path.join(context, "Dockerfile"), "w", encoding="utf-8") as f:
                f.write(f"FROM {RUNTIME_TAG}\nCOPY pgrevise /usr/local/bin/pgrevise\n")
            docker("build", "-q", "-t", IMAGE_TAG, context)
        finally:
            shutil.rmtree(context)

    def setUp(self):
        self.backups = tempfile.mkdtemp(prefix="pgrevise-image-versions-")
        os.chmod(self.backups, 0o777)  # the image runs as 65532

    def tearDown(self):
        # Files the container wrote belong to 65532; this process (root in CI) removes them.
        shutil.rmtree(self.backups, ignore_errors=True)

    def pgrevise(self, *args):
        return docker("run", "--rm", "--network", "host", "-v", f"{self.backups}:/backups", IMAGE_TAG, *args,
                      check=False)

    def test_backup_and_restore_on_every_server_version(self):
        listing = docker("run", "--rm", "--entrypoint", "ls", IMAGE_TAG, "/usr/lib/postgresql").stdout
        self.client_majors = sorted(int(name) for name in listing.split())
        majors = [self.server_major(cluster) for cluster in CLUSTERS]
        self.assertEqual(len(set(majors)), len(CLUSTERS), f"each cluster must run another version: {majors}")
        for cluster, major in zip(CLUSTERS, majors):
            with self.subTest(server=major):
                self.round_trip(cluster, str(major))

    @staticmethod
    def server_major(cluster):
        return int(run_sql(admin_url(cluster), "SHOW server_version_num")) // 10000

    def round_trip(self, cluster, major):
        database = f"image_pg{major}_{os.getpid()}"
        admin = admin_url(cluster)
        subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", f'CREATE DATABASE "{database}"'], check=True)
        try:
            url = url_for(cluster, database)
            run_sql(url, SEED)
            before = run_sql(url, STATE)

            backup = self.pgrevise("backup", "--database-url", url, "--out", "/backups", "--name",
                                   f"pg{major}", "--output", "json")
            self.assertEqual(backup.returncode, 0, backup.stderr + backup.stdout)
            manifest = json.loads(backup.stdout)["backup"]
            self.assertEqual(manifest["serverVersion"].split(".")[0], major)
            newer = [client for client in self.client_majors if client >= int(major)]
            self.assertTrue(newer, f"the image has no client tools for PostgreSQL {major}: {self.client_majors}")
            self.assertEqual(int(manifest["pgDumpVersion"].split(".")[0]), newer[0], manifest)
            self.assertEqual(manifest["heads"], ["0007"])

            run_sql(url, MIGRATE)
            self.assertNotEqual(run_sql(url, STATE), before)
            restore = self.pgrevise("restore", "--from", f"/backups/pg{major}.manifest.json", "--database-url",
                                    url, "--clean")
            self.assertEqual(restore.returncode, 0, restore.stderr + restore.stdout)
            self.assertIn("heads now: 0007", restore.stdout)
            self.assertEqual(run_sql(url, STATE), before)
        finally:
            subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                           check=True)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    BINARY, SOURCE_DIR = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    while rest and not rest[0].startswith("-"):
        CLUSTERS.append(rest.pop(0))
    if not CLUSTERS:
        sys.exit(__doc__)
    unittest.main(argv=[sys.argv[0], *rest])
