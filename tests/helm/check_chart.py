#!/usr/bin/env python3
"""Renders helm/pgrevise with the real helm (tests/support/cluster/build-tools) and checks the
objects: they parse and carry apiVersion/kind/metadata.name, the RBAC grants exactly tests/helm/expected_rbac.json
with no wildcard, the Deployment meets the Pod Security Standard `restricted`, the flags follow the values, the
optional monitoring objects carry the chart's files, and values.schema.json accepts values.yaml and rejects bad
values.

Usage: check_chart.py SOURCE_DIR [unittest arguments]
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

HELM = ""
SOURCE_DIR = ""
RELEASE = "pgrevise"
NAMESPACE = "pgrevise-system"
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
FULL_OPTIONS = ["--set", "watchNamespaces={team-a,team-b}", "--set", "replicaCount=2",
                "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true",
                "--set", "metrics.dashboard.enabled=true"]


def chart_dir():
    return os.path.join(SOURCE_DIR, "helm", "pgrevise")


def helm_binary():
    """The real helm that tests/support/cluster/build-tools builds (once per machine; cached afterwards)."""
    tools = subprocess.run([os.path.join(SOURCE_DIR, "tests", "support", "cluster", "build-tools")],
                           capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(tools, "helm")


def run_renderer(*options):
    """helm template. With --notes, of a copy of the chart with one more template that renders NOTES.txt with
    tpl, Helm's own engine, into a RenderedNotes document (helm template leaves NOTES.txt out, and an install,
    even a dry run, needs a cluster); its text then follows the manifest after a NOTES: line."""
    options = list(options)
    name = RELEASE
    if "--name" in options:
        i = options.index("--name")
        name = options[i + 1]
        del options[i:i + 2]
    with_notes = "--notes" in options
    with tempfile.TemporaryDirectory() as work:
        chart = chart_dir()
        if with_notes:
            options.remove("--notes")
            chart = os.path.join(work, "pgrevise")
            shutil.copytree(chart_dir(), chart)
            shutil.copy(os.path.join(chart, "templates", "NOTES.txt"), os.path.join(chart, "notes-source.txt"))
            with open(os.path.join(chart, "templates", "zz-rendered-notes.yaml"), "w", encoding="utf-8") as f:
                f.write('kind: RenderedNotes\nnotes: {{ tpl (.Files.Get "notes-source.txt") . | toJson }}\n')
        command = [HELM, "template", name, chart, "--namespace", NAMESPACE, *options]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if with_notes and result.returncode == 0:
        documents = [d for d in yaml.safe_load_all(result.stdout) if d is not None]
        notes = [d["notes"] for d in documents if d.get("kind") == "RenderedNotes"]
        manifest = [d for d in documents if d.get("kind") != "RenderedNotes"]
        result.stdout = yaml.safe_dump_all(manifest) + "\nNOTES:\n" + "".join(notes)
    return result


def is_hook(obj):
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def render_all(*options):
    result = run_renderer("--notes", *options)
    if result.returncode != 0:
        raise AssertionError(f"render {' '.join(options)} failed:\n{result.stderr}")
    manifest, _, notes = result.stdout.partition("\nNOTES:\n")
    return [doc for doc in yaml.safe_load_all(manifest) if doc is not None], notes


def render(*options):
    """The rendered objects of the release (empty documents dropped, as Helm does) and the NOTES text; the
    pre-upgrade hook's objects are render_hooks()'."""
    objects, notes = render_all(*options)
    return [o for o in objects if not is_hook(o)], notes


def render_hooks(*options):
    return [o for o in render_all(*options)[0] if is_hook(o)]


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def one(objects, kind):
    found = by_kind(objects, kind)
    if len(found) != 1:
        raise AssertionError(f"expected one {kind}, found {len(found)}")
    return found[0]


def expected_rbac():
    with open(os.path.join(SOURCE_DIR, "tests", "helm", "expected_rbac.json"), encoding="utf-8") as f:
        expected = json.load(f)

    def triples(entries):
        return {(e["apiGroup"], e["resource"], verb) for e in entries for verb in e["verbs"]}

    return triples(expected["watchedNamespaces"]), triples(expected["releaseNamespace"])


def granted(role):
    """(apiGroup, resource, verb) for every permission a Role or ClusterRole grants."""
    triples = set()
    for rule in role.get("rules") or []:
        for group in rule.get("apiGroups", []):
            for resource in rule.get("resources", []):
                for verb in rule.get("verbs", []):
                    triples.add((group, resource, verb))
    return triples


def load_yaml_file(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return yaml.safe_load(f)


class CommonChecks(unittest.TestCase):
    def check_objects(self, objects):
        self.assertTrue(objects)
        seen = set()
        for obj in objects:
            with self.subTest(obj=f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"):
                self.assertIsInstance(obj, dict)
                self.assertTrue(obj.get("apiVersion"))
                self.assertTrue(obj.get("kind"))
                name = obj["metadata"]["name"]
                self.assertTrue(DNS_SUBDOMAIN.match(name) and len(name) <= 63, name)
                namespace = obj["metadata"].get("namespace")
                if obj["kind"] in CLUSTER_SCOPED:
                    self.assertIsNone(namespace)
                else:
                    self.assertTrue(namespace and DNS_LABEL.match(namespace))
                labels = obj["metadata"].get("labels") or {}
                if obj["kind"] != "CustomResourceDefinition":
                    self.assertEqual(labels.get("app.kubernetes.io/instance"), RELEASE)
                key = (obj["apiVersion"], obj["kind"], namespace, name)
                self.assertNotIn(key, seen, "duplicate object")
                seen.add(key)

    def check_no_wildcards(self, objects):
        for role in by_kind(objects, "Role") + by_kind(objects, "ClusterRole"):
            for rule in role["rules"]:
                for field in ("apiGroups", "resources", "verbs"):
                    self.assertNotIn("*", rule.get(field, []), f"{role['metadata']['name']}: {rule}")
                self.assertNotIn("resourceNames", rule)
                self.assertNotIn("nonResourceURLs", rule)

    def check_bindings(self, objects, service_account):
        roles = {(r["kind"], r["metadata"].get("namespace"), r["metadata"]["name"])
                 for r in by_kind(objects, "Role") + by_kind(objects, "ClusterRole")}
        for binding in by_kind(objects, "RoleBinding") + by_kind(objects, "ClusterRoleBinding"):
            ref = binding["roleRef"]
            namespace = binding["metadata"].get("namespace") if ref["kind"] == "Role" else None
            self.assertIn((ref["kind"], namespace, ref["name"]), roles, binding["metadata"]["name"])
            self.assertEqual(binding["subjects"],
                             [{"kind": "ServiceAccount", "name": service_account, "namespace": NAMESPACE}])

    def check_restricted(self, deployment):
        """The Pod Security Standard `restricted` (and baseline) for the Deployment's Pod template."""
        pod = deployment["spec"]["template"]["spec"]
        pod_context = pod.get("securityContext") or {}
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            self.assertFalse(pod.get(field, False))
        for volume in pod.get("volumes") or []:
            self.assertNotIn("hostPath", volume)
        self.assertEqual(pod_context.get("seccompProfile", {}).get("type"), "RuntimeDefault")
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container.get("securityContext") or {}
            with self.subTest(container=container["name"]):
                self.assertIs(context.get("allowPrivilegeEscalation"), False)
                self.assertFalse(context.get("privileged", False))
                self.assertEqual(context.get("capabilities", {}).get("drop"), ["ALL"])
                self.assertFalse(context.get("capabilities", {}).get("add"))
                run_as_non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
                self.assertIs(run_as_non_root, True)
                user = context.get("runAsUser", pod_context.get("runAsUser"))
                self.assertIsInstance(user, int)
                self.assertEqual(user, 65532)
                self.assertIs(context.get("readOnlyRootFilesystem"), True)
                seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
                self.assertEqual(seccomp.get("type"), "RuntimeDefault")
                for port in container.get("ports", []):
                    self.assertNotIn("hostPort", port)

    def container(self, objects):
        deployment = one(objects, "Deployment")
        return deployment["spec"]["template"]["spec"]["containers"][0]


class DefaultRender(CommonChecks):
    @classmethod
    def setUpClass(cls):
        cls.objects, cls.notes = render()

    def test_objects_parse_and_carry_the_required_fields(self):
        self.check_objects(self.objects)
        kinds = sorted(o["kind"] for o in self.objects)
        self.assertEqual(kinds, ["ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding",
                                 "Service", "ServiceAccount"])

    def test_rbac_is_exactly_the_expected_list(self):
        watched, release = expected_rbac()
        self.check_no_wildcards(self.objects)
        self.assertEqual(granted(one(self.objects, "ClusterRole")), watched)
        lease_role = one(self.objects, "Role")
        self.assertEqual(lease_role["metadata"]["namespace"], NAMESPACE)
        self.assertEqual(granted(lease_role), release)
        self.check_bindings(self.objects, "pgrevise")

    def test_secrets_are_only_read_by_name(self):
        verbs = {v for (g, r, v) in granted(one(self.objects, "ClusterRole")) if (g, r) == ("", "secrets")}
        self.assertEqual(verbs, {"get"})

    def test_deployment_meets_restricted(self):
        self.check_restricted(one(self.objects, "Deployment"))

    def test_deployment_flags_probes_and_resources(self):
        deployment = one(self.objects, "Deployment")
        container = self.container(self.objects)
        args = container["args"]
        self.assertEqual(args[0], "operator")
        for expected in ("--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                         "--runner-image=ghcr.io/pgrevise/pgrevise:0.1.0", "--log-level=info", "--log-format=json"):
            self.assertIn(expected, args)
        self.assertNotIn("--leader-elect", args)
        self.assertFalse([a for a in args if a.startswith("--namespace")])
        self.assertEqual(deployment["spec"]["replicas"], 1)
        self.assertEqual(deployment["spec"]["strategy"]["type"], "Recreate")
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertEqual(ports, {"metrics": 8080, "health": 8081})
        self.assertEqual(container["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "health"})
        self.assertEqual(container["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "health"})
        self.assertTrue(container["resources"]["requests"]["cpu"])
        self.assertTrue(container["resources"]["limits"]["memory"])
        self.assertEqual(container["image"], "ghcr.io/pgrevise/pgrevise:0.1.0")

    def test_pods_prefer_different_nodes(self):
        deployment = one(self.objects, "Deployment")
        terms = deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"]
        selector = terms[0]["podAffinityTerm"]["labelSelector"]["matchLabels"]
        self.assertEqual(selector, deployment["spec"]["selector"]["matchLabels"])
        self.assertEqual(terms[0]["podAffinityTerm"]["topologyKey"], "kubernetes.io/hostname")

    def test_selectors_match_the_pods(self):
        deployment = one(self.objects, "Deployment")
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        for key, value in deployment["spec"]["selector"]["matchLabels"].items():
            self.assertEqual(pod_labels[key], value)
        service = one(self.objects, "Service")
        for key, value in service["spec"]["selector"].items():
            self.assertEqual(pod_labels[key], value)
        self.assertEqual(service["spec"]["ports"][0]["targetPort"], "metrics")
        pod = deployment["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], one(self.objects, "ServiceAccount")["metadata"]["name"])

    def test_notes(self):
        self.assertIn("kubectl get pgm", self.notes)
        self.assertIn("Argo CD", self.notes)
        self.assertIn("resource.customizations.health.pgrevise.dev_PostgresMigration", self.notes)
        self.assertIn("dependsOn", self.notes)


class FullRender(CommonChecks):
    """watchNamespaces, two replicas, and the ServiceMonitor, PrometheusRule and dashboard switched on."""

    @classmethod
    def setUpClass(cls):
        cls.objects, cls.notes = render(*FULL_OPTIONS)

    def test_objects_parse_and_carry_the_required_fields(self):
        self.check_objects(self.objects)
        self.assertFalse(by_kind(self.objects, "ClusterRole") + by_kind(self.objects, "ClusterRoleBinding"))

    def test_a_role_per_watched_namespace_and_the_lease_role(self):
        watched, release = expected_rbac()
        self.check_no_wildcards(self.objects)
        roles = {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in by_kind(self.objects, "Role")}
        self.assertEqual(sorted(roles), [("pgrevise-system", "pgrevise-leader-election"),
                                         ("team-a", "pgrevise"), ("team-b", "pgrevise")])
        self.assertEqual(granted(roles[("team-a", "pgrevise")]), watched)
        self.assertEqual(granted(roles[("team-b", "pgrevise")]), watched)
        self.assertEqual(granted(roles[("pgrevise-system", "pgrevise-leader-election")]), release)
        self.assertEqual(len(by_kind(self.objects, "RoleBinding")), 3)
        self.check_bindings(self.objects, "pgrevise")

    def test_leader_election_and_namespaces_in_the_flags(self):
        deployment = one(self.objects, "Deployment")
        args = self.container(self.objects)["args"]
        self.assertIn("--leader-elect", args)
        self.assertEqual([a for a in args if a.startswith("--namespace")],
                         ["--namespace=team-a", "--namespace=team-b"])
        self.assertEqual(deployment["spec"]["replicas"], 2)
        self.assertEqual(deployment["spec"]["strategy"]["type"], "RollingUpdate")
        self.check_restricted(deployment)

    def test_disruption_budget_keeps_a_replica(self):
        budget = one(self.objects, "PodDisruptionBudget")
        self.assertEqual(budget["spec"]["maxUnavailable"], 1)
        self.assertEqual(budget["spec"]["selector"], one(self.objects, "Deployment")["spec"]["selector"])

    def test_service_monitor_scrapes_the_metrics_service(self):
        monitor = one(self.objects, "ServiceMonitor")
        service = one(self.objects, "Service")
        self.assertEqual(monitor["apiVersion"], "monitoring.coreos.com/v1")
        for key, value in monitor["spec"]["selector"]["matchLabels"].items():
            self.assertEqual(service["metadata"]["labels"][key], value)
        self.assertEqual(monitor["spec"]["endpoints"][0]["port"], service["spec"]["ports"][0]["name"])
        self.assertEqual(monitor["spec"]["namespaceSelector"]["matchNames"], [NAMESPACE])

    def test_operator_down_alert_matches_the_scrape_job_for_any_release_name(self):
        # prometheus-operator names the job after the Service; PgreviseOperatorDown selects job=~".*pgrevise.*".
        rules = load_yaml_file(chart_dir(), "files", "prometheus-rules.yaml")
        expr = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == "PgreviseOperatorDown"]
        job_pattern = re.search(r'up\{job=~"([^"]+)"\}', expr[0]).group(1)
        for release in ("shop", "pgrevise", "my-pgrevise-prod"):
            result = run_renderer("--name", release)
            self.assertEqual(result.returncode, 0, result.stderr)
            service = one([d for d in yaml.safe_load_all(result.stdout) if d], "Service")
            self.assertRegex(service["metadata"]["name"], "^" + job_pattern + "$")

    def test_prometheus_rule_carries_the_chart_rules(self):
        rule = one(self.objects, "PrometheusRule")
        shipped = load_yaml_file(chart_dir(), "files", "prometheus-rules.yaml")
        self.assertEqual(rule["spec"]["groups"], shipped["groups"])
        alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
        self.assertLessEqual({"PgreviseMigrationFailed", "PgreviseBackupFailed", "PgreviseMigrationStuck",
                              "PgreviseNotReady", "PgreviseOperatorDown"}, alerts)

    def test_rendered_prometheus_rule_passes_promtool(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool (Debian package prometheus) is not installed")
        groups = one(self.objects, "PrometheusRule")["spec"]["groups"]
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            yaml.safe_dump({"groups": groups}, f)
        try:
            result = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True,
                                    check=False)
        finally:
            os.unlink(f.name)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_dashboard_config_map_holds_the_dashboard(self):
        config_map = one(self.objects, "ConfigMap")
        self.assertEqual(config_map["metadata"]["labels"]["grafana_dashboard"], "1")
        with open(os.path.join(chart_dir(), "files", "grafana-dashboard.json"), encoding="utf-8") as f:
            shipped = json.load(f)
        self.assertEqual(json.loads(config_map["data"]["pgrevise-overview.json"]), shipped)

    def test_notes_name_the_watched_namespaces(self):
        self.assertIn("team-a, team-b", self.notes)
        self.assertIn("Leader election is on", self.notes)


class ValuesFilesAndOverrides(CommonChecks):
    def test_values_file_merges_over_the_defaults(self):
        overrides = {"serviceAccount": {"create": False, "name": "existing-sa"},
                     "image": {"tag": "1.2.3"}, "runnerImage": "registry.example/runner:7",
                     "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                         "nodeSelectorTerms": [{"matchExpressions": [
                             {"key": "pool", "operator": "In", "values": ["system"]}]}]}}},
                     "extraArgs": ["--max-concurrent-reconciles=4"]}
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            yaml.safe_dump(overrides, f)
        try:
            objects, _ = render("-f", f.name)
        finally:
            os.unlink(f.name)
        self.check_objects(objects)
        self.assertFalse(by_kind(objects, "ServiceAccount"))
        container = self.container(objects)
        self.assertEqual(container["image"], "ghcr.io/pgrevise/pgrevise:1.2.3")
        self.assertEqual(container["imagePullPolicy"], "IfNotPresent")
        self.assertIn("--runner-image=registry.example/runner:7", container["args"])
        self.assertEqual(container["args"][-1], "--max-concurrent-reconciles=4")
        pod = one(objects, "Deployment")["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], "existing-sa")
        self.assertEqual(pod["affinity"], overrides["affinity"])
        self.check_bindings(objects, "existing-sa")

    def test_release_name_containing_the_chart_name_is_not_repeated(self):
        result = run_renderer("--name", "pgrevise-prod")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("name: pgrevise-prod\n", result.stdout)
        self.assertNotIn("pgrevise-prod-pgrevise", result.stdout)

    def test_rbac_off_renders_no_roles(self):
        objects, _ = render("--set", "rbac.create=false")
        self.assertFalse([o for o in objects if "Role" in o["kind"]])


class JobSettings(CommonChecks):
    """The chart's imagePullSecrets and jobResources reach the Jobs through the operator's flags."""

    def flag_values(self, objects, flag):
        prefix = f"--{flag}="
        return [a[len(prefix):] for a in self.container(objects)["args"] if a.startswith(prefix)]

    def test_default_job_resources_have_requests_and_limits(self):
        objects, _ = render()
        resources = self.flag_values(objects, "job-resources")
        self.assertEqual(len(resources), 1)
        self.assertEqual(json.loads(resources[0]), {"requests": {"cpu": "100m", "memory": "128Mi"},
                                                    "limits": {"cpu": "1", "memory": "1Gi"}})
        self.assertEqual(self.flag_values(objects, "job-image-pull-secret"), [])

    def test_pull_secrets_and_job_resources_follow_the_values(self):
        objects, _ = render("--set", "imagePullSecrets[0].name=regcred", "--set", "imagePullSecrets[1].name=mirror",
                            "--set-json", 'jobResources={"limits":{"memory":"2Gi"}}')
        self.check_objects(objects)
        self.assertEqual(self.flag_values(objects, "job-image-pull-secret"), ["regcred", "mirror"])
        # Helm merges a value into the defaults key by key.
        self.assertEqual([json.loads(v) for v in self.flag_values(objects, "job-resources")],
                         [{"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "2Gi"}}])
        pod = one(objects, "Deployment")["spec"]["template"]["spec"]
        self.assertEqual(pod["imagePullSecrets"], [{"name": "regcred"}, {"name": "mirror"}])

    def test_no_job_resources(self):
        objects, _ = render("--set", "jobResources=null")
        self.assertEqual([json.loads(v) for v in self.flag_values(objects, "job-resources")], [{}])


class CrdUpgradeHook(CommonChecks):
    """Helm never upgrades crds/: a pre-upgrade hook Job applies the new image's CRD, with a ServiceAccount that
    may get and patch that one CRD only."""

    def test_the_hook_applies_the_crd_with_the_least_rights(self):
        objects = render_hooks()
        self.check_objects(objects)
        self.assertEqual(sorted(o["kind"] for o in objects),
                         ["ClusterRole", "ClusterRoleBinding", "Job", "ServiceAccount"])
        for obj in objects:
            self.assertEqual(obj["metadata"]["annotations"]["helm.sh/hook"], "pre-upgrade")
        weights = {o["kind"]: int(o["metadata"]["annotations"]["helm.sh/hook-weight"]) for o in objects}
        self.assertLess(max(weights["ServiceAccount"], weights["ClusterRole"], weights["ClusterRoleBinding"]),
                        weights["Job"])
        role = one(objects, "ClusterRole")
        self.assertEqual(role["rules"], [{"apiGroups": ["apiextensions.k8s.io"],
                                          "resources": ["customresourcedefinitions"],
                                          "resourceNames": ["postgresmigrations.pgrevise.dev"],
                                          "verbs": ["get", "patch"]}])
        account = one(objects, "ServiceAccount")["metadata"]["name"]
        self.check_bindings(objects, account)
        job = one(objects, "Job")
        self.check_restricted(job)
        pod = job["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], account)
        operator_objects, _ = render()
        self.assertEqual(pod["containers"][0]["image"], self.container(operator_objects)["image"])
        self.assertEqual(pod["containers"][0]["args"][:2], ["crd", "apply"])
        # The operator's Service and disruption budget must not count the hook's Pod.
        selector = one(operator_objects, "Deployment")["spec"]["selector"]["matchLabels"]
        labels = job["spec"]["template"]["metadata"]["labels"]
        self.assertFalse(all(labels.get(k) == v for k, v in selector.items()), labels)

    def test_no_hook_when_switched_off_or_without_rbac(self):
        self.assertEqual(render_hooks("--set", "crds.upgrade=false"), [])
        self.assertEqual(render_hooks("--set", "rbac.create=false"), [])


class CustomResourceDefinition(CommonChecks):
    def test_chart_installs_the_crd(self):
        objects, _ = render("--include-crds")
        self.check_objects(objects)
        crd = one(objects, "CustomResourceDefinition")
        self.assertEqual(crd["apiVersion"], "apiextensions.k8s.io/v1")
        self.assertEqual(crd["metadata"]["name"], "postgresmigrations.pgrevise.dev")
        spec = crd["spec"]
        self.assertEqual(spec["group"], "pgrevise.dev")
        self.assertEqual(spec["scope"], "Namespaced")
        self.assertEqual(spec["names"]["kind"], "PostgresMigration")
        self.assertIn("pgm", spec["names"].get("shortNames", []))
        served = [v for v in spec["versions"] if v["served"]]
        self.assertIn("v1alpha1", [v["name"] for v in served])
        self.assertEqual(sum(1 for v in spec["versions"] if v["storage"]), 1)
        for version in served:
            self.assertIn("status", version.get("subresources", {}), version["name"])


class ValuesSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(chart_dir(), "values.schema.json"), encoding="utf-8") as f:
            cls.schema = json.load(f)
        cls.values = load_yaml_file(chart_dir(), "values.yaml")

    def test_every_value_is_declared_with_its_type(self):
        types = {"object": dict, "array": list, "string": str, "boolean": bool}
        properties = self.schema["properties"]
        for key, value in self.values.items():
            with self.subTest(key=key):
                self.assertIn(key, properties)
                declared = properties[key]["type"]
                if declared == "integer":
                    self.assertTrue(isinstance(value, int) and not isinstance(value, bool))
                else:
                    self.assertIsInstance(value, types[declared])
        for key in self.schema["required"]:
            self.assertIn(key, self.values)
        self.assertIs(self.schema["additionalProperties"], False)

    def test_every_top_level_value_is_documented(self):
        with open(os.path.join(chart_dir(), "values.yaml"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines):
            if re.match(r"^[A-Za-z]", line):
                with self.subTest(key=line.split(":")[0]):
                    self.assertTrue(number > 0 and lines[number - 1].startswith("#"), "no comment above")

    def test_values_yaml_passes_the_schema(self):
        result = run_renderer()
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_bad_values_are_rejected_naming_the_value(self):
        cases = {"replicaCount=two": "at '/replicaCount'", "replicaCount=0": "at '/replicaCount'",
                 "logLevel=verbose": "at '/logLevel'", "watchNamespaces={Team_A}": "at '/watchNamespaces/0'",
                 "replicas=2": "additional properties 'replicas' not allowed",
                 "metrics.port=70000": "at '/metrics/port'", "image.pullPolicy=Sometimes": "at '/image/pullPolicy'",
                 "rbac.create=yes": "at '/rbac/create'"}
        for assignment, message in cases.items():
            with self.subTest(assignment=assignment):
                result = run_renderer("--set", assignment)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)

    def test_missing_service_account_name_is_required(self):
        result = run_renderer("--set", "serviceAccount.create=false")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("serviceAccount.name is required", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SOURCE_DIR = sys.argv[1]
    HELM = helm_binary()
    unittest.main(argv=[sys.argv[0], *sys.argv[2:]], verbosity=2)
