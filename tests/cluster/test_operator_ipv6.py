#!/usr/bin/env python3
"""The operator against the real API server by its IPv6 address: `pgrevise operator` run on this machine, outside
the cluster, with a kubeconfig whose server is https://[::1]:PORT (the real kube-apiserver serves ::1, and its
certificate names it), reconciles a resource to Ready through its Jobs in the cluster, and serves /metrics,
/healthz and /readyz on both 127.0.0.1 and [::1].

The chart's operator is scaled to zero for the module, so that the one under test is the only one reconciling.
PGREVISE_BINARY names the pgrevise executable (ctest sets it to the one this tree built)."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario  # noqa: E402


def setUpModule():
    operator.install()
    deployment = operator.deployment()["metadata"]["name"]
    harness.kubectl("scale", "deployment", deployment, "-n", operator.NAMESPACE, "--replicas=0")
    harness.wait_for("the chart's operator to stop", lambda: not operator.pods(), timeout=120)


def tearDownModule():
    if os.environ.get("PGREVISE_CLUSTER_KEEP") != "1":
        operator.uninstall()


def free_port():
    """A port free on every address of both families."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return s.getsockname()[1]


def http_get(host, port, path):
    """(status, body) of GET http://host:port/path; host is an address, bracketed when IPv6."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def ipv6_kubeconfig(folder):
    """The administrator's kubeconfig with its server at [::1] on the API server's port."""
    with open(harness.ENV["KUBECONFIG"], encoding="utf-8") as f:
        text = f.read()
    ipv4_server = f"https://{harness.NODE_IP}:{harness.ENV['PGREVISE_CLUSTER_API_PORT']}"
    assert ipv4_server in text, text
    path = os.path.join(folder, "kubeconfig")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(ipv4_server, f"https://[::1]:{harness.ENV['PGREVISE_CLUSTER_API_PORT']}"))
    return path


class OperatorOutsideTheCluster:
    """`pgrevise operator` watching one namespace through an IPv6 kubeconfig, its log in a file."""

    def __init__(self, test, namespace):
        binary = os.environ.get("PGREVISE_BINARY")
        test.assertTrue(binary and os.access(binary, os.X_OK), "PGREVISE_BINARY must name the pgrevise binary")
        folder = test.enterContext(tempfile.TemporaryDirectory())
        self.metrics_port, self.health_port = free_port(), free_port()
        self.log_path = os.path.join(folder, "operator.log")
        env = {k: v for k, v in harness.ENV.items() if k != "KUBECONFIG"}
        argv = [binary, "operator", "--kubeconfig", ipv6_kubeconfig(folder), "--namespace", namespace,
                "--metrics-bind-address", f":{self.metrics_port}",
                "--health-probe-bind-address", f":{self.health_port}",
                "--runner-image", harness.image(), "--log-format", "text"]
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        test.addCleanup(self.stop)

    def log(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Ipv6ApiServer(unittest.TestCase):
    def test_the_real_api_server_answers_on_ipv6_loopback(self):
        port = harness.ENV["PGREVISE_CLUSTER_API_PORT"]
        out = harness.kubectl("--server", f"https://[::1]:{port}", "get", "--raw", "/readyz")
        self.assertEqual(out.strip(), "ok")

    def test_an_operator_outside_the_cluster_reconciles_through_it_and_serves_both_families(self):
        s = Scenario(self, "ipv6")
        op = OperatorOutsideTheCluster(self, s.namespace)
        s.apply(s.spec(target="0002"))
        try:
            obj = s.wait_ready()
        except AssertionError as e:
            raise AssertionError(f"{e}\noperator log:\n{op.log()}") from None
        self.assertIsNone(op.process.poll(), op.log())
        self.assertEqual(s.versions(), ["0002"])
        self.assertEqual(obj["status"]["currentHeads"], ["0002"])
        self.assertTrue(s.jobs(), "the migration ran in the cluster")
        # Its writes reached the server: the status subresource, and an event on the resource.
        self.assertIn(harness.reason("Migrated"), [r for r, _ in s.events()])

        for host in ("127.0.0.1", "[::1]"):
            with self.subTest(host=host):
                status, body = http_get(host, op.metrics_port, "/metrics")
                self.assertEqual(status, 200, body)
                self.assertIn(f'pgrevise_migration_phase{{name="app",namespace="{s.namespace}",', body)
                for path in ("/healthz", "/readyz"):
                    status, body = http_get(host, op.health_port, path)
                    self.assertEqual(status, 200, f"{path}: {body}")

        # A change made now reaches it through its watch on the IPv6 connection.
        s.patch({"targetRevision": "0003"})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0003"], op.log())

        # The API server restarting cuts every watch; the operator opens them again on [::1] and goes on.
        harness.run([str(harness.SOURCE_DIR / "tests" / "support" / "cluster" / "cluster"), "restart-apiserver",
                     os.environ["PGREVISE_CLUSTER_DIR"]], timeout=180)
        s.patch({"targetRevision": "0004"})
        s.wait_ready()
        self.assertEqual(s.versions(), ["0004"], op.log())
        self.assertIsNone(op.process.poll(), op.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
