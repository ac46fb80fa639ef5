"""The operator installed with the real helm from helm/pgrevise, running in the cluster as the chart's
ServiceAccount under the chart's RBAC, in a namespace under Pod Security `restricted`."""

import json

import harness

RELEASE = "pgrevise"
NAMESPACE = "pgrevise-system"
CHART = str(harness.SOURCE_DIR / "helm" / "pgrevise")


def install(*set_values, replicas=1):
    harness.restricted_namespace(NAMESPACE)
    args = ["upgrade", "--install", RELEASE, CHART, "-n", NAMESPACE, "--wait", "--timeout", "180s",
            "--set", f"replicaCount={replicas}", "--set", "logFormat=text"]
    for value in set_values:
        args += ["--set", value]
    harness.helm(*args)


def uninstall():
    harness.helm("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--ignore-not-found", check=False)


def pods():
    return harness.list_objects("pods", NAMESPACE, f"app.kubernetes.io/instance={RELEASE}")


def running_pods():
    return [p for p in pods() if p["status"].get("phase") == "Running" and
            not p["metadata"].get("deletionTimestamp")]


def lease_holder():
    leases = harness.list_objects("leases", NAMESPACE)
    for lease in leases:
        holder = lease.get("spec", {}).get("holderIdentity")
        if holder:
            return holder
    return None


def logs(pod_name, previous=False):
    args = ["logs", pod_name, "-n", NAMESPACE]
    if previous:
        args.append("--previous")
    return harness.kubectl(*args, check=False)


def all_logs():
    return "\n".join(f"--- {p['metadata']['name']}\n{logs(p['metadata']['name'])}" for p in pods())


def deployment():
    deployments = harness.list_objects("deployments", NAMESPACE)
    assert len(deployments) == 1, json.dumps([d["metadata"]["name"] for d in deployments])
    return deployments[0]
