"""One PostgresMigration on the real cluster, in a namespace of its own under Pod Security `restricted`, with a
database of its own on the fixture's PostgreSQL and, when it backs up, a PersistentVolume on the node."""

import json
import os
import tempfile

import harness

MIGRATIONS_DIR = harness.SOURCE_DIR / "migrations"


class Scenario:
    def __init__(self, test, name, migrations=MIGRATIONS_DIR, pg=None):
        self.test = test
        self.pg = pg or harness.Postgres()
        self.name = "app"
        self.namespace = harness.restricted_namespace(harness.unique_name(name))
        self.database = self.pg.create_database(self.namespace.replace("-", "_"))
        self.backup_dir = None
        test.addCleanup(self.cleanup)
        objects = [harness.url_secret("app-db", self.pg.pod_url(self.database))]
        if migrations is not None:
            objects.append(harness.migrations_configmap("app-migrations", migrations))
        harness.apply(objects, self.namespace)

    def cleanup(self):
        harness.delete_namespace(self.namespace)
        if self.backup_dir:
            harness.kubectl("delete", "pv", self.namespace, "--ignore-not-found", "--wait=false")

    def backup_claim(self):
        """A claim bound to a hostPath PersistentVolume of the node (the cluster has no provisioner)."""
        self.backup_dir = os.path.join(os.environ["PGREVISE_CLUSTER_DIR"], "volumes", self.namespace)
        os.makedirs(self.backup_dir, exist_ok=True)
        os.chmod(self.backup_dir, 0o777)
        harness.apply([{
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": self.namespace},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                     "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": self.backup_dir},
                     "claimRef": {"namespace": self.namespace, "name": "db-backups"}}}])
        harness.apply([{
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "db-backups"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "volumeName": self.namespace,
                     "resources": {"requests": {"storage": "1Gi"}}}}], self.namespace)
        return {"enabled": True, "persistentVolumeClaim": {"claimName": "db-backups"}, "retain": 5}

    def spec(self, target="heads", backup=False, **extra):
        spec = {"database": {"urlSecretRef": {"name": "app-db", "key": "url"}}, "targetRevision": target,
                "migrations": {"configMapRef": {"name": "app-migrations"}},
                "backup": self.backup_claim() if backup else {"enabled": False}}
        spec.update(extra)
        return spec

    def apply(self, spec):
        harness.apply([{"apiVersion": harness.API_TYPES["kApiVersion"], "kind": "PostgresMigration",
                        "metadata": {"name": self.name}, "spec": spec}], self.namespace)

    def patch(self, spec_patch):
        harness.kubectl("patch", "pgm", self.name, "-n", self.namespace, "--type", "merge", "-p",
                        json.dumps({"spec": spec_patch}))

    def resource(self):
        return harness.get("pgm", self.name, self.namespace)

    def wait_condition(self, kind, status, reason=None, timeout=240):
        """Waits until the condition holds for the resource's current generation; returns the resource."""
        def holds():
            obj = self.resource()
            cond = harness.condition(obj, kind)
            if not cond or cond.get("status") != status:
                return None
            if reason and cond.get("reason") != harness.reason(reason):
                return None
            if obj["status"].get("observedGeneration") != obj["metadata"]["generation"]:
                return None
            return obj
        what = f"{self.namespace}/{self.name} {kind}={status}" + (f" ({reason})" if reason else "")
        try:
            return harness.wait_for(what, holds, timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.describe()}") from None

    def wait_ready(self, timeout=300):
        return self.wait_condition("Ready", "True", timeout=timeout)

    def jobs(self):
        selector = f"{harness.JOB_LABELS['kResourceLabel']}={self.name}"
        return harness.list_objects("jobs", self.namespace, selector)

    def versions(self):
        return self.pg.version_rows(self.database)

    def events(self):
        items = harness.list_objects("events", self.namespace)
        return [(e.get("reason"), e.get("message")) for e in items
                if e["involvedObject"].get("kind") == "PostgresMigration"]

    def describe(self):
        """What a person would look at: the resource's status, its Jobs and Pods, and the namespace's events."""
        obj = self.resource()
        pods = harness.list_objects("pods", self.namespace)
        lines = [json.dumps((obj or {}).get("status"), indent=1)]
        for job in self.jobs():
            lines.append(f"job {job['metadata']['name']}: {json.dumps(job.get('status'))}")
        for pod in pods:
            lines.append(f"pod {pod['metadata']['name']}: {json.dumps(pod.get('status', {}).get('containerStatuses'))}")
        for e in harness.list_objects("events", self.namespace):
            lines.append(f"event {e['involvedObject']['kind']}/{e['involvedObject']['name']}: "
                         f"{e.get('reason')}: {e.get('message')}")
        return "\n".join(lines)


class migration_files:
    """A temporary folder holding the migration files {name: text}, for `with`: yields the folder's path."""

    def __init__(self, files):
        self.files = files

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory()
        for name, text in self.files.items():
            with open(os.path.join(self.dir.name, name), "w", encoding="utf-8") as f:
                f.write(text)
        return self.dir.name

    def __exit__(self, *exc):
        self.dir.cleanup()
