"""The standard tables, one reader module each: section 二 (disclosure), 三 (applications),
四 (appeals). A table reader is a module with

    TABLE: str      # the table code of codes.csv
    SECTION: int    # the report section the form puts it in
    def read(rows: list[Row], template: str, start: int, end: int) -> TableRead

reading `rows[start:end]` (its section: a table is never looked for outside it) and returning
the cells it placed with its own checks (`base.TableRead`).
"""
from __future__ import annotations

from typing import Protocol

from xxgk.extract.document import Row
from xxgk.extract.tables import appeals, applications, disclosure
from xxgk.extract.tables.base import TableRead


class TableReader(Protocol):
    TABLE: str
    SECTION: int

    def read(self, rows: list[Row], template: str, start: int, end: int) -> TableRead: ...


READERS: tuple[TableReader, ...] = (disclosure, applications, appeals)
