#!/usr/bin/env python3
"""The operator's scenarios on the real cluster: the operator from the chart, its Jobs run by the real kubelet in
the real image, against a real PostgreSQL. Each test has a namespace under Pod Security `restricted` and a database
of its own."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario, migration_files  # noqa: E402

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
        folder = self.enterContext(migration_files(BROKEN_MIGRATIONS))
        s = Scenario(self, "failing", migrations=folder)
        s.apply(s.spec(target="heads"))
        obj = s.wait_condition("MigrationSucceeded", "False", reason="MigrationFailed")
        last_run = obj["status"]["lastRun"]
        self.assertEqual(last_run["result"], "Failed")
        self.assertEqual(last_run["revision"], "b2")
        self.assertEqual(last_run["sqlstate"], "22012")
        self.assertEqual(s.versions(), ["b1"])
        self.assertIn(harness.reason("MigrationFailed"), [r for r, _ in s.events()])

        time.sleep(3)  # a window in which a wrongly retried run would start; the assertion below is on state
        self.assertEqual(len(migrate_jobs(s)), 1)
        harness.kubectl("annotate", "pgm", s.name, "-n", s.namespace, f"{harness.API_TYPES['kRetryAnnotation']}=1")
        harness.wait_for("the retried run", lambda: len(migrate_jobs(s)) == 2, timeout=120)
        obj = harness.wait_for("the retried run to fail again", lambda: (
            lambda o: o if o["status"].get("lastRetryToken") == "1" and
            harness.condition(o, "MigrationSucceeded")["reason"] == harness.reason("MigrationFailed") and
            o["status"].get("activeJob", "") == "" else None)(s.resource()), timeout=180)
        self.assertEqual(obj["status"]["lastRun"]["sqlstate"], "22012")


class LiveProgress(unittest.TestCase):
    def test_status_names_the_running_statement_while_the_job_runs(self):
        folder = self.enterContext(migration_files(SLOW_MIGRATIONS))
        s = Scenario(self, "progress", migrations=folder)
        s.apply(s.spec(target="heads"))
        progress = harness.wait_for("status.progress naming the running statement", lambda: (
            lambda p: p if p.get("statement") else None)(
                ((s.resource() or {}).get("status") or {}).get("progress") or {}), timeout=120)
        self.assertEqual(progress["revision"], "s2", progress)
        self.assertEqual(progress["statement"], "SELECT pg_sleep(40), '...'", progress)
        self.assertGreaterEqual(progress["runningSeconds"], 0, progress)
        self.assertNotIn("not-a-secret-but-a-literal", json.dumps(s.resource()))
        s.wait_ready()
        self.assertNotIn("statement", s.resource()["status"].get("progress", {}))


class LintGate(unittest.TestCase):
    def test_an_index_built_without_concurrently_blocks_until_the_plan_is_approved(self):
        folder = self.enterContext(migration_files(GATE_MIGRATIONS))
        s = Scenario(self, "lintgate", migrations=folder)
        s.apply(s.spec(target="g1"))
        s.wait_ready()
        s.pg.psql("INSERT INTO g SELECT x FROM generate_series(1, 5000) x; ANALYZE g", s.database)
        runs = len(migrate_jobs(s))
        s.patch({"targetRevision": "heads", "safety": {"lint": "block"}})
        obj = s.wait_condition("Blocked", "True", reason="LintBlocked")
        self.assertEqual(obj["status"]["phase"], "Blocked")
        stalled = harness.condition(obj, "Stalled")
        self.assertEqual((stalled["status"], stalled["reason"]), ("True", harness.reason("LintBlocked")), stalled)
        self.assertEqual(harness.condition(obj, "Ready")["status"], "False")
        lint = obj["status"]["lint"]
        finding = lint["findings"][0]
        self.assertEqual((finding["rule"], finding["severity"], finding["revision"]),
                         ("require-concurrent-index-creation", "error", "g2"), lint)
        self.assertIn("SHARE on public.g (5.0 k rows, ", finding["message"])
        self.assertIn(lint["planHash"], harness.condition(obj, "Blocked")["message"])
        time.sleep(3)  # a window in which a wrongly started run would create its Job; the assertions are on state
        self.assertEqual(len(migrate_jobs(s)), runs)
        self.assertEqual(s.versions(), ["g1"])

        harness.kubectl("annotate", "pgm", s.name, "-n", s.namespace, "--overwrite",
                        f"{harness.API_TYPES['kApproveAnnotation']}={lint['planHash']}")
        obj = s.wait_ready()
        self.assertEqual(s.versions(), ["g2"])
        blocked = harness.condition(obj, "Blocked")
        self.assertEqual((blocked["status"], blocked["reason"]), ("False", harness.reason("LintApproved")), blocked)
        self.assertIn(lint["planHash"], blocked["message"])


def migrate_jobs(s):
    component = harness.JOB_LABELS["kComponentLabel"]
    return [j for j in s.jobs() if j["metadata"]["labels"].get(component) == "migrate"]


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


class AlreadyAtTarget(unittest.TestCase):
    def test_a_database_at_the_target_is_ready_with_no_job(self):
        s = Scenario(self, "attarget")
        s.pg.psql("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); "
                  "INSERT INTO alembic_version VALUES ('0016')", s.database)
        s.apply(s.spec(target="heads", backup=True))
        obj = s.wait_condition("Ready", "True", reason="UpToDate")
        self.assertEqual(obj["status"]["currentHeads"], HEADS)
        self.assertEqual(s.jobs(), [])


class OutOfBandChange(unittest.TestCase):
    def test_heads_moved_by_hand_are_reported_and_not_undone(self):
        s = Scenario(self, "outofband")
        s.apply(s.spec(target="0005"))
        s.wait_ready()
        jobs = len(s.jobs())
        # Someone upgrades by hand past the target: undoing it would be a downgrade, which is not allowed.
        s.pg.psql("UPDATE alembic_version SET version_num = '0006'", s.database)
        look_again(s)
        obj = s.wait_condition("Ready", "False", reason="DowngradeNotAllowed")
        self.assertEqual(obj["status"]["currentHeads"], ["0006"])
        # A revision the migrations do not know: blocked.
        s.pg.psql("UPDATE alembic_version SET version_num = 'f00d'", s.database)
        look_again(s)
        obj = s.wait_condition("Stalled", "True", reason="OutOfBandChange")
        self.assertEqual(obj["status"]["phase"], "Blocked")
        harness.wait_for("a Blocked event naming OutOfBandChange", lambda: any(
            r == "Blocked" and "OutOfBandChange" in (m or "") for r, m in s.events()), timeout=60)
        self.assertEqual(len(s.jobs()), jobs)
        self.assertEqual(s.versions(), ["f00d"])


def look_again(s):
    """Any change to the resource makes the operator look again (so does --resync-period, every 5 minutes)."""
    harness.kubectl("label", "pgm", s.name, "-n", s.namespace, f"looked-at={time.monotonic_ns()}", "--overwrite")


class FailingBackup(unittest.TestCase):
    def test_a_backup_pg_dump_refuses_blocks_the_migration(self):
        s = Scenario(self, "badbackup")
        user = ("limited_" + s.database, "limited-password")
        s.pg.psql(f"CREATE ROLE {user[0]} LOGIN PASSWORD '{user[1]}'")
        s.pg.psql(f"CREATE TABLE payroll (x int); REVOKE ALL ON payroll FROM PUBLIC; "
                  f"GRANT ALL ON SCHEMA public TO {user[0]}", s.database)
        self.addCleanup(s.pg.psql, f"DROP OWNED BY {user[0]}; DROP ROLE IF EXISTS {user[0]}", s.database)
        harness.apply([harness.url_secret("app-db", s.pg.pod_url(s.database, user))], s.namespace)
        s.apply(s.spec(target="heads", backup=True))
        obj = s.wait_condition("BackupSucceeded", "False", reason="BackupFailed")
        self.assertEqual(harness.condition(obj, "Ready")["status"], "False")
        self.assertIn("payroll", json.dumps(obj["status"]))
        self.assertEqual(migrate_jobs(s), [])
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")


class StuckJob(unittest.TestCase):
    def test_an_image_that_cannot_be_pulled_is_reported_within_a_minute_and_its_job_deleted(self):
        s = Scenario(self, "badimage")
        image = "registry.invalid/pgrevise/missing:0"
        s.apply(s.spec(target="0002", job={"image": image}))
        # The Pod waits in ErrImagePull / ImagePullBackOff; the operator reports it within a minute rather than
        # at the Job's deadline (3600 s).
        obj = s.wait_condition("Stalled", "True", reason="JobPodNotStarting", timeout=60)
        message = harness.condition(obj, "Stalled")["message"]
        self.assertTrue("ImagePullBackOff" in message or "ErrImagePull" in message, message)
        self.assertIn(image, message)
        self.assertEqual(obj["status"]["phase"], "Failed")
        self.assertEqual(harness.condition(obj, "MigrationSucceeded")["reason"], harness.reason("JobPodNotStarting"))
        harness.wait_for("a JobPodNotStarting event", lambda: any(
            r == harness.reason("JobPodNotStarting") and image in (m or "") for r, m in s.events()), timeout=30)
        harness.wait_for("the stuck Job to be deleted", lambda: not migrate_jobs(s), timeout=60)
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")

    def test_a_pod_a_resource_quota_refuses_is_reported_with_the_quota_message_within_a_minute(self):
        s = Scenario(self, "quota")
        # The Jobs' containers have a memory limit by default (1 Gi); the namespace allows 64 Mi in all. The real
        # Job controller gets the quota admission's refusal and records it as a FailedCreate event on the Job:
        # the Job has no Pod at all.
        harness.apply([{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "small"},
                        "spec": {"hard": {"limits.memory": "64Mi"}}}], s.namespace)
        # Until the resource quota controller has written the quota's status, admission refuses every Pod with
        # "status unknown for quota" rather than with the quota's numbers.
        harness.wait_for("the quota's status", lambda: (harness.get("resourcequota", "small", s.namespace) or {})
                         .get("status", {}).get("hard"), timeout=60)
        s.apply(s.spec(target="0002"))
        obj = s.wait_condition("Stalled", "True", reason="JobPodNotStarting", timeout=60)
        message = harness.condition(obj, "Stalled")["message"]
        self.assertIn("FailedCreate", message)
        self.assertIn("exceeded quota: small", message)
        self.assertIn("limits.memory", message)
        self.assertEqual(obj["status"]["phase"], "Failed")
        self.assertEqual(harness.condition(obj, "MigrationSucceeded")["reason"], harness.reason("JobPodNotStarting"))
        harness.wait_for("a JobPodNotStarting event with the quota message", lambda: any(
            r == harness.reason("JobPodNotStarting") and "exceeded quota: small" in (m or "")
            for r, m in s.events()), timeout=30)
        harness.wait_for("the refused Job to be deleted", lambda: not migrate_jobs(s), timeout=60)
        self.assertEqual(harness.list_objects("pods", s.namespace), [])
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")

        # The cause is outside the resource: once it is fixed, the retry annotation runs the migration again.
        harness.kubectl("delete", "resourcequota", "small", "-n", s.namespace)
        harness.kubectl("annotate", "pgm", s.name, "-n", s.namespace, f"{harness.API_TYPES['kRetryAnnotation']}=1")
        s.wait_ready()
        self.assertEqual(s.versions(), ["0002"])

    def test_a_pod_no_node_can_take_is_reported_as_unschedulable_within_a_minute(self):
        s = Scenario(self, "unschedulable")
        s.apply(s.spec(target="0002", job={"nodeSelector": {"pgrevise.dev/test-no-such-node": "true"}}))
        # The real scheduler finds no node and sets the Pod's PodScheduled condition to False, Unschedulable.
        obj = s.wait_condition("Stalled", "True", reason="JobPodNotStarting", timeout=60)
        message = harness.condition(obj, "Stalled")["message"]
        self.assertIn("Unschedulable", message)
        self.assertIn("node affinity/selector", message)
        self.assertEqual(obj["status"]["phase"], "Failed")
        self.assertEqual(harness.condition(obj, "MigrationSucceeded")["reason"], harness.reason("JobPodNotStarting"))
        harness.wait_for("a JobPodNotStarting event naming Unschedulable", lambda: any(
            r == harness.reason("JobPodNotStarting") and "Unschedulable" in (m or "") for r, m in s.events()),
            timeout=30)
        harness.wait_for("the unschedulable Job and its Pod to be deleted", lambda: not migrate_jobs(s) and not
                         harness.list_objects("pods", s.namespace), timeout=90)
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")

        # The cause is in the spec: fixing it is a new generation, which runs without the retry annotation.
        s.patch({"job": {"nodeSelector": None}})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0002"])


class MissingInputs(unittest.TestCase):
    def test_a_missing_secret_is_a_condition_with_no_job(self):
        s = Scenario(self, "nosecret")
        harness.kubectl("delete", "secret", "app-db", "-n", s.namespace)
        s.apply(s.spec())
        s.wait_condition("Ready", "False", reason="SecretNotFound")
        self.assertEqual(s.jobs(), [])

    def test_a_missing_configmap_waits_for_it_and_then_migrates(self):
        s = Scenario(self, "noconfigmap", migrations=None)
        s.apply(s.spec(target="0002"))
        s.wait_condition("Ready", "False", reason="ConfigMapNotFound")
        self.assertEqual(s.jobs(), [])
        harness.apply([harness.migrations_configmap("app-migrations", harness.SOURCE_DIR / "migrations")],
                      s.namespace)
        s.wait_ready()
        self.assertEqual(s.versions(), ["0002"])

    def test_an_unknown_target_is_stalled_with_no_job(self):
        s = Scenario(self, "badtarget")
        s.apply(s.spec(target="9999"))
        s.wait_condition("Stalled", "True", reason="InvalidTarget")
        self.assertEqual(s.jobs(), [])

    def test_a_spec_without_a_database_is_refused_by_the_server(self):
        s = Scenario(self, "nodatabase")
        spec = s.spec()
        del spec["database"]
        with self.assertRaises(harness.CommandError) as refused:
            s.apply(spec)
        self.assertIn('"database"', str(refused.exception))
        self.assertIsNone(s.resource())


# A revision set whose second revision divides by zero (SQLSTATE 22012).
BROKEN_MIGRATIONS = {
    "b1.sql": "-- revision: b1\n-- message: ok\n\n-- +upgrade\nCREATE TABLE b (x int);\n\n-- +downgrade\nDROP TABLE b;\n",
    "b2.sql": "-- revision: b2\n-- down_revision: b1\n-- message: broken\n\n-- +upgrade\n"
              "INSERT INTO b VALUES (1 / 0);\n\n-- +downgrade\nDELETE FROM b;\n",
}

# A table, then an index on it built without CONCURRENTLY: an error for the lint gate once the table has rows.
GATE_MIGRATIONS = {
    "g1.sql": "-- revision: g1\n-- message: table\n\n-- +upgrade\nCREATE TABLE g (x bigint);\n\n"
              "-- +downgrade\nDROP TABLE g;\n",
    "g2.sql": "-- revision: g2\n-- down_revision: g1\n-- message: index\n\n-- +upgrade\nCREATE INDEX g_x ON g (x);\n\n"
              "-- +downgrade\nDROP INDEX g_x;\n",
}

# A revision set whose second revision runs long enough for the operator to look at it several times.
SLOW_MIGRATIONS = {
    "s1.sql": "-- revision: s1\n-- message: ok\n\n-- +upgrade\nCREATE TABLE s (x int);\n\n-- +downgrade\nDROP TABLE s;\n",
    "s2.sql": "-- revision: s2\n-- down_revision: s1\n-- message: slow\n\n-- +upgrade\n"
              "SELECT pg_sleep(40), 'not-a-secret-but-a-literal';\n\n-- +downgrade\nSELECT 1;\n",
}


if __name__ == "__main__":
    unittest.main(verbosity=2)
