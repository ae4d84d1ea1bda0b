"""The DuckDB file analysts open, built from one release: its datasets as tables in the schema
`release`, and the views of `sql/*.sql` over them; and the sandboxed connection that runs
analysts' SQL against it (`xxgk query`, `xxgk stats`, `xxgk report`)."""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import duckdb

from xxgk.schema.views import descriptions


def view_sql() -> list[str]:
    """The view definitions (package data `xxgk.sql`), in the order they are applied."""
    files = [f for f in resources.files("xxgk.sql").iterdir() if f.name.endswith(".sql")]
    return [f.read_text(encoding="utf-8") for f in sorted(files, key=lambda f: f.name)]


def release_sql(release: Path, tables: bool = True) -> list[str]:
    """`view_sql()` over one release folder: its datasets copied into tables of the schema
    `release` (`tables`, for the database file), or views over its parquet files (for a
    connection in memory, which then reads the files as it goes)."""
    where = release.absolute().as_posix().replace("'", "''")  # a quote in a path stays a literal
    out = []
    for sql in view_sql():
        sql = sql.replace("{release}", where)
        out.append(sql if tables else sql.replace("CREATE TABLE release.", "CREATE VIEW release."))
    return out


def build_database(root: Path, release: Path) -> Path:
    """The DuckDB file analysts open: one release's datasets as tables, the views of
    `sql/*.sql` over them, and a comment on every table, view and column (`apply_comments`).
    The file holds its data, so it keeps working wherever it is moved or copied.

    A publication builds a new file beside the old and renames it into place: connections
    opened before keep the release they had, and a program holding the old file's write lock
    (the DuckDB CLI opens read-write by default) does not stop it. Such a program's write-ahead
    log (`xxgk.duckdb.wal`, named after the path, not the file) would stop every reader of the
    new file ("WAL does not match database file"), so it is set aside first under a temporary
    name (removed at the end of the publication); what that program wrote into the old file
    goes with the old file, as it always did: analysts keep their own objects in their own file
    (README, "For analysts").
    """
    db = root / "xxgk.duckdb"
    tmp = root / f".tmp-{uuid.uuid4().hex[:8]}.duckdb"
    # One thread and a small memory budget: the tables are plain copies of the parquet files,
    # which DuckDB streams. Measured (the build's own peak over its start): with 256 MB, +124 MB
    # at 10,000 documents and +171 MB at 30,000; with 64 MB, +99 and +100, flat, for 0.5 s more
    # at 10,000 (2.1 → 2.65 s) and 2 s at 30,000.
    con = duckdb.connect(str(tmp), config={"threads": 1, "memory_limit": "64MB"})
    try:
        for sql in release_sql(release):
            con.execute(sql)
        apply_comments(con)
        # Into the file now, or fail (a full disk): a checkpoint that fails at close() is silent,
        # leaving the tables in the file's write-ahead log, which the rename below leaves behind.
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        os.replace(wal, root / f".tmp-{uuid.uuid4().hex[:8]}.duckdb.wal")
    os.replace(tmp, db)
    return db


def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table, view and column of the connection's database that the schema
    describes (`xxgk.schema.views.descriptions`: the datasets' text and the views'), so
    `duckdb_tables()`, `duckdb_views()`, `duckdb_columns()` and DESCRIBE-like tools carry
    the data dictionary. Run once every view exists: CREATE OR REPLACE drops a comment."""
    known = descriptions()
    relations = con.execute("""
        SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal
        UNION ALL
        SELECT schema_name, view_name, 'VIEW' FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal""").fetchall()
    columns: dict[tuple[str, str], list[str]] = {}
    for schema_name, name, column in con.execute("""
            SELECT schema_name, table_name, column_name FROM duckdb_columns()
            WHERE database_name = current_database() AND NOT internal""").fetchall():
        columns.setdefault((schema_name, name), []).append(column)
    statements = []
    for schema_name, name, kind in relations:
        if name not in known:
            continue  # a view no one described: tests/test_database.py says which
        description, described = known[name]
        target = f"{_ident(schema_name)}.{_ident(name)}"
        statements.append(f"COMMENT ON {kind} {target} IS {_literal(description)}")
        statements += [f"COMMENT ON COLUMN {target}.{_ident(c)} IS {_literal(described[c])}"
                       for c in columns.get((schema_name, name), []) if c in described]
    if statements:
        # One transaction: on a database file each statement committed alone is a write-ahead
        # log sync (measured: 2.7 s for the few hundred comments, 0.15 s in one transaction).
        con.begin()
        try:
            con.execute(";\n".join(statements))
        except BaseException:
            con.rollback()
            raise
        con.commit()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The sandbox: the database file holds every dataset, so a query needs nothing outside it.
# DuckDB applies these at startup; `lock_configuration` then refuses any SET/RESET that would
# undo them (`SET enable_external_access = true` fails). DuckDB itself still lets the engine
# spill to the database's own temporary folder.
SANDBOX: dict[str, str | bool | int | float | list[str]] = {  # the type duckdb.connect asks for
    "enable_external_access": False,  # no file, URL, ATTACH, COPY, INSTALL or Python-object scan
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
# Only statements DuckDB classifies as SELECT run: that class also holds DESCRIBE, SHOW,
# SUMMARIZE, VALUES, FROM-first queries and PIVOT with an IN list, and nothing that writes.
# EXPLAIN is refused because EXPLAIN ANALYZE executes what it explains and DuckDB gives both
# one type; PRAGMA and CALL because one type covers reads and setting changes alike.
ALLOWED = {"SELECT"}
# What a refused type is called in the message, where DuckDB's name is not what one writes.
WRITTEN = {"LOAD": "INSTALL/LOAD", "SET": "SET/RESET/USE", "TRANSACTION": "BEGIN/COMMIT/ROLLBACK",
           "VARIABLE_SET": "SET VARIABLE", "CALL": "CALL/CHECKPOINT", "MERGE_INTO": "MERGE INTO",
           "COPY_DATABASE": "COPY FROM DATABASE", "CREATE_FUNC": "CREATE FUNCTION",
           "MULTI": "PIVOT without an IN (...) list", "UNKNOWN": "a statement of a kind DuckDB cannot name"}
HINTS = {"PRAGMA": " (DESCRIBE reports lists a table's columns)",
         "MULTI": " (name the pivoted values: PIVOT t ON col IN ('a', 'b') USING ...)"}


class NotARead(ValueError):
    """SQL given to the sandbox that is not only read statements."""


class Sandbox:
    """A read-only connection to the database for SQL we did not write: opened read-only,
    without access to anything outside the file, and running read statements only.

    `note` says, in one line, why a connection is not the database file's (`over_release`)."""

    note: str | None = None

    def __init__(self, db: Path):
        self._con = duckdb.connect(str(db), read_only=True, config=SANDBOX)

    @classmethod
    def over_release(cls, release: Path, note: str | None = None) -> Sandbox:
        """The same views, in memory, over a release folder's parquet files: for when the
        database file cannot be opened. DuckDB may then open files under that folder and
        nothing else (`allowed_directories`, which holds only while `enable_external_access`
        is off: the two are set in that order, then the configuration is locked); the
        statement check refuses everything but reads, so nothing is written there either."""
        folder = release.resolve()
        config = {k: v for k, v in SANDBOX.items() if k not in ("enable_external_access", "lock_configuration")}
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute("SET allowed_directories = ?", [[folder.as_posix() + "/"]])
            con.execute("SET enable_external_access = false")
            for sql in release_sql(folder, tables=False):
                con.execute(sql)
            apply_comments(con)
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        self = cls.__new__(cls)
        self._con, self.note = con, note
        return self

    def execute(self, sql: str, params: Sequence | Mapping | None = None) -> duckdb.DuckDBPyConnection:
        """Run `sql` (one or more statements; the result is the last one's) once every
        statement in it has been checked: one refused statement refuses the whole string."""
        check_reads(self._con, sql)
        return self._con.execute(sql, params)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Unavailable(RuntimeError):
    """The database file cannot be opened, and there is no trustworthy release to answer from."""


def query_connection(db: Path) -> Sandbox:
    """The connection for analysts' SQL: `xxgk query`, `xxgk stats`, the report page.

    When the file cannot be opened (another program holds its write lock: the DuckDB CLI opens
    read-write by default; or a write-ahead log left beside it by such a program does not
    match it), the answer comes from the release it was built from, `current/` beside it,
    once its files match their manifest's sha256 (`over_release`); the connection's `note`
    says so. Raises Unavailable when neither can be used."""
    try:
        return Sandbox(db)
    except duckdb.Error as e:
        why = cannot_open(db, e)
        error = e
    from xxgk.transform.store import tampered  # store builds on this module

    current = db.parent / "current"
    if not (current / "manifest.json").is_file():
        raise Unavailable(f"{why}, and there is no release beside it to answer from") from error
    release = current.resolve()
    bad = tampered(release)
    if bad:
        raise Unavailable(f"{why}, and release {release.name} beside it was changed after it was published "
                          f"(the sha256 of {', '.join(bad)} differs from its manifest)") from error
    return Sandbox.over_release(release, f"{why}; answering from release {release.name} (its parquet files)")


LOCKED = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def cannot_open(db: Path, error: duckdb.Error) -> str:
    """Why `db` did not open, in words: who holds its lock, as DuckDB names them."""
    message = str(error)
    held = LOCKED.search(message)
    if held:
        return (f"{db} is locked by another program (pid {held['pid']}, {held['program']}) that has it open "
                "read-write")
    first = message.splitlines()[0] if message else type(error).__name__
    return f"cannot open {db} ({first.removeprefix('IO Error: ')})"


def check_reads(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise NotARead unless DuckDB's own parser finds only SELECT statements in `sql`."""
    statements = con.extract_statements(sql)
    if not statements:
        raise NotARead("xxgk query needs a statement: the SQL given is empty")
    for kind in map(_kind, statements):
        if kind not in ALLOWED:
            raise NotARead(f"xxgk query runs read statements only: {WRITTEN.get(kind, kind)} is not allowed"
                           + HINTS.get(kind, ""))


def _kind(statement: duckdb.Statement) -> str:
    try:
        return statement.type.name
    except ValueError:  # a type the Python binding has no name for (UPDATE EXTENSIONS in duckdb 2.0)
        return "UNKNOWN"
