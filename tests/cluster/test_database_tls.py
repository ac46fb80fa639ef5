#!/usr/bin/env python3
"""TLS to the database on the real cluster: a PostgreSQL of the test's own (scripts/dev-postgres, listening on the
node's address as the fixture's servers do) serving a certificate signed by a CA the test makes, for the node's
address, and refusing every connection from the Pods' network that is not TLS with a client certificate of that
CA. The operator from the chart probes it and its backup and migrate Jobs run against it with `sslMode:
verify-full`, the CA from a ConfigMap and the client certificate from a kubernetes.io/tls Secret; a CA that did
not sign the server's certificate is refused as DatabaseCertificateRejected, with no Job. Neither the client key,
the password nor the certificates appear in the status, the events, the Jobs or the operator's logs."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import operator_install as operator  # noqa: E402
from scenario import Scenario  # noqa: E402

HEADS = ["0016"]
DEV_POSTGRES = str(harness.SOURCE_DIR / "scripts" / "dev-postgres")
POD_NETWORK = "10.213.0.0/24"


def openssl(folder, *args):
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=120)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def pem_body(pem):
    """The base64 lines of a PEM block, each long enough that finding one anywhere means the PEM leaked."""
    return [line for line in pem.splitlines() if len(line) >= 40 and not line.startswith("-----")]


class TlsServer:
    """A CA and another CA; a server certificate for the node's address and a client certificate for `postgres`,
    both signed by the first; a PostgreSQL serving that certificate and requiring, from the Pods' network, TLS
    with a client certificate the CA signed (pg_hba clientcert=verify-full) besides the password."""

    def __init__(self):
        # The server runs as the `postgres` user, which must be able to enter the folder (mkdtemp makes it 0700).
        self.dir = tempfile.mkdtemp(prefix="pgrevise-cluster-tls-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.pki = os.path.join(self.dir, "pki")
        self.folder = os.path.join(self.dir, "server")
        os.makedirs(self.pki)
        self.make_pki()
        env = dict(os.environ, PGREVISE_PG_LISTEN=harness.NODE_IP)
        env.pop("PGREVISE_PG_ALLOW", None)  # the Pods' network gets the rules below, not a plain password line
        subprocess.run([DEV_POSTGRES, "start", self.folder], check=True, capture_output=True, env=env, timeout=180)
        self.pg = harness.Postgres(self.folder)
        self.port = int(read(os.path.join(self.folder, "port")).strip())
        self.enable_tls()

    def make_pki(self):
        for name in ("ca", "other-ca"):
            openssl(self.pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                    "-out", f"{name}.crt", "-days", "2", "-subj", f"/CN=pgrevise test {name}")
        with open(os.path.join(self.pki, "server.ext"), "w", encoding="utf-8") as f:
            f.write(f"subjectAltName=IP:{harness.NODE_IP},IP:127.0.0.1\n")
        for name, subject, ext in (("server", f"/CN={harness.NODE_IP}", ["-extfile", "server.ext"]),
                                   ("client", "/CN=postgres", [])):
            openssl(self.pki, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                    f"{name}.csr", "-subj", subject)
            openssl(self.pki, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", *ext)
        self.ca, self.other_ca = read(os.path.join(self.pki, "ca.crt")), read(os.path.join(self.pki, "other-ca.crt"))
        self.client_cert, self.client_key = (read(os.path.join(self.pki, "client.crt")),
                                             read(os.path.join(self.pki, "client.key")))

    def enable_tls(self):
        data = os.path.join(self.folder, "data")
        for name in ("server.crt", "server.key", "ca.crt"):
            target = os.path.join(data, name)
            shutil.copyfile(os.path.join(self.pki, name), target)
            os.chmod(target, 0o600)
            if os.geteuid() == 0:
                shutil.chown(target, "postgres", "postgres")
        # First match wins: from the Pods' network, plain connections are refused, and TLS ones need a client
        # certificate of the CA naming the user as well as the password.
        with open(os.path.join(data, "pg_hba.conf"), "a", encoding="utf-8") as f:
            f.write(f"hostnossl all all {POD_NETWORK} reject\n"
                    f"hostssl all all {POD_NETWORK} scram-sha-256 clientcert=verify-full\n")
        # One statement each: ALTER SYSTEM cannot run in the transaction a multi-statement query is.
        for setting in ("ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'ca.crt'",
                        "ssl = on"):
            self.pg.psql(f"ALTER SYSTEM SET {setting}")
        self.pg.psql("SELECT pg_reload_conf()")
        harness.wait_for("the server to serve TLS", lambda: self.connects(
            f"host={harness.NODE_IP} sslmode=verify-full sslrootcert={self.pki}/ca.crt "
            f"sslcert={self.pki}/client.crt sslkey={self.pki}/client.key"), timeout=60)

    def connects(self, settings):
        """Whether psql, as postgres with its password, connects with these libpq settings."""
        password = self.pg.admin_url.split(":")[2].split("@")[0]
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        proc = subprocess.run(["psql", "-X", "-A", "-t", "-c", "SELECT 1",
                               f"port={self.port} user=postgres dbname=postgres {settings}"],
                              capture_output=True, text=True, env=env, timeout=60)
        return proc.returncode == 0

    def password(self):
        return self.pg.admin_url.split(":")[2].split("@")[0]

    def stop(self):
        subprocess.run([DEV_POSTGRES, "stop", self.folder], capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


SERVER = None


def setUpModule():
    global SERVER
    SERVER = TlsServer()
    # At debug level the operator logs the most: what it logs must still hold no secret.
    operator.install("logLevel=debug")


def tearDownModule():
    if os.environ.get("PGREVISE_CLUSTER_KEEP") != "1":
        operator.uninstall()
    if SERVER:
        SERVER.stop()


class VerifyFull(unittest.TestCase):
    def setUp(self):
        # The server refuses what the Jobs must not be able to do: connect without TLS, or without the client
        # certificate, from the node's address.
        self.assertFalse(SERVER.connects(f"host={harness.NODE_IP} sslmode=disable"))
        self.assertFalse(SERVER.connects(f"host={harness.NODE_IP} sslmode=require"))

    def scenario(self, name, ca_ref):
        s = Scenario(self, name, pg=SERVER.pg)
        harness.apply([
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "db-ca"}, "data": {"ca.crt": SERVER.ca}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-other-ca"}, "type": "Opaque",
             "stringData": {"ca.crt": SERVER.other_ca}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-password"}, "type": "Opaque",
             "stringData": {"password": SERVER.password()}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-client"}, "type": "kubernetes.io/tls",
             "stringData": {"tls.crt": SERVER.client_cert, "tls.key": SERVER.client_key}}], s.namespace)
        database = {"host": harness.NODE_IP, "port": SERVER.port, "dbname": s.database, "user": "postgres",
                    "passwordSecretRef": {"name": "db-password", "key": "password"}, "sslMode": "verify-full",
                    "tls": {**ca_ref, "clientCertSecretRef": {"name": "db-client"}}}
        return s, database

    def test_the_probe_the_backup_and_the_migration_pass_with_the_ca_from_a_configmap(self):
        s, database = self.scenario("tls", {"caConfigMapRef": {"name": "db-ca", "key": "ca.crt"}})
        s.apply(s.spec(target="heads", backup=True, database=database))
        obj = s.wait_ready()
        self.assertEqual(s.versions(), HEADS)
        self.assertEqual(obj["status"]["currentHeads"], HEADS)
        self.assertEqual(obj["status"]["lastRun"]["result"], "Succeeded", s.describe())
        backup = obj["status"]["lastBackup"]
        self.assertTrue(os.path.exists(os.path.join(s.backup_dir, os.path.basename(backup["file"]))), backup)
        kinds = sorted(j["metadata"]["labels"][harness.JOB_LABELS["kComponentLabel"]] for j in s.jobs())
        self.assertIn("backup", kinds)
        self.assertIn("migrate", kinds)
        for job in s.jobs():
            env = {e["name"]: e.get("value") for c in job["spec"]["template"]["spec"]["containers"]
                   for e in c.get("env", [])}
            self.assertEqual(env.get("PGSSLMODE"), "verify-full", env)
            self.assertTrue(env.get("PGSSLROOTCERT", "").endswith("/ca.crt"), env)
            self.assertTrue(env.get("PGSSLKEY", "").endswith("/tls.key"), env)
        self.assert_no_secret_material(s)

    def test_a_ca_that_did_not_sign_the_server_certificate_is_refused_with_no_job(self):
        s, database = self.scenario("tlswrong", {"caSecretRef": {"name": "db-other-ca", "key": "ca.crt"}})
        s.apply(s.spec(target="heads", database=database))
        obj = s.wait_condition("Stalled", "True", reason="DatabaseCertificateRejected", timeout=120)
        self.assertEqual(harness.condition(obj, "Ready")["status"], "False")
        self.assertEqual(harness.condition(obj, "Ready")["reason"], harness.reason("DatabaseCertificateRejected"))
        harness.wait_for("a DatabaseCertificateRejected event", lambda: any(
            harness.reason("DatabaseCertificateRejected") in (r or "") + (m or "") for r, m in s.events()),
            timeout=30)
        time.sleep(3)  # a window in which a wrongly started Job would appear; the assertions below are on state
        self.assertEqual(s.jobs(), [])
        self.assertEqual(s.pg.psql("SELECT to_regclass('public.alembic_version') IS NULL", s.database), "t")
        self.assert_no_secret_material(s)

        # The right CA put into the Secret the resource names: the operator looks again by itself and migrates.
        harness.apply([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-other-ca"}, "type": "Opaque",
                        "stringData": {"ca.crt": SERVER.ca}}], s.namespace)
        s.wait_ready(timeout=180)
        self.assertEqual(s.versions(), HEADS)

    def assert_no_secret_material(self, s):
        seen = {"status": json.dumps(s.resource().get("status")),
                "events": json.dumps(harness.list_objects("events", s.namespace)),
                "jobs": json.dumps(s.jobs()),
                "operator logs": operator.all_logs()}
        secrets = {"the password": [SERVER.password()], "the client key": pem_body(SERVER.client_key),
                   "the client certificate": pem_body(SERVER.client_cert), "the CA": pem_body(SERVER.ca),
                   "the other CA": pem_body(SERVER.other_ca)}
        for where, text in seen.items():
            self.assertNotIn("PRIVATE KEY", text, where)
            for what, pieces in secrets.items():
                for piece in pieces:
                    self.assertNotIn(piece, text, f"{what} in the {where}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
