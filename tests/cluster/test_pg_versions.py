#!/usr/bin/env python3
"""One operator scenario on every PostgreSQL server version of the matrix, on the real cluster: a first install
with a backup, from the chart's operator, its backup and migrate Jobs run by the real kubelet in the real image,
against the fixture's PostgreSQL 15 (this machine's), 17 (Debian trixie) and 18 (Debian sid). The backup on the
volume must name the server's version and the client tools the image chose for it (the server's own version,
else the oldest newer one the image has), and the database must reach the heads."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario  # noqa: E402

HEADS = ["0016"]
# The fixture's servers: this machine's, then one folder per other version.
SERVERS = {"default": "PGREVISE_CLUSTER_PG", "17": "PGREVISE_CLUSTER_PG17", "18": "PGREVISE_CLUSTER_PG18"}


def setUpModule():
    operator.install()


def tearDownModule():
    if os.environ.get("PGREVISE_CLUSTER_KEEP") != "1":
        operator.uninstall()


def image_client_majors():
    """The versions of the client tools in the image: its folders /usr/lib/postgresql/MAJOR."""
    out = harness.run(["docker", "run", "--rm", "--entrypoint", "ls", harness.image(), "/usr/lib/postgresql"]).stdout
    return sorted(int(name) for name in out.split())


class BackupThenMigrateOnEveryServerVersion(unittest.TestCase):
    def test_first_install_with_a_backup(self):
        clients = image_client_majors()
        seen = set()
        for label, variable in SERVERS.items():
            with self.subTest(server=label):
                pg = harness.Postgres(os.environ[variable])
                major = int(pg.psql("SHOW server_version_num")) // 10000
                self.assertNotIn(major, seen, f"{variable} runs a version already tested")
                seen.add(major)
                self.install_with_backup(pg, major, clients)
        self.assertEqual(sorted(seen), [15, 17, 18])

    def install_with_backup(self, pg, major, clients):
        s = Scenario(self, f"pg{major}", pg=pg)
        s.apply(s.spec(target="heads", backup=True))
        obj = s.wait_ready()
        self.assertEqual(s.versions(), HEADS, s.describe())
        backup = obj["status"]["lastBackup"]
        name = os.path.basename(backup["file"])
        self.assertTrue(name.endswith(".dump"), backup)
        with open(os.path.join(s.backup_dir, name[:-len(".dump")] + ".manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(int(manifest["serverVersion"].split(".")[0]), major, manifest)
        expected = min(client for client in clients if client >= major)
        self.assertEqual(int(manifest["pgDumpVersion"].split(".")[0]), expected, manifest)
        self.assertEqual(manifest["sha256"], backup["sha256"])
        self.assertIn(harness.reason("Migrated"), [r for r, _ in s.events()])


if __name__ == "__main__":
    unittest.main(verbosity=2)
