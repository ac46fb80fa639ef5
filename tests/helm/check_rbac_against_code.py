#!/usr/bin/env python3
"""Every Kubernetes API call the operator's code makes is granted by tests/helm/expected_rbac.json (the list the
chart's roles are checked against). A static reading of src/: RestClient calls whose resource is named in the
call (`client_.create(kube::resources::jobs(), ...)`, or a local `ResourceType x = resources::leases()`), the
watched types of the operator runtime (list + watch), and the reads through the informer caches. Besides the calls,
one permission the API server asks for on the operator's behalf: an object created with an ownerReference whose
blockOwnerDeletion is true (`{"blockOwnerDeletion", true}` in src/) needs update on the owner's finalizers
subresource where the OwnerReferencesPermissionEnforcement admission plugin is on; the owner is always a
PostgresMigration. A Job removed by its ttlSecondsAfterFinished, or by garbage collection with its owner, needs
nothing from the operator.

The RBAC table of docs/security.md must list the same grants.

Both directions fail: a call that the list does not grant, and a granted verb that no call needs (the chart would
grant more than the code uses).

Usage: check_rbac_against_code.py SOURCE_DIR
"""

import glob
import json
import os
import re
import sys

# RestClient method -> (verb, subresource)
METHODS = {
    "get": ("get", ""), "try_get": ("get", ""), "cached_or_get": ("get", ""),
    "list": ("list", ""), "list_all": ("list", ""), "watch": ("watch", ""),
    "create": ("create", ""), "update": ("update", ""), "patch": ("patch", ""), "remove": ("delete", ""),
    "get_status": ("get", "/status"), "update_status": ("update", "/status"), "patch_status": ("patch", "/status"),
}
RESOURCE_CALL = r"(?:kube::)?(?:resources::|controller::)?(\w+)\(\)"
BLOCK_OWNER_DELETION = r'"blockOwnerDeletion"\s*[,:]\s*true'
OWNER_FINALIZERS = ("pgrevise.dev", "postgresmigrations/finalizers", "update")


def resource_types(source_dir):
    """Function name -> (apiGroup, plural) from src/kube/resource.cpp and the custom resource's own function."""
    types = {}
    with open(os.path.join(source_dir, "src", "kube", "resource.cpp"), encoding="utf-8") as f:
        text = f.read()
    for name, group, plural in re.findall(r'ResourceType (\w+)\(\) \{\s*return \{"([^"]*)", "[^"]*", "([^"]*)"',
                                          text):
        types[name] = (group, plural)
    types["postgres_migrations"] = ("pgrevise.dev", "postgresmigrations")
    return types


def calls_in(text, types):
    """(apiGroup, resource, verb) for each recognisable API call in one source file."""
    found = set()
    aliases = {}
    for alias, expression in re.findall(r"ResourceType (\w+) =([^;]+);", text):
        aliases[alias] = [n for n in re.findall(RESOURCE_CALL, expression) if n in types]
    methods = "|".join(METHODS)
    for method, name in re.findall(rf"\b({methods})\(\s*(?:[\w:]+,\s*)?(?:\w+_?,\s*)?{RESOURCE_CALL}", text):
        if name in types:
            verb, sub = METHODS[method]
            found.add((types[name][0], types[name][1] + sub, verb))
    for name in re.findall(rf"\bcached_or_get\([^;]*?{RESOURCE_CALL}", text):
        if name in types:
            found.add((types[name][0], types[name][1], "get"))
    for method, alias in re.findall(rf"\.({methods})\(\s*(\w+)\s*,", text):
        for name in aliases.get(alias, []):
            verb, sub = METHODS[method]
            found.add((types[name][0], types[name][1] + sub, verb))
    for name in re.findall(rf"WatchedType \w+\{{{RESOURCE_CALL}", text):
        if name in types:
            found |= {(types[name][0], types[name][1], "list"), (types[name][0], types[name][1], "watch")}
    return found


def documented_grants(source_dir):
    """(apiGroup, resource, verb) for each row of the RBAC table in docs/security.md."""
    with open(os.path.join(source_dir, "docs", "security.md"), encoding="utf-8") as f:
        text = f.read()
    rows = re.findall(r"^\| ((?:`[\w.]+`|core)(?: and (?:`[\w.]+`|core))*) \| `([\w/]+)` \| ([\w, ]+) \|", text, re.M)
    found = set()
    for groups, resource, verbs in rows:
        for group in groups.split(" and "):
            group = "" if group == "core" else group.strip("`")
            found |= {(group, resource, verb.strip()) for verb in verbs.split(",")}
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source_dir = sys.argv[1]
    with open(os.path.join(source_dir, "tests", "helm", "expected_rbac.json"), encoding="utf-8") as f:
        expected = json.load(f)
    granted = {(e["apiGroup"], e["resource"], verb)
               for scope in ("watchedNamespaces", "releaseNamespace") for e in expected[scope] for verb in e["verbs"]}
    types = resource_types(source_dir)
    used = {}
    for path in sorted(glob.glob(os.path.join(source_dir, "src", "**", "*.cpp"), recursive=True) +
                       glob.glob(os.path.join(source_dir, "src", "**", "*.h"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        relative = os.path.relpath(path, source_dir)
        calls = calls_in(text, types)
        # src/local/ is `pgrevise apply`'s in-process cluster: its objects never reach an API server.
        if re.search(BLOCK_OWNER_DELETION, text) and not relative.startswith(os.path.join("src", "local", "")):
            calls.add(OWNER_FINALIZERS)
        for call in calls:
            used.setdefault(call, []).append(relative)
    if not used:
        print("FAIL: no API calls recognised in src/; the scan no longer matches the code")
        return 1
    missing = sorted(set(used) - granted)
    unused = sorted(granted - set(used))
    for group, resource, verb in sorted(used):
        where = ", ".join(sorted(set(used[(group, resource, verb)])))
        print(f"used:    {group or 'core'} {resource} {verb}  ({where})")
    for group, resource, verb in unused:
        print(f"FAIL: expected_rbac.json (and so the chart) grants {verb} on {group or 'core'} {resource}, which "
              f"no call in src/ needs; remove the verb, or teach this scan the call that needs it")
    for group, resource, verb in missing:
        print(f"FAIL: the code calls {verb} on {group or 'core'} {resource}, which expected_rbac.json (and so the "
              f"chart) does not grant; used in {', '.join(sorted(set(used[(group, resource, verb)])))}")
    documented = documented_grants(source_dir)
    for group, resource, verb in sorted(documented ^ granted):
        where = "documented in docs/security.md but not granted" if (group, resource, verb) in documented else \
            "granted but not in the RBAC table of docs/security.md"
        print(f"FAIL: {verb} on {group or 'core'} {resource} is {where}")
    return 1 if missing or unused or documented != granted else 0


if __name__ == "__main__":
    sys.exit(main())
