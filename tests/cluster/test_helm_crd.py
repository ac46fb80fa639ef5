#!/usr/bin/env python3
"""The chart and the CRD against the real helm and the real API server: helm lints, templates, installs, upgrades
and uninstalls helm/pgrevise; the server accepts the CRD (compiling and costing its CEL rules) and every file of
examples/, server-side and as a server dry run."""

import json
import os
import pathlib
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402

EXAMPLES = sorted((harness.SOURCE_DIR / "examples").rglob("*.yaml"))
# Kinds of other projects that examples/ shows how to use; this cluster does not install those projects.
FOREIGN_GROUPS = ("kustomize.toolkit.fluxcd.io", "source.toolkit.fluxcd.io")


def example_namespaces(path):
    """The namespaces an example file names for its objects (GitOps examples go to their tools' namespaces)."""
    import yaml
    with open(path, encoding="utf-8") as f:
        return sorted({d["metadata"]["namespace"] for d in yaml.safe_load_all(f)
                       if d and d.get("metadata", {}).get("namespace")})


def crd_file():
    files = sorted((harness.SOURCE_DIR / "crds").glob("*.yaml"))
    assert len(files) == 1, files
    return files[0]


class Chart(unittest.TestCase):
    def test_lints_strictly(self):
        out = harness.helm("lint", "--strict", operator.CHART)
        self.assertIn("1 chart(s) linted, 0 chart(s) failed", out)

    def test_renders_objects_the_server_accepts(self):
        harness.restricted_namespace(operator.NAMESPACE)
        rendered = harness.helm("template", operator.RELEASE, operator.CHART, "-n", operator.NAMESPACE,
                                "--set", "replicaCount=2", "--set", "metrics.service.annotations.a=b")
        out = harness.kubectl("apply", "--dry-run=server", "-n", operator.NAMESPACE, "-f", "-",
                              input_text=rendered)
        self.assertIn("deployment.apps/pgrevise", out)
        self.assertIn("(server dry run)", out)

    def test_installs_upgrades_and_uninstalls(self):
        self.addCleanup(operator.uninstall)
        operator.install()
        deployment = operator.deployment()
        self.assertEqual(deployment["status"].get("readyReplicas"), 1)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(container["image"], harness.image())
        self.assertIsNotNone(harness.get("crd", "postgresmigrations.pgrevise.dev"))

        operator.install("logLevel=debug")
        deployment = operator.deployment()
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        self.assertIn("debug", " ".join(args))
        harness.wait_for("the upgraded operator Pod to run alone",
                         lambda: len(operator.pods()) == 1 and operator.running_pods(), timeout=120)
        revisions = json.loads(harness.helm("history", operator.RELEASE, "-n", operator.NAMESPACE, "-o", "json"))
        self.assertEqual([r["revision"] for r in revisions], [1, 2])

        harness.helm("uninstall", operator.RELEASE, "-n", operator.NAMESPACE, "--wait")
        harness.wait_for("the operator's objects to go", lambda: not operator.pods(), timeout=120)
        self.assertEqual(harness.list_objects("deployments", operator.NAMESPACE), [])
        self.assertIsNone(harness.get("clusterrole", "pgrevise"))
        # Helm keeps what crds/ installed, so uninstalling never deletes users' resources.
        self.assertIsNotNone(harness.get("crd", "postgresmigrations.pgrevise.dev"))


class Crd(unittest.TestCase):
    def test_the_server_accepts_the_crd_server_side(self):
        out = harness.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crd_file()))
        self.assertIn("serverside-applied", out)
        harness.kubectl("wait", "--for=condition=Established", "crd/postgresmigrations.pgrevise.dev",
                        "--timeout=60s")

    def test_every_example_applies_server_side_and_as_a_dry_run(self):
        harness.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crd_file()))
        harness.kubectl("wait", "--for=condition=Established", "crd/postgresmigrations.pgrevise.dev",
                        "--timeout=60s")
        namespace = harness.restricted_namespace(harness.unique_name("examples"))
        self.addCleanup(harness.delete_namespace, namespace)
        for path in EXAMPLES:
            own = example_namespaces(path)
            for name in own:
                harness.restricted_namespace(name)
                self.addCleanup(harness.delete_namespace, name)
            target = [] if own else ["-n", namespace]
            for mode in (["--dry-run=server"], []):
                with self.subTest(example=str(path.relative_to(harness.SOURCE_DIR)), mode=mode):
                    proc = harness.run([os.path.join(harness.BIN, "kubectl"), "apply", "--server-side",
                                        *target, "-f", str(path), *mode], check=False)
                    errors = [line for line in proc.stderr.splitlines()
                              if line.strip() and line.strip() != "ensure CRDs are installed first"]
                    unexpected = [line for line in errors if not any(g in line for g in FOREIGN_GROUPS)]
                    self.assertEqual(unexpected, [], proc.stderr)
                    if not errors:
                        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_the_server_refuses_what_the_schema_refuses(self):
        harness.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crd_file()))
        namespace = harness.restricted_namespace(harness.unique_name("crd"))
        self.addCleanup(harness.delete_namespace, namespace)
        bad = {"apiVersion": harness.API_TYPES["kApiVersion"], "kind": "PostgresMigration",
               "metadata": {"name": "bad"},
               "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}}, "targetRevision": "heads",
                        "migrations": {"configMapRef": {"name": "m"}, "image": {"image": "x:1"}}}}
        proc = harness.run([os.path.join(harness.BIN, "kubectl"), "apply", "--server-side", "-n", namespace,
                            "-f", "-"], input_text=json.dumps(bad), check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("spec.migrations", proc.stderr)


CRD_NAME = "postgresmigrations.pgrevise.dev"


def spec_properties():
    crd = harness.get("crd", CRD_NAME)
    version = crd["spec"]["versions"][0]
    return version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]


def old_chart(folder):
    """The chart as an earlier version shipped it: a CRD without spec.suspend, and no upgrade hook."""
    import yaml
    chart = pathlib.Path(folder) / "pgrevise"
    shutil.copytree(operator.CHART, chart)
    (chart / "templates" / "crd-upgrade.yaml").unlink()
    crd_path = next((chart / "crds").glob("*.yaml"))
    crd = yaml.safe_load(crd_path.read_text(encoding="utf-8"))
    for version in crd["spec"]["versions"]:
        del version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["suspend"]
    crd_path.write_text(yaml.safe_dump(crd), encoding="utf-8")
    values = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    values.pop("crds", None)
    (chart / "values.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    schema = json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    schema["properties"].pop("crds", None)
    (chart / "values.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return str(chart)


class CrdUpgrade(unittest.TestCase):
    def test_helm_upgrade_brings_the_new_crd_schema(self):
        """Helm never upgrades crds/: the chart's pre-upgrade hook (`pgrevise crd apply` in the new image) does,
        and a field the old CRD did not know is then kept."""
        operator.uninstall()
        harness.kubectl("delete", "crd", CRD_NAME, "--ignore-not-found", "--wait=true", timeout=180)
        self.addCleanup(operator.uninstall)
        with tempfile.TemporaryDirectory() as folder:
            chart = old_chart(folder)
            harness.restricted_namespace(operator.NAMESPACE)
            harness.helm("install", operator.RELEASE, chart, "-n", operator.NAMESPACE, "--wait",
                         "--timeout", "180s", "--set", "logFormat=text")
        self.assertNotIn("suspend", spec_properties())

        operator.install()
        self.assertIn("suspend", spec_properties())
        namespace = harness.restricted_namespace(harness.unique_name("crd-upgrade"))
        self.addCleanup(harness.delete_namespace, namespace)
        resource = {"apiVersion": harness.API_TYPES["kApiVersion"], "kind": "PostgresMigration",
                    "metadata": {"name": "kept", "namespace": namespace},
                    "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}},
                             "targetRevision": "heads", "migrations": {"configMapRef": {"name": "m"}},
                             "suspend": True}}
        harness.apply([resource], namespace)
        self.assertIs(harness.get("postgresmigration", "kept", namespace)["spec"].get("suspend"), True)
        # The hook's objects are gone once it has succeeded; the CRD is owned by the 'pgrevise' field manager.
        harness.wait_for("the hook's Job to be deleted",
                         lambda: harness.list_objects("jobs", operator.NAMESPACE) == [], timeout=60)
        crd = json.loads(harness.kubectl("get", "crd", CRD_NAME, "-o", "json", "--show-managed-fields"))
        managers = [m["manager"] for m in crd["metadata"].get("managedFields", [])]
        self.assertIn("pgrevise", managers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
