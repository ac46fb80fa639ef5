"""Reading pgrevise migration files from Python: headers, sections, graph order and a SQL statement splitter.

Used by make_alembic_project.py (to write the equivalent Alembic project), check_migrations.py (to replay the
example set with psql) and bench/lib/gen_migrations.py. It follows the file format in DESIGN.md:

    -- revision: 018                 (an id holding a comma or edge white space is written "in double quotes")
    -- down_revision: 017            (omitted for a base; comma-separated for a merge)
    -- message: add project costs table
    -- branch_labels: costs          (optional, comma-separated)
    -- depends_on: 012               (optional, comma-separated)
    -- transactional: false          (optional, default true)

    -- +upgrade
    ...
    -- +downgrade
    ...
"""

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List

HEADER_KEYS = ("revision", "down_revision", "message", "branch_labels", "depends_on", "transactional", "needs_sql")
UPGRADE_MARKER = "-- +upgrade"
DOWNGRADE_MARKER = "-- +downgrade"


class MigrationFileError(Exception):
    pass


@dataclass
class Revision:
    path: str
    revision: str
    down_revisions: List[str] = field(default_factory=list)
    message: str = ""
    branch_labels: List[str] = field(default_factory=list)
    depends_on: List[str] = field(default_factory=list)
    transactional: bool = True
    upgrade_sql: str = ""
    downgrade_sql: str = ""


_BLANK = " \t\r\n\f\v"  # what the C++ reader trims (isspace in the C locale)


def header_entries(value: str) -> List[str]:
    """The comma-separated entries of a header value. An entry in double quotes ("" for a quote) keeps its commas
    and surrounding white space (an id such as 'a,b' or ' a'); an unquoted one is trimmed."""
    out: List[str] = []
    if not value.strip(_BLANK):
        return out
    i, n = 0, len(value)
    while True:
        while i < n and value[i] in _BLANK:
            i += 1
        if i < n and value[i] == '"':
            entry, i = _read_quoted(value, i)
            while i < n and value[i] in _BLANK:
                i += 1
            if i < n and value[i] != ",":
                raise MigrationFileError(f"text after a double-quoted entry in {value!r}")
        else:
            comma = value.find(",", i)
            comma = n if comma < 0 else comma
            entry, i = value[i:comma].strip(_BLANK), comma
        out.append(entry)
        if i >= n:
            return out
        i += 1


def _read_quoted(value: str, start: int):
    entry, i = [], start + 1
    while i < len(value):
        if value[i] != '"':
            entry.append(value[i])
        elif i + 1 < len(value) and value[i + 1] == '"':
            entry.append('"')
            i += 1
        else:
            return "".join(entry), i + 1
        i += 1
    raise MigrationFileError(f"unterminated double quote in {value!r}")


def header_id(revision_id: str) -> str:
    """An id as a header line writes it: double-quoted when it holds a comma, begins or ends with white space, or
    begins with a double quote."""
    plain = revision_id and revision_id.strip(_BLANK) == revision_id and not revision_id.startswith('"') and (
        "," not in revision_id)
    return revision_id if plain else '"' + revision_id.replace('"', '""') + '"'


def _split_list(value: str) -> List[str]:
    return header_entries(value)


def _parse_header(path: str, lines: List[str]) -> Dict[str, str]:
    header: Dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if not text.startswith("--"):
            raise MigrationFileError(f"{path}:{number}: SQL before the '{UPGRADE_MARKER}' marker: {text!r}")
        # As pgrevise reads it: a comment shaped `-- word: value` with a lower-case word is an entry, any other
        # comment (such as the import's stamp line) is free.
        match = re.match(r"^--\s*([a-z_]+)\s*:\s*(.*?)\s*$", text)
        if not match:
            continue
        key, value = match.group(1), match.group(2)
        if key not in HEADER_KEYS:
            raise MigrationFileError(f"{path}:{number}: unknown header key {key!r}")
        if key in header:
            raise MigrationFileError(f"{path}:{number}: header key {key!r} given twice")
        header[key] = value
    return header


def parse_text(path: str, text: str) -> Revision:
    lines = text.splitlines()
    markers = [i for i, line in enumerate(lines) if line.strip() in (UPGRADE_MARKER, DOWNGRADE_MARKER)]
    upgrade_at = [i for i in markers if lines[i].strip() == UPGRADE_MARKER]
    downgrade_at = [i for i in markers if lines[i].strip() == DOWNGRADE_MARKER]
    if len(upgrade_at) != 1:
        raise MigrationFileError(f"{path}: needs exactly one '{UPGRADE_MARKER}' line")
    if len(downgrade_at) > 1:
        raise MigrationFileError(f"{path}: more than one '{DOWNGRADE_MARKER}' line")
    up = upgrade_at[0]
    down = downgrade_at[0] if downgrade_at else len(lines)
    if down < up:
        raise MigrationFileError(f"{path}: '{DOWNGRADE_MARKER}' comes before '{UPGRADE_MARKER}'")
    header = _parse_header(path, lines[:up])
    if not header.get("revision"):
        raise MigrationFileError(f"{path}: missing '-- revision:' header")
    transactional = header.get("transactional", "true").lower()
    if transactional not in ("true", "false"):
        raise MigrationFileError(f"{path}: transactional must be true or false, got {transactional!r}")
    return Revision(
        path=path,
        revision=(header_entries(header["revision"]) or [""])[0],
        down_revisions=_split_list(header.get("down_revision", "")),
        message=header.get("message", ""),
        branch_labels=_split_list(header.get("branch_labels", "")),
        depends_on=_split_list(header.get("depends_on", "")),
        transactional=(transactional == "true"),
        upgrade_sql="\n".join(lines[up + 1 : down]).strip() + "\n",
        downgrade_sql=("\n".join(lines[down + 1 :]).strip() + "\n") if downgrade_at else "",
    )


def load_directory(directory: str) -> List[Revision]:
    """Every *.sql file under directory (recursively), in a stable order, checked for duplicate ids."""
    paths = []
    for root, _dirs, files in os.walk(directory):
        paths.extend(os.path.join(root, name) for name in files if name.endswith(".sql"))
    revisions = []
    seen: Dict[str, str] = {}
    for path in sorted(paths):
        with open(path, encoding="utf-8") as handle:
            revision = parse_text(path, handle.read())
        if revision.revision in seen:
            raise MigrationFileError(f"{path}: revision {revision.revision!r} also defined in {seen[revision.revision]}")
        seen[revision.revision] = path
        revisions.append(revision)
    known = set(seen)
    for revision in revisions:
        for parent in revision.down_revisions + revision.depends_on:
            if parent not in known:
                raise MigrationFileError(f"{revision.path}: revision {parent!r} does not exist")
    return revisions


def topological_order(revisions: List[Revision]) -> List[Revision]:
    """Parents (down_revisions and depends_on) before children; ties broken by revision id so it is stable."""
    by_id = {r.revision: r for r in revisions}
    placed: Dict[str, bool] = {}
    order: List[Revision] = []

    def visit(rev_id: str, stack: List[str]) -> None:
        if placed.get(rev_id):
            return
        if rev_id in stack:
            raise MigrationFileError("cycle: " + " -> ".join(stack + [rev_id]))
        revision = by_id[rev_id]
        for parent in sorted(revision.down_revisions + revision.depends_on):
            visit(parent, stack + [rev_id])
        placed[rev_id] = True
        order.append(revision)

    for rev_id in sorted(by_id):
        visit(rev_id, [])
    return order


def heads(revisions: List[Revision]) -> List[str]:
    parents = {p for r in revisions for p in r.down_revisions}
    return sorted(r.revision for r in revisions if r.revision not in parents)


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def split_statements(sql: str) -> List[str]:
    """Splits SQL into statements at top-level semicolons.

    Understands '...' strings (with '' escapes), E'...' strings (with backslash escapes), "..." identifiers,
    $tag$...$tag$ dollar quoting, -- line comments and nested /* */ comments. Comments between statements are
    kept with the statement that follows; a trailing piece that is only whitespace and comments is dropped.
    """
    statements: List[str] = []
    start = 0
    i = 0
    n = len(sql)
    only_comments = True  # whether the current piece has no SQL yet

    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        if c in " \t\r\n":
            i += 1
            continue
        if c == ";":
            if not only_comments:
                statements.append(sql[start : i + 1].strip())
            start, i, only_comments = i + 1, i + 1, True
            continue
        only_comments = False
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            i += 1
            while i < n:
                if escaped and sql[i] == "\\":
                    i += 2
                    continue
                if sql[i] == "'":
                    if i + 1 < n and sql[i + 1] == "'":
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if c == '"':
            end = sql.find('"', i + 1)
            while end >= 0 and end + 1 < n and sql[end + 1] == '"':
                end = sql.find('"', end + 2)
            i = n if end < 0 else end + 1
            continue
        if c == "$":
            match = _DOLLAR_TAG.match(sql, i)
            prev = sql[i - 1] if i > 0 else " "
            if match and not (prev.isalnum() or prev == "_"):
                tag = match.group(0)
                end = sql.find(tag, match.end())
                i = n if end < 0 else end + len(tag)
                continue
        i += 1

    if not only_comments:
        statements.append(sql[start:].strip())
    return statements
