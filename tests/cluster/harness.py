"""What the real-cluster suites share: kubectl and helm against the local cluster (tests/support/cluster), the
test's PostgreSQL as the Pods reach it, namespaces under Pod Security `restricted`, and waiting on conditions.

The fixture (tests/cluster/fixture) exports PGREVISE_CLUSTER_DIR (the cluster's env file is there) and
PGREVISE_CLUSTER_PG (a folder of scripts/dev-postgres whose server also listens on the node's address), and
PGREVISE_CLUSTER_PG17 and PGREVISE_CLUSTER_PG18 (the same for PostgreSQL 17 and 18).
Reasons and labels are read from the C++ headers that define them (src/api/reasons.h, src/api/labels.h,
src/specs/jobs.h), never copied here.
"""

import json
import os
import pathlib
import re
import subprocess
import time
import urllib.parse
import uuid

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]


def _cluster_env():
    env = dict(os.environ)
    cluster_dir = os.environ["PGREVISE_CLUSTER_DIR"]
    with open(os.path.join(cluster_dir, "env"), encoding="utf-8") as f:
        for line in f:
            match = re.match(r"export (\w+)=(.*)$", line.strip())
            if match:
                env[match.group(1)] = match.group(2)
    return env


ENV = _cluster_env()
BIN = ENV["PGREVISE_CLUSTER_BIN"]
NODE_IP = ENV["PGREVISE_NODE_IP"]


def _header_constants(relative_path):
    """name -> value of every `inline constexpr std::string_view kName = "value";` in a header."""
    text = (SOURCE_DIR / relative_path).read_text(encoding="utf-8")
    pattern = r'inline constexpr (?:std::string_view|char) (k\w+)(?:\[\])?\s*=\s*"([^"]*)"'
    return dict(re.findall(pattern, re.sub(r"\s*\n\s*", " ", text)))


REASONS = _header_constants("src/api/reasons.h")
JOB_LABELS = {**_header_constants("src/api/labels.h"), **_header_constants("src/specs/jobs.h")}
API_TYPES = _header_constants("src/api/types.h")


def reason(name):
    """The Reason constant kName from src/api/reasons.h, e.g. reason("Migrated")."""
    return REASONS["k" + name]


class CommandError(AssertionError):
    pass


def run(argv, input_text=None, check=True, timeout=120):
    proc = subprocess.run(argv, input=input_text, capture_output=True, text=True, env=ENV, timeout=timeout)
    if check and proc.returncode != 0:
        raise CommandError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def kubectl(*args, input_text=None, check=True, timeout=120):
    return run([os.path.join(BIN, "kubectl"), *args], input_text, check, timeout).stdout


def helm(*args, check=True, timeout=300):
    return run([os.path.join(BIN, "helm"), *args], None, check, timeout).stdout


def apply(objects, namespace=None, server_side=True):
    """kubectl apply of a list of objects (dicts) or a YAML/JSON string."""
    text = objects if isinstance(objects, str) else json.dumps({"apiVersion": "v1", "kind": "List",
                                                                "items": objects})
    args = ["apply", "-f", "-"]
    if server_side:
        args += ["--server-side", "--force-conflicts", "--field-manager", "pgrevise-test"]
    if namespace:
        args += ["-n", namespace]
    return kubectl(*args, input_text=text)


def get(kind, name, namespace=None):
    """The object as a dict, or None when it does not exist."""
    args = ["get", kind, name, "-o", "json"]
    if namespace:
        args += ["-n", namespace]
    proc = run([os.path.join(BIN, "kubectl"), *args], check=False)
    if proc.returncode != 0:
        if "NotFound" in proc.stderr or "not found" in proc.stderr:
            return None
        raise CommandError(proc.stderr)
    return json.loads(proc.stdout)


def list_objects(kind, namespace, selector=None):
    args = ["get", kind, "-n", namespace, "-o", "json"]
    if selector:
        args += ["-l", selector]
    return json.loads(kubectl(*args))["items"]


def wait_for(what, predicate, timeout=180, interval=0.5):
    """Polls predicate() until it returns something truthy, which is returned; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def condition(obj, kind):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c.get("type") == kind:
            return c
    return None


def unique_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def restricted_namespace(name):
    """A namespace whose Pods must meet the Pod Security Standard `restricted` (enforced by admission)."""
    apply([{"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": "restricted",
                                                  "pod-security.kubernetes.io/enforce-version": "latest"}}}])
    return name


def delete_namespace(name, wait=False):
    kubectl("delete", "namespace", name, "--ignore-not-found", f"--wait={'true' if wait else 'false'}",
            timeout=300)


class Postgres:
    """The fixture's PostgreSQL: a superuser URL on 127.0.0.1 for the test, and the node-address form for Pods."""

    def __init__(self, folder=None):
        """folder: a scripts/dev-postgres folder; by default the fixture's (PGREVISE_CLUSTER_PG)."""
        folder = folder or os.environ["PGREVISE_CLUSTER_PG"]
        with open(os.path.join(folder, "url"), encoding="utf-8") as f:
            self.admin_url = f.read().strip()

    def url(self, database, host="127.0.0.1", user=None):
        """The superuser's URL of database, or with user=(name, password) that role's."""
        parts = urllib.parse.urlsplit(self.admin_url)
        netloc = parts.netloc.replace("127.0.0.1", host)
        if user:
            netloc = f"{user[0]}:{user[1]}@{netloc.split('@', 1)[1]}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, "/" + database, "", ""))

    def pod_url(self, database, user=None):
        return self.url(database, NODE_IP, user)

    def psql(self, sql, database="postgres"):
        proc = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.url(database),
                               "-c", sql], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise CommandError(f"psql: {proc.stderr}")
        return proc.stdout.strip()

    def create_database(self, name):
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def version_rows(self, database, table="alembic_version"):
        rows = self.psql(f"SELECT version_num FROM {table} ORDER BY 1", database)
        return rows.split("\n") if rows else []


def migrations_configmap(name, folder):
    """A ConfigMap carrying every *.sql under folder, keyed by basename (as scripts/make-example-configmap)."""
    data = {p.name: p.read_text(encoding="utf-8") for p in sorted(pathlib.Path(folder).rglob("*.sql"))}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def url_secret(name, url):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
            "stringData": {"url": url}}


def image():
    """The pgrevise image the fixture loaded into the node."""
    with open(os.path.join(os.environ["PGREVISE_CLUSTER_DIR"], "image"), encoding="utf-8") as f:
        return f.read().strip()
