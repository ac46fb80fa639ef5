#!/usr/bin/env python3
"""The operator's scenarios that depend on what a real cluster does around it: migrations from an image at the
default path, a team's Alembic image as runner.command, sidecars injected into the Job's Pods by admission, the
operator Pod deleted mid-migration and rescheduled, two replicas with the leader killed, and the 410 relist after
etcd compacted the history a watch resumes from."""

import json
import os
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario, migration_files  # noqa: E402

ALEMBIC_SQL = harness.SOURCE_DIR / "tests" / "cluster" / "alembic" / "sql"
RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                        "runAsNonRoot": True, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}}


def setUpModule():
    operator.install()


def tearDownModule():
    if os.environ.get("PGREVISE_CLUSTER_KEEP") != "1":
        operator.uninstall()


class MigrationsFromAnImage(unittest.TestCase):
    def test_the_default_path_is_copied_and_migrated(self):
        s = Scenario(self, "image", migrations=None)
        spec = s.spec(target="heads")
        spec["migrations"] = {"image": {"image": "pgrevise-test/migrations:1"}}
        s.apply(spec)
        s.wait_ready()
        self.assertEqual(s.versions(), ["0016"])


class AlembicRunner(unittest.TestCase):
    def test_the_teams_alembic_image_migrates_after_the_operator_plans(self):
        s = Scenario(self, "alembic", migrations=ALEMBIC_SQL)
        spec = s.spec(target="heads")
        spec["runner"] = {"command": {"image": "pgrevise-test/alembic:1.8", "command": ["alembic"],
                                      "args": ["-c", "/app/alembic.ini", "upgrade", "$(PGREVISE_TARGET)"]}}
        s.apply(spec)
        s.wait_ready()
        self.assertEqual(s.versions(), ["a2"])
        self.assertEqual(s.pg.psql("SELECT column_name FROM information_schema.columns "
                                   "WHERE table_name = 'accounts' ORDER BY ordinal_position", s.database),
                         "id\nemail\ndisplay_name")


def mutating_policy_version():
    groups = json.loads(harness.kubectl("get", "--raw", "/apis/admissionregistration.k8s.io"))
    versions = [v["version"] for v in groups["versions"]]
    for candidate in ("v1", "v1beta1", "v1alpha1"):
        if candidate in versions:
            resources = json.loads(harness.kubectl("get", "--raw", f"/apis/admissionregistration.k8s.io/{candidate}"))
            if any(r["name"] == "mutatingadmissionpolicies" for r in resources["resources"]):
                return candidate
    return None


class InjectedSidecars(unittest.TestCase):
    """A MutatingAdmissionPolicy injects into every Pod of a labelled namespace what meshes and database proxies
    inject: a plain container named before ours (container statuses come sorted by name) and a native sidecar
    that never exits by itself."""

    def inject(self, namespace):
        version = mutating_policy_version()
        self.assertIsNotNone(version, "the API server serves no MutatingAdmissionPolicy")
        name = f"inject-{namespace}"
        proxy = {"name": "cloud-sql-proxy", "image": "debian:12", "command": ["sleep", "2"],
                 "securityContext": RESTRICTED_CONTAINER}
        mesh = {"name": "istio-proxy", "image": "debian:12", "command": ["sleep", "infinity"],
                "restartPolicy": "Always", "securityContext": RESTRICTED_CONTAINER}
        # A list of typed objects as a patch value makes this API server (1.35, the policy in beta) panic, so
        # an empty list is added first where the Pod has no init containers, then the sidecar appended.
        append_mesh = 'JSONPatch{op: "add", path: "/spec/initContainers/-", value: %s}' % cel_container(
            mesh, "initContainers")
        expression = ('[JSONPatch{op: "add", path: "/spec/containers/-", value: %s}] + '
                      '(has(object.spec.initContainers) ? [%s] : '
                      '[JSONPatch{op: "add", path: "/spec/initContainers", value: []}, %s])'
                      % (cel_container(proxy, "containers"), append_mesh, append_mesh))
        group = f"admissionregistration.k8s.io/{version}"
        harness.apply([
            {"apiVersion": group, "kind": "MutatingAdmissionPolicy", "metadata": {"name": name},
             "spec": {"matchConstraints": {
                 "resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"],
                                    "resources": ["pods"]}],
                 "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}},
                 "failurePolicy": "Fail", "reinvocationPolicy": "Never",
                 "mutations": [{"patchType": "JSONPatch", "jsonPatch": {"expression": expression}}]}},
            {"apiVersion": group, "kind": "MutatingAdmissionPolicyBinding", "metadata": {"name": name},
             "spec": {"policyName": name}}])
        self.addCleanup(harness.kubectl, "delete", "mutatingadmissionpolicy", name, "--ignore-not-found")
        self.addCleanup(harness.kubectl, "delete", "mutatingadmissionpolicybinding", name, "--ignore-not-found")
        # The policy is in force once a Pod created in the namespace carries the sidecars.
        probe = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
                 "spec": {"containers": [{"name": "main", "image": "debian:12", "command": ["true"],
                                          "securityContext": RESTRICTED_CONTAINER}]}}

        def injected():
            harness.kubectl("delete", "pod", "probe", "-n", namespace, "--ignore-not-found", "--wait=true")
            harness.apply([probe], namespace, server_side=False)
            pod = harness.get("pod", "probe", namespace)
            return len(pod["spec"]["containers"]) == 2
        harness.wait_for("the sidecar policy to apply", injected, timeout=60, interval=1)
        harness.kubectl("delete", "pod", "probe", "-n", namespace, "--wait=false")

    def test_the_report_is_read_from_our_container_and_the_job_finishes(self):
        s = Scenario(self, "sidecar")
        self.inject(s.namespace)
        s.apply(s.spec(target="0003"))
        obj = s.wait_ready()
        self.assertEqual(s.versions(), ["0003"])
        steps = obj["status"]["lastRun"]["steps"]
        self.assertEqual([step["revision"] for step in steps], ["0001", "0002", "0003"])
        pods = harness.list_objects("pods", s.namespace)
        self.assertTrue(any(len(p["spec"]["containers"]) == 2 for p in pods), "no Pod got the sidecar")


def cel_container(container, field):
    """A container of Object.spec.FIELD as a CEL object of the ApplyConfiguration expression."""
    def value(v, path):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(item, path) for item in v) + "]"
        fields = ", ".join(f"{k}: {value(item, path + '.' + k)}" for k, item in v.items())
        return f"{path}{{{fields}}}"
    typed = {"securityContext": f"Object.spec.{field}.securityContext"}
    fields = []
    for key, item in container.items():
        if key == "securityContext":
            sc = dict(item)
            parts = [f"allowPrivilegeEscalation: {value(sc['allowPrivilegeEscalation'], '')}",
                     f"capabilities: {typed[key]}.capabilities{{drop: {value(sc['capabilities']['drop'], '')}}}",
                     f"runAsNonRoot: {value(sc['runAsNonRoot'], '')}", f"runAsUser: {sc['runAsUser']}",
                     f"seccompProfile: {typed[key]}.seccompProfile{{type: \"RuntimeDefault\"}}"]
            fields.append(f"securityContext: {typed[key]}{{{', '.join(parts)}}}")
        else:
            fields.append(f"{key}: {value(item, '')}")
    return f"Object.spec.{field}{{" + ", ".join(fields) + "}"


class OperatorPodDeleted(unittest.TestCase):
    def test_a_rescheduled_operator_finds_the_running_job_instead_of_starting_another(self):
        folder = self.enterContext(migration_files(SLOW_MIGRATIONS))
        s = Scenario(self, "rescheduled", migrations=folder)
        s.apply(s.spec(target="heads"))
        harness.wait_for("the migrate Job to run", lambda: any(
            j.get("status", {}).get("active") for j in s.jobs()), timeout=120)
        old = operator.running_pods()[0]["metadata"]["name"]
        harness.kubectl("delete", "pod", old, "-n", operator.NAMESPACE, "--wait=false")
        harness.wait_for("a new operator Pod", lambda: any(
            p["metadata"]["name"] != old for p in operator.running_pods()), timeout=120)
        obj = s.wait_ready(timeout=300)
        self.assertEqual(s.versions(), ["s2"])
        self.assertEqual(len(s.jobs()), 1, [j["metadata"]["name"] for j in s.jobs()])
        self.assertEqual([step["revision"] for step in obj["status"]["lastRun"]["steps"]], ["s1", "s2"])


class LeaderKilled(unittest.TestCase):
    def test_the_standby_takes_the_lease_and_carries_on(self):
        operator.install(replicas=2)
        self.addCleanup(operator.install)
        harness.wait_for("two running replicas", lambda: len(operator.running_pods()) == 2, timeout=180)
        leader = harness.wait_for("a leader", operator.lease_holder, timeout=120)
        leader_pod = next(p["metadata"]["name"] for p in operator.running_pods()
                          if leader.startswith(p["metadata"]["name"]))
        harness.kubectl("delete", "pod", leader_pod, "-n", operator.NAMESPACE, "--grace-period=0", "--force")
        harness.wait_for("another replica to lead",
                         lambda: (operator.lease_holder() or leader_pod).split("_")[0] != leader_pod and
                         not (operator.lease_holder() or "").startswith(leader_pod), timeout=120)
        s = Scenario(self, "leader")
        s.apply(s.spec(target="0004"))
        s.wait_ready()
        self.assertEqual(s.versions(), ["0004"])


class EtcdCompaction(unittest.TestCase):
    """A watch resumed from a resourceVersion etcd has compacted gets an ERROR event with a 410 Status from the
    real server (served from etcd: the cluster's API server runs without the watch cache); the operator relists
    and carries on."""

    def test_the_operator_relists_after_the_history_is_compacted(self):
        s = Scenario(self, "compact")
        s.apply(s.spec(target="0002"))
        s.wait_ready()
        pod = operator.running_pods()[0]
        relists_before = relist_count(pod)
        compact_etcd()
        # The API server restarting (an upgrade of the control plane does it) cuts every watch; the operator
        # resumes each from the last resourceVersion it saw, which etcd no longer has.
        harness.run([str(harness.SOURCE_DIR / "tests" / "support" / "cluster" / "cluster"), "restart-apiserver",
                     os.environ["PGREVISE_CLUSTER_DIR"]], timeout=180)
        harness.wait_for("a relist after 410 Gone", lambda: relist_count(pod) > relists_before, timeout=120,
                         interval=2)
        s.patch({"targetRevision": "0003"})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0003"])
        self.assertEqual(pod["metadata"]["name"], operator.running_pods()[0]["metadata"]["name"],
                         "the operator restarted instead of relisting")


def relist_count(pod):
    """pgrevise_watch_relists_total summed over resources, read from the operator Pod's /metrics."""
    url = f"http://{pod['status']['podIP']}:8080/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("pgrevise_watch_relists_total"))


def compact_etcd():
    endpoint = harness.ENV["PGREVISE_CLUSTER_ETCD"]
    request = urllib.request.Request(f"{endpoint}/v3/kv/range", data=json.dumps({"key": "AA=="}).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        revision = int(json.loads(response.read())["header"]["revision"])
    request = urllib.request.Request(f"{endpoint}/v3/kv/compaction",
                                     data=json.dumps({"revision": revision, "physical": True}).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    return revision


# Two revisions, the second sleeping long enough for the operator to be deleted under it.
SLOW_MIGRATIONS = {
    "s1.sql": "-- revision: s1\n-- message: table\n\n-- +upgrade\nCREATE TABLE s (x int);\n\n"
              "-- +downgrade\nDROP TABLE s;\n",
    "s2.sql": "-- revision: s2\n-- down_revision: s1\n-- message: slow\n\n-- +upgrade\n"
              "SELECT pg_sleep(20);\nINSERT INTO s VALUES (1);\n\n-- +downgrade\nDELETE FROM s;\n",
}


if __name__ == "__main__":
    unittest.main(verbosity=2)
