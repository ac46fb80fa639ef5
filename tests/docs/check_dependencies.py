"""Keeps src/ to the dependency graph that src/dependencies.json declares.

    /usr/bin/python3 tests/docs/check_dependencies.py SOURCE_DIR

includes  an #include "MODULE/..." in src/M/ names M itself or a module M may use (an adapter's files may also
          use what the adapter lists)
links     every pgrevise::MODULE in a target_link_libraries or pgrevise_library of src/ is a module the target's
          module may use
clocks    steady_clock / system_clock are read (::now) only where real_time allows it; a file listed as not yet
          injected must still read one, so the list only shrinks
headers   a public header (.h) includes an outside library (third_party.libraries) only where its module or its
          adapter declares that its headers expose it, so the pure cores stay apart from the adapters

Exit status 0 when the graph holds, 1 with one line per problem otherwise, 2 on bad usage.
"""

import json
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
LINK_BLOCK = re.compile(r"target_link_libraries\(\s*([A-Za-z0-9_:]+)([^)]*)\)", re.S)
# pgrevise_library(NAME SOURCES ... PUBLIC ... PRIVATE ...) (cmake/Library.cmake) defines pgrevise_NAME and its links.
LIBRARY_BLOCK = re.compile(r"pgrevise_library\(\s*([A-Za-z0-9_]+)([^)]*)\)", re.S)
LINKED_MODULE = re.compile(r"\bpgrevise::([a-z_]+)")
SYSTEM_INCLUDE = re.compile(r"^\s*#\s*include\s+<([^>]+)>", re.M)
CLOCK_READ = re.compile(r"\b(?:steady_clock|system_clock|high_resolution_clock)::now\b")
SOURCE_SUFFIXES = (".h", ".cpp")
BUILD_FILES = ("CMakeLists.txt",)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def files_under(src, suffixes):
    for folder, _, names in os.walk(src):
        for name in sorted(names):
            if name.endswith(suffixes):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, src).replace(os.sep, "/"), path


def allowed_for(graph, module, relpath=None, target=None):
    allowed = {module, *graph["modules"].get(module, [])}
    for name, adapter in graph["adapters"].items():
        if name == "about":
            continue
        if relpath in adapter["files"] or target == name:
            allowed.update(adapter["also"])
    return allowed


def check_includes(src, graph):
    problems = []
    for relpath, path in files_under(src, SOURCE_SUFFIXES):
        module = relpath.split("/")[0]
        if module not in graph["modules"]:
            problems.append("%s: module %s is not declared in src/dependencies.json" % (relpath, module))
            continue
        allowed = allowed_for(graph, module, relpath=relpath)
        for used in INCLUDE.findall(read(path)):
            if used in graph["modules"] and used not in allowed:
                problems.append("%s: includes %s/, which %s may not use" % (relpath, used, module))
    return problems


def target_module(graph, target, file_module):
    if target in graph["adapters"]:
        return graph["adapters"][target]["module"]
    if target == "pgrevise":
        return "app"
    return target.removeprefix("pgrevise_") if target.startswith("pgrevise_") else file_module


def check_links(src, graph):
    problems = []
    adapter_modules = {name: a["module"] for name, a in graph["adapters"].items() if name != "about"}
    for relpath, path in files_under(src, BUILD_FILES + (".cmake",)):
        text = read(path)
        blocks = LINK_BLOCK.findall(text) + [("pgrevise_" + name, body) for name, body in LIBRARY_BLOCK.findall(text)]
        for target, body in blocks:
            module = target_module(graph, target, relpath.split("/")[0])
            allowed = allowed_for(graph, module, target=target)
            for used in LINKED_MODULE.findall(body):
                used_module = adapter_modules.get("pgrevise_" + used, used)
                if used_module not in allowed:
                    problems.append("%s: %s links pgrevise::%s, which %s may not use" % (relpath, target, used, module))
    return problems


def check_clocks(src, graph):
    real_time = graph["real_time"]
    problems = []
    for relpath, path in files_under(src, SOURCE_SUFFIXES):
        reads_clock = CLOCK_READ.search(read(path)) is not None
        allowed = any(relpath == a or (a.endswith("/") and relpath.startswith(a)) for a in real_time["allowed"])
        if reads_clock and not allowed:
            problems.append("%s: reads the real clock; take the injected Clock (common/clock.h)" % relpath)
    return problems


def exposed_by(graph, relpath):
    third_party = graph.get("third_party", {})
    exposed = set(third_party.get("headers_expose", {}).get(relpath.split("/")[0], []))
    for name, adapter in graph["adapters"].items():
        if name != "about" and relpath in adapter["files"]:
            exposed.update(adapter.get("headers_expose", []))
    return exposed


def check_third_party_headers(src, graph):
    libraries = graph.get("third_party", {}).get("libraries", {})
    problems = []
    for relpath, path in files_under(src, (".h",)):
        exposed = exposed_by(graph, relpath)
        for included in SYSTEM_INCLUDE.findall(read(path)):
            for prefix, library in libraries.items():
                if included.startswith(prefix) and library not in exposed:
                    problems.append(
                        "%s: a public header includes <%s> (%s); keep it in the .cpp or in an adapter target"
                        % (relpath, included, library))
    return problems


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: check_dependencies.py SOURCE_DIR\n")
        return 2
    src = os.path.join(os.path.abspath(argv[1]), "src")
    graph = json.loads(read(os.path.join(src, "dependencies.json")))
    problems = (check_includes(src, graph) + check_links(src, graph) + check_clocks(src, graph) +
                check_third_party_headers(src, graph))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
