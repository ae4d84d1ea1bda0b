"""The DuckDB file analysts open, built from one release: its datasets as tables in the schema
`release`, and the views of `sql/*.sql` over them; and the sandboxed connection that runs
analysts' SQL against it (`xxgk query`, `xxgk stats`, `xxgk report`)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import duckdb


def view_sql() -> list[str]:
    """The view definitions (package data `xxgk.sql`), in the order they are applied."""
    files = [f for f in resources.files("xxgk.sql").iterdir() if f.name.endswith(".sql")]
    return [f.read_text(encoding="utf-8") for f in sorted(files, key=lambda f: f.name)]


def build_database(root: Path, release: Path) -> Path:
    """The DuckDB file analysts open: one release's datasets as tables, and the views of
    `sql/*.sql` over them. The file holds its data, so it keeps working wherever it is moved
    or copied.

    A publication builds a new file beside the old and renames it into place: connections
    opened before keep the release they had.
    """
    db = root / "xxgk.duckdb"
    tmp = root / f".tmp-{uuid.uuid4().hex[:8]}.duckdb"
    where = release.absolute().as_posix().replace("'", "''")  # a quote in a path stays a literal
    con = duckdb.connect(str(tmp))
    try:
        for sql in view_sql():
            con.execute(sql.replace("{release}", where))
    finally:
        con.close()
    os.replace(tmp, db)
    return db


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
    without access to anything outside the file, and running read statements only."""

    def __init__(self, db: Path):
        self._con = duckdb.connect(str(db), read_only=True, config=SANDBOX)

    def execute(self, sql: str, params: Sequence | None = None) -> duckdb.DuckDBPyConnection:
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


def query_connection(db: Path) -> Sandbox:
    """The connection for analysts' SQL: `xxgk query`, `xxgk stats`, the report page."""
    return Sandbox(db)


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
