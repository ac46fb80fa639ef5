"""pgrevise's Alembic driver: renders every revision of an Alembic project offline, in one Python process.

Run by `pgrevise import alembic` with the Python the user names (the binary carries this file):

    python3 -c DRIVER SOURCE        SOURCE: an alembic.ini, or a Flask-Migrate migrations/ folder

stdin holds a JSON object {"skip": {revision id: source sha256 or "*"}}: revisions whose SQL is not rendered
again (their file exists; "*" whatever their source, otherwise only while the source is unchanged).

Writes one JSON object per line on the standard output it was started with (anything the project prints goes to
stderr instead):
    {"kind": "revision", "revision", "down_revisions", "branch_labels", "depends_on", "message", "path",
     "source_sha256", "rendered": bool, "upgrade": SECTION, "downgrade": SECTION}
    SECTION = {"segments": [{"autocommit": bool, "statements": [sql, ...]}, ...]}
            | {"error": "Type: message (file, line N)", "segments": [what was rendered before the error]}
    {"kind": "done", "revisions": N, "alembic": version, "sqlalchemy": version}
or, when the project cannot be read at all, {"kind": "fatal", "error": ...} and exit status 1.

It does not run the project's env.py: that file connects to a database or imports the application's models,
and neither is needed to render a revision. Each revision's upgrade() and downgrade() run under Alembic's own
offline (as_sql) MigrationContext for PostgreSQL with literal binds, exactly what `alembic upgrade --sql` uses,
with the statements collected one by one, and autocommit_block() and op.get_bind().commit() recorded as changes
of transaction state instead of Alembic's COMMIT / BEGIN lines. Alembic's own version-table statements are never emitted: they come
from its run loop, which is not used.
"""

import ast
import contextlib
import hashlib
import io
import json
import os
import sys
import traceback

OUT = None  # the JSON stream: the process's original stdout


def emit(record):
    OUT.write(json.dumps(record) + "\n")


def error_text(exc, path):
    """Alembic's error as a person reads it: type, message and the revision file's line that raised it."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == path]
    if frames:
        text += " (%s, line %d)" % (os.path.basename(path), frames[-1].lineno)
    return text


class FailedModule:
    """A revision file that failed to import (usually application code that is not installed): what its
    assignments say, read with ast, and upgrade() / downgrade() that raise the import's error."""

    def __init__(self, path, exc):
        self.__file__ = path
        self.__doc__ = None
        self._import_error = exc
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
        self.__doc__ = ast.get_docstring(tree, clean=False)
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and node.value is not None:
                        with contextlib.suppress(ValueError, SyntaxError):
                            setattr(self, target.id, ast.literal_eval(node.value))
        if not hasattr(self, "revision"):
            raise exc

    def upgrade(self):
        raise self._import_error

    def downgrade(self):
        raise self._import_error


def tolerate_import_errors(alembic_util):
    """Alembic loads every revision file before it can walk any: one that fails to import would stop the whole
    project. Such a file is read with ast instead, and its revision fails alone when it is rendered."""
    load = alembic_util.load_python_file

    def load_or_describe(dir_, filename):
        try:
            return load(dir_, filename)
        except Exception as exc:  # noqa: BLE001 - any error of the project's code is reported per revision
            return FailedModule(os.path.abspath(os.path.join(dir_, filename)), exc)

    alembic_util.load_python_file = load_or_describe


class Collector:
    """Receives each statement Alembic renders, in segments of one transaction state."""

    def __init__(self):
        self.segments = [{"autocommit": False, "statements": []}]

    def statement(self, text):
        self.segments[-1]["statements"].append(text)

    @contextlib.contextmanager
    def autocommit_block(self):
        self.segments.append({"autocommit": True, "statements": []})
        try:
            yield
        finally:
            self.segments.append({"autocommit": False, "statements": []})

    def commit(self):
        """op.get_bind().commit() (SQLAlchemy 2.0): the migration's transaction ends here and a new one begins."""
        self.segments.append({"autocommit": False, "statements": []})

    def result(self):
        return [s for s in self.segments if s["statements"]]


def render(context, operations_class, script, function_name):
    collector = Collector()
    # Instance attributes shadow the methods Alembic calls: every statement of DefaultImpl._exec (op.*, and
    # op.get_bind().execute() through the offline mock connection) reaches static_output.
    context.impl.static_output = collector.statement
    context.autocommit_block = collector.autocommit_block
    context.connection.commit = collector.commit
    try:
        with operations_class.context(context):
            getattr(script.module, function_name)()
    except Exception as exc:  # noqa: BLE001 - the revision's own error is what the person needs to see
        return {"error": error_text(exc, os.path.abspath(script.path)), "segments": collector.result()}
    return {"segments": collector.result()}


def open_project(source):
    from alembic.config import Config

    source = os.path.abspath(source)
    if os.path.isdir(source):
        # Flask-Migrate: migrations/alembic.ini holds only logging; the folder itself is the script location,
        # and `flask db` runs from the application's folder above it.
        ini = os.path.join(source, "alembic.ini")
        config = Config(ini if os.path.exists(ini) else None)
        config.set_main_option("script_location", source)
        os.chdir(os.path.dirname(source))
    else:
        config = Config(source)
        # Alembic reads a relative script_location from the folder it runs in: the one holding alembic.ini.
        os.chdir(os.path.dirname(source))
        if not config.get_main_option("script_location"):
            raise RuntimeError("%s has no script_location in its [alembic] section" % source)
    sys.path.insert(0, os.getcwd())
    return config


def one_line(text):
    return " ".join((text or "").split())


def as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def describe(script, base_dir):
    with open(script.path, "rb") as f:
        source_sha = hashlib.sha256(f.read()).hexdigest()
    return {
        "kind": "revision",
        "revision": script.revision,
        "down_revisions": as_list(script.down_revision),
        "branch_labels": as_list(script._orig_branch_labels),
        "depends_on": as_list(script.dependencies),
        "message": one_line(script.doc),
        "path": os.path.relpath(script.path, base_dir),
        "source_sha256": source_sha,
    }


def run(source, skip):
    import alembic
    import alembic.util
    import sqlalchemy
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = open_project(source)
    tolerate_import_errors(alembic.util)
    scripts = ScriptDirectory.from_config(config)
    count = 0
    with EnvironmentContext(config, scripts, as_sql=True) as environment:
        environment.configure(dialect_name="postgresql", literal_binds=True, dialect_opts={"paramstyle": "named"},
                              output_buffer=io.StringIO(), transactional_ddl=False)
        context = environment.get_context()
        # Offline, op.get_bind() is SQLAlchemy's mock connection, which has a dialect but no URL; revisions that
        # choose their SQL by `str(op.get_bind().engine.url).startswith("mysql")` would fail on it. The SQL is
        # rendered for PostgreSQL, so that is the URL they see.
        context.connection.url = sqlalchemy.engine.make_url("postgresql://")
        for script in scripts.walk_revisions("base", "heads"):
            record = describe(script, scripts.dir)
            wanted = skip.get(script.revision)
            record["rendered"] = wanted is None or (wanted != "*" and wanted != record["source_sha256"])
            if record["rendered"]:
                record["upgrade"] = render(context, Operations, script, "upgrade")
                record["downgrade"] = render(context, Operations, script, "downgrade")
            emit(record)
            count += 1
    emit({"kind": "done", "revisions": count, "alembic": alembic.__version__, "sqlalchemy": sqlalchemy.__version__})


def main():
    global OUT
    # The JSON stream keeps the original stdout; whatever the project prints goes to stderr.
    OUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read() or "{}")
        run(sys.argv[1], request.get("skip", {}))
    except Exception as exc:  # noqa: BLE001 - reported to pgrevise, which names the project
        emit({"kind": "fatal", "error": "".join(traceback.format_exception_only(type(exc), exc)).strip()})
        OUT.flush()
        sys.exit(1)
    OUT.flush()


if __name__ == "__main__":
    main()
