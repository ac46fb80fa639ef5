#!/usr/bin/env python3
"""Checks the pgrevise image on the Docker engine: the image the tests run (the shipped Dockerfile's runtime stage
with the binary built here, tests/support/cluster/images --binary) holds exactly the files of the image the
shipped Dockerfile builds whole, the binary's content aside: the Dockerfile's final stage adds nothing but the
binary, at the same path, to the same runtime stage. In the image, every shared library the binary loads
resolves, pg_dump, pg_restore and psql of both client versions (15 and 18) run, and the process runs as the
numeric non-root user.

Usage: check_real_image.py PGREVISE_BINARY SOURCE_DIR [unittest arguments]
"""

import io
import os
import subprocess
import sys
import tarfile
import unittest

BINARY = ""
SOURCE_DIR = ""
RUNTIME_TAG = "pgrevise-test/runtime:latest"
BINARY_PATH = "usr/local/bin/pgrevise"


def docker(*args, input_bytes=None, check=True):
    proc = subprocess.run(["docker", *args], input=input_bytes, capture_output=True,
                          env={**os.environ, "DOCKER_BUILDKIT": "0"}, timeout=1800)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


def files_of(image):
    """path -> (mode, uid, gid, link target) of every entry in the image's file system."""
    container = docker("create", image).strip()
    try:
        exported = subprocess.run(["docker", "export", container], capture_output=True, check=True).stdout
    finally:
        docker("rm", container)
    entries = {}
    with tarfile.open(fileobj=io.BytesIO(exported)) as tar:
        for member in tar.getmembers():
            entries[member.name.rstrip("/")] = (member.mode & 0o7777, member.uid, member.gid, member.linkname)
    return entries


def final_stage_instructions():
    lines = []
    with open(os.path.join(SOURCE_DIR, "docker", "Dockerfile"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


class Image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        images = os.path.join(SOURCE_DIR, "tests", "support", "cluster", "images")
        subprocess.run([os.path.join(SOURCE_DIR, "tests", "support", "cluster", "base-image")], check=True)
        docker("build", "-q", "--target", "runtime", "-f", os.path.join(SOURCE_DIR, "docker", "Dockerfile"),
               "-t", RUNTIME_TAG, SOURCE_DIR)
        cls.image = subprocess.run([images, "--pgrevise-only", "--binary", BINARY], capture_output=True,
                                   text=True, check=True).stdout.strip()

    def test_the_final_stage_adds_only_the_binary_to_the_runtime_stage(self):
        self.assertEqual(final_stage_instructions(),
                         ["FROM runtime", "COPY --from=build /pgrevise /usr/local/bin/pgrevise"])

    def test_the_tested_image_is_the_runtime_stage_plus_the_binary(self):
        runtime = files_of(RUNTIME_TAG)
        tested = files_of(self.image)
        self.assertEqual(set(tested) - set(runtime), {BINARY_PATH})
        self.assertEqual(set(runtime) - set(tested), set())
        changed = [p for p in runtime if runtime[p] != tested[p] and p not in ("usr/local/bin", "usr/local")]
        self.assertEqual(changed, [])
        self.assertEqual(tested[BINARY_PATH][:3], (0o755, 0, 0))

    def test_every_shared_library_resolves_in_the_image(self):
        out = docker("run", "--rm", "--entrypoint", "ldd", self.image, "/" + BINARY_PATH)
        self.assertNotIn("not found", out)
        self.assertIn("libpqxx", out)

    def test_the_postgresql_client_tools_run(self):
        # Both sets, each in its folder as the numeric user; the newest is the one on PATH.
        for major in ("15", "18"):
            for tool in ("pg_dump", "pg_restore", "psql"):
                out = docker("run", "--rm", "--entrypoint", f"/usr/lib/postgresql/{major}/bin/{tool}", self.image,
                             "--version")
                self.assertIn(f"(PostgreSQL) {major}.", out)
        self.assertIn("(PostgreSQL) 18.", docker("run", "--rm", "--entrypoint", "pg_dump", self.image, "--version"))

    def test_it_runs_as_the_numeric_non_root_user(self):
        out = docker("run", "--rm", "--entrypoint", "id", self.image)
        self.assertIn("uid=65532", out)
        self.assertIn("gid=65532", out)
        self.assertIn("Usage", docker("run", "--rm", self.image) + docker("run", "--rm", self.image, "--help"))


if __name__ == "__main__":
    BINARY, SOURCE_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]], verbosity=2)
