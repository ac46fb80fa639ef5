#!/usr/bin/env python3
"""The operator's scenarios on the real cluster: the operator from the chart, its Jobs run by the real kubelet in
the real image, against a real PostgreSQL. Each test has a namespace under Pod Security `restricted` and a database
of its own."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario  # noqa: E402

HEADS = ["0016"]


def setUpModule():
    operator.install()


def tearDownModule():
    if os.environ.get("PGREVISE_CLUSTER_KEEP") != "1":
        operator.uninstall()


class FirstInstall(unittest.TestCase):
    def test_backs_up_then_migrates_a_configmap_to_heads_and_a_bump_moves_it_on(self):
        s = Scenario(self, "install")
        s.apply(s.spec(target="0005", backup=True))
        obj = s.wait_ready()
        self.assertEqual(s.versions(), ["0005"])
        self.assertEqual(obj["status"]["currentHeads"], ["0005"])
        first_backup = obj["status"]["lastBackup"]
        self.assertTrue(first_backup["file"].endswith(".dump"), first_backup)
        self.assertTrue(os.path.exists(os.path.join(s.backup_dir, os.path.basename(first_backup["file"]))),
                        f"{first_backup['file']} not on the volume: {os.listdir(s.backup_dir)}")

        s.patch({"targetRevision": "heads"})
        obj = s.wait_ready()
        self.assertEqual(s.versions(), HEADS)
        self.assertEqual(obj["status"]["lastBackup"]["revision"], "0005")
        self.assertEqual(obj["status"].get("lastRun", {}).get("result"), "Succeeded", s.describe())
        reasons = [r for r, _ in s.events()]
        self.assertIn(harness.reason("Migrated"), reasons)


class FailingMigration(unittest.TestCase):
    def test_reports_the_revision_and_sqlstate_in_status_and_an_event(self):
        folder = self.enterContext(broken_migrations())
        s = Scenario(self, "failing", migrations=folder)
        s.apply(s.spec(target="heads"))
        obj = s.wait_condition("MigrationSucceeded", "False", reason="MigrationFailed")
        last_run = obj["status"]["lastRun"]
        self.assertEqual(last_run["result"], "Failed")
        self.assertEqual(last_run["revision"], "b2")
        self.assertEqual(last_run["sqlstate"], "22012")
        self.assertEqual(s.versions(), ["b1"])
        self.assertIn(harness.reason("MigrationFailed"), [r for r, _ in s.events()])


class Downgrade(unittest.TestCase):
    def test_is_refused_until_allowed(self):
        s = Scenario(self, "downgrade")
        s.apply(s.spec(target="0006"))
        s.wait_ready()
        s.patch({"targetRevision": "0004"})
        obj = s.wait_condition("Stalled", "True", reason="DowngradeNotAllowed")
        self.assertEqual(s.versions(), ["0006"])
        self.assertEqual(harness.condition(obj, "Ready")["status"], "False")

        s.patch({"safety": {"allowDowngrade": True}})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0004"])


class DryRun(unittest.TestCase):
    def test_publishes_the_sql_and_leaves_the_database_alone(self):
        s = Scenario(self, "dryrun")
        s.apply(s.spec(target="0003", dryRun=True))
        obj = s.wait_condition("Ready", "True", reason="DryRunComplete")
        config_map = harness.get("configmap", obj["status"]["dryRunConfigMap"], s.namespace)
        sql = "\n".join(config_map["data"].values())
        self.assertIn("CREATE TABLE projects", sql)
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")


class Suspend(unittest.TestCase):
    def test_stops_new_runs_until_resumed(self):
        s = Scenario(self, "suspend")
        s.apply(s.spec(target="0002"))
        s.wait_ready()
        jobs_before = len(s.jobs())
        s.patch({"suspend": True, "targetRevision": "0004"})
        s.wait_condition("Ready", "False", reason="Suspended")
        time.sleep(3)  # a window in which a wrongly started Job would appear; the assertion below is on state
        self.assertEqual(len(s.jobs()), jobs_before)
        self.assertEqual(s.versions(), ["0002"])

        s.patch({"suspend": False})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0004"])


class JobTtl(unittest.TestCase):
    def test_jobs_deleted_by_the_ttl_controller_do_not_start_a_new_run(self):
        s = Scenario(self, "ttl")
        s.apply(s.spec(target="0003", job={"ttlSecondsAfterFinished": 0}))
        obj = s.wait_ready()
        harness.wait_for("the TTL controller to delete the Jobs", lambda: not s.jobs(), timeout=60)
        started = obj["status"]["lastRun"]["startedAt"]
        time.sleep(5)  # resyncs after the Jobs are gone; the assertions below are on state
        obj = s.wait_ready()
        self.assertEqual(obj["status"]["lastRun"]["startedAt"], started)
        self.assertEqual(s.jobs(), [])
        self.assertEqual(s.versions(), ["0003"])


class Deletion(unittest.TestCase):
    def test_deleting_the_resource_collects_its_jobs(self):
        s = Scenario(self, "delete")
        s.apply(s.spec(target="0002"))
        s.wait_ready()
        self.assertTrue(s.jobs())
        harness.kubectl("delete", "pgm", s.name, "-n", s.namespace, "--wait=true", timeout=120)
        harness.wait_for("the garbage collector to delete the Jobs", lambda: not s.jobs(), timeout=90)
        self.assertEqual(s.versions(), ["0002"])


class broken_migrations:
    """A revision set whose second revision divides by zero (SQLSTATE 22012)."""

    def __enter__(self):
        import tempfile
        self.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(self.dir.name, "b1.sql"), "w", encoding="utf-8") as f:
            f.write("-- revision: b1\n-- message: ok\n\n-- +upgrade\nCREATE TABLE b (x int);\n\n"
                    "-- +downgrade\nDROP TABLE b;\n")
        with open(os.path.join(self.dir.name, "b2.sql"), "w", encoding="utf-8") as f:
            f.write("-- revision: b2\n-- down_revision: b1\n-- message: broken\n\n-- +upgrade\n"
                    "INSERT INTO b VALUES (1 / 0);\n\n-- +downgrade\nDELETE FROM b;\n")
        return self.dir.name

    def __exit__(self, *exc):
        self.dir.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
