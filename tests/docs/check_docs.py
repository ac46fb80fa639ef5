"""Keeps docs/ honest against the code.

    /usr/bin/python3 tests/docs/check_docs.py SOURCE_DIR links|metrics|reasons|flags

links    every relative link in README.md and docs/*.md points to a file that exists, and a #fragment pointing
         into a Markdown file names one of its headings
metrics  every metric name in docs/metrics.md is registered in src/metrics, and every registered metric is
         documented there
reasons  the Reasons documented in docs/troubleshooting.md (headings "### `Reason`") are exactly the ones in the
         `reason` namespace of src/api/reasons.h
flags    every --flag named in docs/cli.md is defined by a command in src/app/ (a command whose source file is not
         there yet is skipped, with its section of cli.md)
crd      every field of the CRD's spec and status (crds/) is named, in code quotes, in docs/operator.md

Exit status 0 when the check passes, 1 with one line per problem otherwise, 2 on bad usage.
"""

import os
import re
import sys

LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|^\[[^\]]+\]:\s*(\S+)", re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
METRIC = re.compile(r"\bpgrevise_[a-z0-9_]*[a-z0-9]\b")
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def markdown_files(root):
    files = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    files += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    return files


def prose(text):
    """The text without fenced code blocks and inline code, where brackets are not links."""
    text = FENCE.sub("", text)
    return INLINE_CODE.sub("", text)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = heading.strip().lower()
    text = re.sub(r"[`*_~]", lambda m: "_" if m.group(0) == "_" else "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    for line in FENCE.sub("", read(path)).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else "%s-%d" % (base, n))
    return out


def check_links(root):
    problems = []
    for md in markdown_files(root):
        text = prose(read(md))
        targets = [a or b for a, b in LINK.findall(text)] + IMAGE.findall(text)
        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, fragment = target.partition("#")
            resolved = md if path == "" else os.path.normpath(os.path.join(os.path.dirname(md), path))
            where = os.path.relpath(md, root)
            if not os.path.exists(resolved):
                problems.append("%s: link to %s: no such file" % (where, target))
                continue
            if fragment and resolved.endswith(".md") and fragment not in anchors(resolved):
                problems.append("%s: link to %s: no heading with that anchor" % (where, target))
    return problems


def registered_metrics(root):
    names = set()
    src = os.path.join(root, "src", "metrics")
    for name in os.listdir(src):
        if name.endswith((".cpp", ".h")):
            names.update(re.findall(r"\"(pgrevise_[a-z0-9_]+)\"", read(os.path.join(src, name))))
    return names


def check_metrics(root):
    registered = registered_metrics(root)
    if not registered:
        return ["src/metrics registers no pgrevise_* metric (has the code moved?)"]
    documented = set()
    for name in METRIC.findall(read(os.path.join(root, "docs", "metrics.md"))):
        for suffix in HISTOGRAM_SERIES:
            if name.endswith(suffix) and name[: -len(suffix)] in registered:
                name = name[: -len(suffix)]
        documented.add(name)
    problems = ["docs/metrics.md names %s, which src/metrics does not register" % n
                for n in sorted(documented - registered)]
    problems += ["src/metrics registers %s, which docs/metrics.md does not describe" % n
                 for n in sorted(registered - documented)]
    return problems


def code_reasons(root):
    text = read(os.path.join(root, "src", "api", "reasons.h"))
    block = re.search(r"namespace reason \{(.*?)\}\s*//\s*namespace reason", text, re.S)
    if not block:
        return None
    return set(re.findall(r"=\s*\"([A-Za-z]+)\"", block.group(1)))


def check_reasons(root):
    reasons = code_reasons(root)
    if not reasons:
        return ["src/api/reasons.h: no `namespace reason { ... }` block with string constants found"]
    text = FENCE.sub("", read(os.path.join(root, "docs", "troubleshooting.md")))
    documented = set(re.findall(r"^###\s+`([A-Za-z]+)`\s*$", text, re.M))
    problems = ["docs/troubleshooting.md documents %s, which src/api/reasons.h does not define" % r
                for r in sorted(documented - reasons)]
    problems += ["src/api/reasons.h defines %s, which docs/troubleshooting.md does not document" % r
                 for r in sorted(reasons - documented)]
    return problems


def cli_sections(text):
    """(command file, section text) for each '## `pgrevise ...`' section of cli.md that names its source."""
    parts = re.split(r"^## ", text, flags=re.M)
    out = []
    for part in parts[1:]:
        m = re.search(r"<!--\s*source:\s*(\S+)\s*-->", part)
        out.append((m.group(1) if m else None, part))
    return out


def check_flags(root):
    app = os.path.join(root, "src", "app")
    sources = {n: read(os.path.join(app, n)) for n in os.listdir(app) if n.endswith(".cpp")}
    defined = set()
    for text in sources.values():
        defined.update(re.findall(r"\{\s*\"([a-z][a-z0-9-]+)\"\s*,\s*\"", text))
        defined.update(re.findall(r"FlagSpec\s+\w+\s*\{\s*\"([a-z][a-z0-9-]+)\"", text))
    problems = []
    for source, section in cli_sections(read(os.path.join(root, "docs", "cli.md"))):
        if source is not None and source not in sources:
            continue  # that command is not part of the build yet
        for flag in sorted(set(re.findall(r"`--([a-z][a-z0-9-]+)", section))):
            if flag not in defined and flag not in ("help",):
                title = section.splitlines()[0]
                problems.append("docs/cli.md, section %s: --%s is not a flag of any command in src/app"
                                % (title, flag))
    return problems


def crd_fields(root):
    """Dotted paths of the properties under the CRD's openAPIV3Schema, read by indentation (no YAML library)."""
    stack = []
    fields = set()
    for line in read(os.path.join(root, "crds", "postgresmigrations.pgrevise.dev.yaml")).splitlines():
        m = re.match(r"^(\s*)(?:- )?([A-Za-z][A-Za-z0-9]*):", line)
        if not m:
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        keys = [k for _, k in stack]
        if "openAPIV3Schema" in keys and len(keys) >= 2 and keys[-2] == "properties":
            fields.add(".".join(keys[i] for i in range(1, len(keys)) if keys[i - 1] == "properties"))
    return sorted(f for f in fields if f.startswith(("spec.", "status.")))


def check_crd(root):
    fields = crd_fields(root)
    if not fields:
        return ["crds/postgresmigrations.pgrevise.dev.yaml: no spec or status fields found"]
    quoted = " ".join(re.findall(r"`([^`\n]+)`", FENCE.sub("", read(os.path.join(root, "docs", "operator.md")))))
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", quoted))
    return ["docs/operator.md does not name the CRD field %s" % f for f in fields if f.split(".")[-1] not in words]


CHECKS = {"links": check_links, "metrics": check_metrics, "reasons": check_reasons, "flags": check_flags,
          "crd": check_crd}


def main(argv):
    if len(argv) != 3 or argv[2] not in CHECKS:
        sys.stderr.write("usage: check_docs.py SOURCE_DIR %s\n" % "|".join(CHECKS))
        return 2
    problems = CHECKS[argv[2]](os.path.abspath(argv[1]))
    for p in problems:
        print(p)
    if not problems:
        print("docs %s: ok" % argv[2])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
