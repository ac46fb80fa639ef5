#!/usr/bin/env python3
"""Checks docker/Dockerfile without a Docker engine: the runtime stage installs a package for every shared
library the built pgrevise binary loads (ldd, then dpkg -S, through the installed packages' Depends), it runs
as a numeric non-root user with an exec-form ENTRYPOINT ["pgrevise"], it carries pg_dump and pg_restore, the
build stage is Debian 12 running scripts/install-deps, and .dockerignore keeps build directories out.

The machine running the test is Debian 12 like the image, so its dpkg database answers for the image's.

Usage: check_image.py PGREVISE_BINARY SOURCE_DIR [unittest arguments]
"""

import json
import os
import re
import shlex
import subprocess
import sys
import unittest

BINARY = ""
SOURCE_DIR = ""


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    with open(os.path.join(SOURCE_DIR, "docker", "Dockerfile"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.lstrip().startswith("#")]
    instructions, current = [], ""
    for line in lines:
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            keyword, _, rest = current.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def stage_named(name):
    """The stage whose FROM line ends with `AS name`."""
    for stage in stages():
        if re.search(r"\bAS\s+" + name + r"$", stage[0][1], re.IGNORECASE):
            return stage
    raise AssertionError(f"the Dockerfile has no stage named {name}")


def stages():
    """The Dockerfile's stages, each a list of instructions starting with its FROM."""
    result = []
    for instruction in dockerfile_instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def apt_installed(stage):
    """The packages `apt-get install` names in a stage's RUN instructions."""
    packages = []
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = shlex.split(command)
            if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                after = words[words.index("install") + 1:]
                packages += [w for w in after if not w.startswith("-")]
    return packages


def dpkg_owner(path):
    """The package that ships `path`, trying the merged-/usr aliases dpkg may have recorded instead."""
    real = os.path.realpath(path)
    candidates = [path, real]
    for p in (path, real):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib"):
            candidates.append("/usr" + p)
    for candidate in candidates:
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            owner = result.stdout.splitlines()[0].split(":")[0].split(",")[0].strip()
            return owner
    return None


def shared_libraries(binary):
    result = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True)
    libraries, missing = [], []
    for line in result.stdout.splitlines():
        line = line.strip()
        if "not found" in line:
            missing.append(line)
        elif "=>" in line:
            target = line.split("=>")[1].split("(")[0].strip()
            if target:
                libraries.append(target)
        elif line.startswith("/"):
            libraries.append(line.split("(")[0].strip())
    return libraries, missing


def installed_depends(package):
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}\t${Depends}, ${Pre-Depends}", package],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0 or "install ok installed" not in result.stdout:
        return None
    depends = []
    for clause in result.stdout.split("\t", 1)[1].split(","):
        for alternative in clause.split("|"):
            name = alternative.strip().split(" ")[0].split(":")[0]
            if name:
                depends.append(name)
    return depends


def dependency_closure(packages):
    """The packages installing `packages` brings in, as far as they are installed here."""
    closure, pending = set(), list(packages)
    while pending:
        package = pending.pop()
        if package in closure:
            continue
        depends = installed_depends(package)
        if depends is None:
            continue  # a virtual package or an alternative not installed here
        closure.add(package)
        pending += depends
    return closure


def developer_library_packages():
    """The direct dependencies of the -dev packages scripts/install-deps installs (their runtime libraries)."""
    with open(os.path.join(SOURCE_DIR, "scripts", "install-deps"), encoding="utf-8") as f:
        text = f.read()
    listed = re.search(r"packages=\((.*?)\)", text, re.S).group(1).split()
    runtime = set()
    for package in listed:
        if package.endswith("-dev"):
            runtime.update(installed_depends(package) or [])
    return runtime


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.stages = stages()
        self.runtime = stage_named("runtime")

    def test_build_stage_is_debian_12_with_the_developer_packages(self):
        self.assertEqual(len(self.stages), 4)
        build = stage_named("build")
        self.assertRegex(build[0][1], r"^debian:12 AS build$")
        runs = " ".join(rest for keyword, rest in build if keyword == "RUN")
        self.assertIn("scripts/install-deps --build", runs)

    def test_the_final_stage_is_the_runtime_stage_with_the_binary(self):
        self.assertEqual(self.stages[-1], [("FROM", "runtime"),
                                          ("COPY", "--from=build /pgrevise /usr/local/bin/pgrevise")])

    def test_runtime_stage_is_debian_12_slim_without_build_tools(self):
        self.assertEqual(self.runtime[0][1], "debian:12-slim AS runtime")
        packages = apt_installed(self.runtime)
        self.assertIn("postgresql-client-15", packages)
        for tool in packages:
            self.assertFalse(tool.endswith("-dev") or tool in ("build-essential", "cmake", "ninja-build"), tool)
        self.assertIn("--no-install-recommends", " ".join(rest for keyword, rest in self.runtime))

    def test_runs_as_numeric_non_root_user(self):
        users = [rest for keyword, rest in self.runtime if keyword == "USER"]
        self.assertTrue(users, "the runtime stage sets no USER")
        user = users[-1].split(":")
        self.assertRegex(user[0], r"^[0-9]+$", "USER must be numeric so runAsNonRoot can verify it")
        self.assertNotEqual(int(user[0]), 0)
        if len(user) > 1:
            self.assertRegex(user[1], r"^[0-9]+$")
            self.assertNotEqual(int(user[1]), 0)
        self.assertEqual(int(user[0]), 65532, "the chart's runAsUser")

    def test_entrypoint_needs_no_shell(self):
        entrypoints = [rest for keyword, rest in self.runtime if keyword == "ENTRYPOINT"]
        self.assertEqual(len(entrypoints), 1)
        self.assertEqual(json.loads(entrypoints[0]), ["pgrevise"])
        for keyword, rest in self.runtime:
            if keyword == "CMD":
                self.assertIsInstance(json.loads(rest), list, "CMD in shell form")
        # The binary's path on that PATH: test_the_final_stage_is_the_runtime_stage_with_the_binary.

    def test_pg_dump_and_pg_restore_come_first_on_the_path(self):
        env = " ".join(rest for keyword, rest in self.runtime if keyword == "ENV")
        match = re.search(r"PATH=(\S+)", env)
        self.assertTrue(match)
        first = match.group(1).split(":")[0]
        self.assertEqual(first, "/usr/lib/postgresql/18/bin")
        copies = [rest for keyword, rest in self.runtime if keyword == "COPY"]
        self.assertIn("--from=pg-client /out/usr/lib/postgresql/18 /usr/lib/postgresql/18", copies)

    def test_the_18_client_comes_from_debian_sid_relocated(self):
        client = stage_named("pg-client")
        self.assertEqual(client[0][1], "debian:sid AS pg-client")
        self.assertIn("postgresql-client-18", apt_installed(client))
        runs = " ".join(rest for keyword, rest in client if keyword == "RUN")
        self.assertIn("relocate-pg-client 18 /out", runs)

    def test_the_15_client_is_debians_own_in_its_folder(self):
        # Servers older than 17 refuse what pg_dump 18 writes; the backup takes their own version's tools from
        # /usr/lib/postgresql/MAJOR/bin, where Debian's package puts them.
        self.assertIn("postgresql-client-15", apt_installed(self.runtime))
        listing = subprocess.run(["dpkg", "-L", "postgresql-client-15"], capture_output=True, text=True,
                                 check=False)
        if listing.returncode != 0:
            self.skipTest("postgresql-client-15 is not installed here")
        for tool in ("pg_dump", "pg_restore", "psql"):
            self.assertIn(f"/usr/lib/postgresql/15/bin/{tool}", listing.stdout.splitlines())

    def test_dockerignore_keeps_build_output_out(self):
        with open(os.path.join(SOURCE_DIR, ".dockerignore"), encoding="utf-8") as f:
            patterns = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        self.assertIn("build", patterns)
        self.assertIn("build-*", patterns)


class SharedLibraries(unittest.TestCase):
    def test_every_library_comes_from_a_runtime_package(self):
        libraries, missing = shared_libraries(BINARY)
        self.assertFalse(missing, "ldd cannot resolve these")
        self.assertGreater(len(libraries), 3)
        runtime_packages = apt_installed(stage_named("runtime"))
        closure = dependency_closure(runtime_packages)
        for package in runtime_packages:
            self.assertIn(package, closure, f"{package} is not a Debian package installed here")
        owners = {}
        for library in libraries:
            with self.subTest(library=library):
                owner = dpkg_owner(library)
                self.assertIsNotNone(owner, f"no Debian package ships {library}")
                self.assertIn(owner, closure,
                              f"{library} comes from {owner}, which the runtime stage does not install")
                owners[library] = owner
        loaded_from = set(owners.values())
        for package in ("libpqxx-6.4", "libpq5", "libstdc++6", "libc6"):
            self.assertIn(package, loaded_from)
        # A library package the binary does not load (yet: modules join the executable as they land) must at
        # least be the runtime half of a -dev package the build installs, so the image carries nothing stale.
        linked = developer_library_packages()
        for package in runtime_packages:
            if package.startswith("lib") and package not in loaded_from:
                self.assertIn(package, linked, f"{package} is installed but nothing in the build links it")
                print(f"note: {package} is installed for a library the binary does not load yet", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    BINARY, SOURCE_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]], verbosity=2)
