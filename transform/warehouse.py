"""The DuckDB file analysts open, built from one release: its datasets as tables in the schema
`release`, and the views of `sql/*.sql` over them."""
from __future__ import annotations

import os
import uuid
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
