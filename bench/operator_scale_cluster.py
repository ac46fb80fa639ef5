#!/usr/bin/env python3
"""The operator at scale on the real local cluster (tests/support/cluster): the operator from the chart, in the
cluster, over TLS, with real Jobs, Pods and Events.

N PostgresMigration resources in M namespaces, each with a version table of its own in one database, all at their
target when the operator starts (no Job). Measured:
  - the operator process's peak RSS (VmHWM of the process the node runs) after the start, the idle period and the
    bumps;
  - API requests during the idle seconds (the operator's own pgrevise_kube_api_requests_total, by verb), which should
    be lease renewals and open watches only;
  - target bump -> migrate Job created: the time from the PATCH's answer to the Job's ADDED event on a watch of
    the test's own, p50 and p99 over B bumps (backups off, so the bump's first Job is the migrate Job).

Usage: bench/operator_scale_cluster.py [--resources N] [--namespaces M] [--bumps B] [--idle-seconds S]
       [--bump-interval-ms MS] [--set CHART_VALUE]... [--keep-log FILE]
With PGREVISE_CLUSTER_DIR and PGREVISE_CLUSTER_PG set to a running fixture (tests/cluster/fixture up DIR BINARY:
DIR/cluster and DIR/postgres).
"""

import argparse
import json
import os
import re
import ssl
import statistics
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cluster"))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402

REVISIONS = {
    "r1.sql": "-- revision: r1\n-- message: base\n\n-- +upgrade\nSELECT 1;\n\n-- +downgrade\nSELECT 1;\n",
    "r2.sql": "-- revision: r2\n-- down_revision: r1\n-- message: bump\n\n-- +upgrade\nSELECT 2;\n\n"
              "-- +downgrade\nSELECT 1;\n",
}


class Api:
    """The API server over TLS with the administrator's client certificate (as kubectl, without its start-up)."""

    def __init__(self):
        cluster = os.environ["PGREVISE_CLUSTER_DIR"]
        with open(os.path.join(cluster, "admin.kubeconfig"), encoding="utf-8") as f:
            self.server = re.search(r"server: (\S+)", f.read()).group(1)
        self.context = ssl.create_default_context(cafile=os.path.join(cluster, "pki", "ca.crt"))
        self.context.load_cert_chain(os.path.join(cluster, "pki", "admin.crt"),
                                     os.path.join(cluster, "pki", "admin.key"))

    def request(self, method, path, body=None, content_type="application/json", timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method,
                                     headers={"Content-Type": content_type})
        return urllib.request.urlopen(req, context=self.context, timeout=timeout)


def prepare(api, pg, namespaces, resources):
    # The chart would install the CRD too, but the resources are created before the operator.
    harness.kubectl("apply", "--server-side", "-f", str(harness.SOURCE_DIR / "crds"))
    harness.kubectl("wait", "--for=condition=Established", "crd/postgresmigrations.pgrevise.dev")
    pg.create_database("scale")
    statements = []
    for i in range(resources):
        statements.append(f"CREATE TABLE v{i} (version_num varchar(32) PRIMARY KEY); INSERT INTO v{i} VALUES ('r1');")
    pg.psql("".join(statements), "scale")
    for n in range(namespaces):
        ns = f"scale-{n}"
        harness.restricted_namespace(ns)
        harness.apply([harness.url_secret("db", pg.pod_url("scale")),
                       {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "migrations"},
                        "data": REVISIONS}], ns)
    for i in range(resources):
        ns = f"scale-{i % namespaces}"
        body = {"apiVersion": harness.API_TYPES["kApiVersion"], "kind": "PostgresMigration",
                "metadata": {"name": f"app-{i}"},
                "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}}, "targetRevision": "r1",
                         "migrations": {"configMapRef": {"name": "migrations"}}, "backup": {"enabled": False},
                         "versionTable": {"schema": "public", "name": f"v{i}"},
                         "job": {"ttlSecondsAfterFinished": 600}}}
        api.request("POST", f"/apis/pgrevise.dev/v1alpha1/namespaces/{ns}/postgresmigrations", body).close()


def operator_pid(pod):
    """The operator process of that Pod: the one in the Pod's cgroup (an operator started by hand elsewhere on
    this machine is not it)."""
    marker = "pod" + pod["metadata"]["uid"]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{pid}/cgroup", encoding="utf-8") as f:
                    in_pod = marker in f.read()
            except OSError:
                continue
            if in_pod and len(argv) > 1 and argv[0].endswith(b"pgrevise") and argv[1] == b"operator":
                return int(pid)
    raise AssertionError(f"no operator process in Pod {pod['metadata']['name']} on the node")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024


def scrape(pod_ip):
    """The operator's metrics, as {series with labels: value}."""
    with urllib.request.urlopen(f"http://{pod_ip}:8080/metrics", timeout=5) as response:
        text = response.read().decode()
    series = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            series[name] = float(value)
    return series


def api_requests(pod_ip):
    return {k: v for k, v in scrape(pod_ip).items() if k.startswith("pgrevise_kube_api_requests_total{")}


def where_the_time_went(before, after, seconds):
    """Reconciles between two scrapes, their mean duration, the mean wait of a key in the work queue, and the
    API requests sent (the client-side limit is --qps, 20 by default)."""
    def delta(name):
        return after.get(name, 0) - before.get(name, 0)
    reconciles = delta("pgrevise_reconcile_duration_seconds_count")
    gets = delta("pgrevise_workqueue_queue_duration_seconds_count")
    mean_reconcile = delta("pgrevise_reconcile_duration_seconds_sum") / reconciles * 1000 if reconciles else 0
    mean_wait = delta("pgrevise_workqueue_queue_duration_seconds_sum") / gets * 1000 if gets else 0
    requests = sum(v - before.get(k, 0) for k, v in after.items() if k.startswith("pgrevise_kube_api_requests_total{"))
    return (f"{reconciles:.0f} reconciles, mean {mean_reconcile:.1f} ms each; "
            f"mean wait in the work queue {mean_wait:.1f} ms; {requests:.0f} API requests in {seconds:.0f} s")


def all_ready(namespaces, resources):
    ready = 0
    for n in range(namespaces):
        for obj in harness.list_objects("pgm", f"scale-{n}"):
            c = harness.condition(obj, "Ready")
            if c and c["status"] == "True" and obj["status"].get("observedGeneration") == obj["metadata"]["generation"]:
                ready += 1
    return ready == resources


def failed_runs(namespaces):
    """The resources whose run ended Stalled (a Job failed), by name: a machine too loaded for its Pods shows here."""
    failed = []
    for n in range(namespaces):
        for obj in harness.list_objects("pgm", f"scale-{n}"):
            c = harness.condition(obj, "Stalled")
            if c and c["status"] == "True":
                failed.append(f"scale-{n}/{obj['metadata']['name']}: {c.get('message', '')[:200]}")
    return failed


def settled(namespaces, resources):
    return all_ready(namespaces, resources) or failed_runs(namespaces) and all(
        harness.condition(obj, "Reconciling") is None or harness.condition(obj, "Reconciling")["status"] != "True"
        for n in range(namespaces) for obj in harness.list_objects("pgm", f"scale-{n}"))


def watch_added(api, resource_path, key_of, added, stop):
    """Records the time each object of that collection is first seen ADDED on a watch of the test's own, under
    key_of(object) (objects it returns None for are left out)."""
    with api.request("GET", f"{resource_path}?watch=true&timeoutSeconds=3600", timeout=3600) as stream:
        for line in stream:
            if stop.is_set():
                return
            event = json.loads(line)
            key = key_of(event["object"]) if event["type"] == "ADDED" else None
            if key is not None:
                added.setdefault(key, time.monotonic())


def job_of_resource(job):
    """A Job by the resource it belongs to."""
    meta = job["metadata"]
    return meta["namespace"], meta["labels"].get(harness.JOB_LABELS["kResourceLabel"])


def job_of_pod(pod):
    """A Job's Pod by its Job (the label the Job controller sets); None for other Pods."""
    meta = pod["metadata"]
    job = meta.get("labels", {}).get("job-name")
    return (meta["namespace"], job) if job else None


def percentiles(values_ms):
    values = sorted(values_ms)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms, max {values[-1]:.1f} ms"


def apiserver_histogram(api, verb, resource, subresource=""):
    """The API server's own request-duration histogram for one verb on one resource, summed over its other
    labels: {upper bound in seconds: cumulative count}."""
    with api.request("GET", "/metrics") as response:
        text = response.read().decode()
    buckets = {}
    for line in text.splitlines():
        if not line.startswith("apiserver_request_duration_seconds_bucket{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}", 1)[0]))
        if (labels.get("verb"), labels.get("resource"), labels.get("subresource", "")) != (verb, resource,
                                                                                         subresource):
            continue
        bound = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
        buckets[bound] = buckets.get(bound, 0) + float(line.rsplit(" ", 1)[1])
    return buckets


def share_above(before, after, seconds):
    """Requests between two histograms, and how many of them took longer than `seconds` (the bucket bound)."""
    total = after.get(float("inf"), 0) - before.get(float("inf"), 0)
    within = after.get(seconds, 0) - before.get(seconds, 0)
    return f"{total - within:.0f} of {total:.0f} over {seconds * 1000:.0f} ms"


def bump_targets(api, namespaces, bumps, interval_ms):
    """Moves the first `bumps` resources to r2, one every interval_ms; returns when each PATCH was answered, by
    resource."""
    bumped = {}
    for i in range(bumps):
        ns = f"scale-{i % namespaces}"
        api.request("PATCH", f"/apis/pgrevise.dev/v1alpha1/namespaces/{ns}/postgresmigrations/app-{i}",
                    {"spec": {"targetRevision": "r2"}}, "application/merge-patch+json").close()
        bumped[(ns, f"app-{i}")] = time.monotonic()
        time.sleep(interval_ms / 1000)
    return bumped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--bumps", type=int, default=200)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--bump-interval-ms", type=int, default=200)
    parser.add_argument("--set", action="append", default=[], metavar="VALUE",
                        help="a chart value for the operator's release (helm --set), e.g. logLevel=debug")
    parser.add_argument("--keep-log", metavar="FILE", help="write the operator's log here before uninstalling")
    args = parser.parse_args()
    api, pg = Api(), harness.Postgres()

    started = time.monotonic()
    prepare(api, pg, args.namespaces, args.resources)
    operator.install(*args.set)
    harness.wait_for("every resource Ready", lambda: all_ready(args.namespaces, args.resources), timeout=1800,
                     interval=5)
    print(f"start: {args.resources} resources Ready {time.monotonic() - started:.0f} s after the first was created")
    pod = operator.running_pods()[0]
    pid = operator_pid(pod)
    print(f"peak RSS after the start: {peak_rss_mb(pid):.1f} MB")

    before = api_requests(pod["status"]["podIP"])
    time.sleep(args.idle_seconds)
    after = api_requests(pod["status"]["podIP"])
    idle = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    print(f"API requests in {args.idle_seconds} idle seconds: {json.dumps(idle) if idle else 'none'}")

    created, pods, stop = {}, {}, threading.Event()
    for path, key_of, added in (("/apis/batch/v1/jobs", job_of_resource, created),
                                ("/api/v1/pods", job_of_pod, pods)):
        threading.Thread(target=watch_added, args=(api, path, key_of, added, stop), daemon=True).start()
    time.sleep(1)
    scraped_before_bumps, bumps_started = scrape(pod["status"]["podIP"]), time.monotonic()
    job_posts_before = apiserver_histogram(api, "POST", "jobs")
    bumped = bump_targets(api, args.namespaces, args.bumps, args.bump_interval_ms)
    harness.wait_for("a Job for every bump", lambda: all(k in created for k in bumped), timeout=600, interval=1)
    stop.set()
    print(f"during the bumps: {where_the_time_went(scraped_before_bumps, scrape(pod['status']['podIP']), time.monotonic() - bumps_started)}")
    print(f"bump -> Job created over {len(bumped)} bumps: {percentiles([(created[k] - bumped[k]) * 1000 for k in bumped])}")
    # The same machine's own yardsticks over the same seconds: the API server's time to create a Job, and the
    # real Job controller (kube-controller-manager) from a Job to its Pod.
    print(f"the API server's POST of a Job: {share_above(job_posts_before, apiserver_histogram(api, 'POST', 'jobs'), 0.1)}")
    job_names = {(ns, job["metadata"]["name"]): job_of_resource(job)
                 for ns in {k[0] for k in bumped} for job in harness.list_objects("jobs", ns)}
    to_pod = [(pods[j] - created[r]) * 1000 for j, r in job_names.items() if j in pods and r in created]
    if to_pod:
        print(f"kube-controller-manager, Job created -> its Pod created, over {len(to_pod)} Jobs: {percentiles(to_pod)}")
    harness.wait_for("the bumped resources Ready or failed", lambda: settled(args.namespaces, args.resources),
                     timeout=1800, interval=5)
    failed = failed_runs(args.namespaces)
    print(f"runs that failed: {len(failed)}" + "".join(f"\n  {line}" for line in failed))
    print(f"peak RSS after {args.bumps} bumps (their Jobs, Pods and Events): {peak_rss_mb(pid):.1f} MB")
    if args.keep_log:
        with open(args.keep_log, "w", encoding="utf-8") as f:
            f.write(operator.logs(pod["metadata"]["name"]))
    operator.uninstall()
    for n in range(args.namespaces):
        harness.delete_namespace(f"scale-{n}")


if __name__ == "__main__":
    main()
