"""What every table reader shares: value groups, read cells, and the reader's own report.

A *value group* is one printed row's run of values with the label text that names it. The
label is the row's own text when it has some; when the numbers stand alone (labels wrapped
onto the lines above, or detached by a PDF→markdown conversion) it is the loose text seen
since the previous group, marked as not the row's own.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from xxgk.extract.document import Row
from xxgk.extract.model import CellValue, Check
from xxgk.extract.numbers import parse_values


@dataclass(slots=True, init=False, eq=False)
class Read(CellValue):
    """One value as printed (None for a blank mark), with its span in the source and the unit
    printed with it, if any. A read placed in a table is the table's cell as it stands, so it
    is placed once: no copy is made (a Python object costs about as much as everything else
    done with a value)."""
    unit: str | None = None

    def __init__(self, value: int | float | None, span: tuple[int, int], unit: str | None):
        self.value, self.span, self.unit = value, span, unit
        self.inferred = self.doubtful = False
        self.blank = value is None
        self.where = self.confidence = None


@dataclass
class Group:
    values: list[Read | None]      # None: an empty cell in a real table grid
    label: str                     # the row's own label text, or loose text before it
    own_label: bool
    loose: str = ""                # loose text seen before the row, when it has its own label
    row: int = 0                   # index of the row in the document
    trailing_text: str = ""        # text that followed the values on the same row
    lines: int = 1                 # the lines its values came from (more: `_continue_previous`)
    padded: bool = False           # empty lines under it were taken for its empty cells
    # a row printed on one line went on over the lines below, with no table width to bound it:
    # a lone number there may be a page number (`规章 1 11` then `4`), so a reader says so
    joined: bool = False

    @property
    def blank_only(self) -> bool:
        for v in self.values:  # noqa: SIM110 - a loop: all() of a generator costs 4x, on every group
            if v is not None and v.value is not None:
                return False
        return True


@dataclass
class TableRead:
    """A reader's result: the cells it could place and its own account of how it went."""
    table: str
    cells: dict[str, CellValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    found: bool = False
    # rows printed with fewer values than columns, left for the identities to place
    short: list[tuple[str, list]] = field(default_factory=list)
    cut: bool = False  # the text stops inside this table: its cells were read, then dropped

    def put_row(self, keys: list[str], values: list[Read | None], row: Row):
        """A printed row's values under their keys. A grid's empty cells are located at the
        document row's own empty cells, when the two line up one to one."""
        if None not in values:  # the common row: its reads are its cells
            self.cells.update(zip(keys, cast("list[Read]", values), strict=True))
            return
        self.put_all(zip(keys, values, strict=True))
        blanks = [i for i, v in enumerate(values) if v is None]
        label = max((i for i, c in enumerate(row.cells) if c.text and parse_values(c.text) is None), default=-1)
        empty = [c for c in row.cells[label + 1:] if not c.text]  # spanned label positions are not values
        if len(blanks) == len(empty):
            for i, c in zip(blanks, empty, strict=True):
                self.cells[keys[i]].span = (c.start, c.end)

    def put_all(self, placed: Iterable[tuple[str, Read | None]]):
        """Values under their keys: an empty grid cell is a blank cell, a read its own cell."""
        cells = self.cells
        for key, v in placed:
            # by position: a dataclass called with keywords costs half as much again
            cells[key] = CellValue(None, None, False, True) if v is None else v

    def put(self, key: str, read: Read | None):
        """A cell of a row placed in the table."""
        self.put_all(((key, read),))


def trim_grid(values: list[Read | None], expected: int | None) -> list[Read | None]:
    """Grid rows carry padding cells around their values; drop them only when too many."""
    limit = 0 if expected is None else expected
    while len(values) > limit and values and values[-1] is None:
        values.pop()
    while len(values) > limit and values and values[0] is None:
        values.pop(0)
    return values


def _text_blanks(values: list[Read | None], expected: int | None) -> list[Read | None]:
    """In text layouts an empty cell is usually padding, but when keeping the empty cells
    between the values gives exactly the table's width, they are the table's blank cells
    (a row with only 自然人 and 总计 filled, tab-separated or one cell per line)."""
    while values and values[-1] is None:
        values.pop()
    if None not in values or expected is not None and len(values) == expected:
        return values  # most rows: no blank to keep or drop
    return [v for v in values if v is not None]


def groups(rows: list[Row], start: int = 0, end: int | None = None,
           expected: int | None = None, keep_grid_blanks: bool = False) -> list[Group]:
    """The value groups of rows[start:end], in reading order.

    `expected` is the table's width, used to tell padding from blank cells. With
    `keep_grid_blanks`, a grid row keeps every blank cell after its label, for a caller that
    trims each row to its own width.
    """
    out: list[Group] = []
    continued: list[Group] = []  # text rows continued over lines
    loose: list[str] = []
    for i, row in enumerate(rows[start:end], start):
        label, values, trailing = _row_values(row, keep_grid_blanks and row.grid)
        if not any(values):  # no value (a Read is true, a blank cell None)
            if label:
                loose.append(" ".join(label))
            continue
        if not row.grid:
            values = _text_blanks(values, expected)
        elif not keep_grid_blanks:
            values = trim_grid(values, expected)
        if label or loose or trailing or not _continue_previous(out, rows, i, values, expected):
            own = bool(label)
            out.append(Group(values, " ".join(label or loose), own, " ".join(loose) if own else "", i, trailing))
        elif not continued or continued[-1] is not out[-1]:  # one entry per group
            continued.append(out[-1])
        loose = []
    for g in continued:  # blanks as for a single text row
        g.values[:] = _text_blanks(g.values, expected)
    return out


def _row_values(row: Row, keep_blanks: bool) -> tuple[list[str], list[Read | None], str]:
    """A row's label texts, its values (None: an empty cell after the first value, or with
    `keep_blanks` one between the label and the first value) and the text after its values,
    if any: a trailing note, not this row's values, where the values end."""
    label: list[str] = []
    values: list[Read | None] = []
    blanks = 0  # blank cells seen since the label, before the first value
    in_values = False
    for cell in row.cells:
        text = cell.text
        if not text:
            if in_values:
                values.append(None)
            elif keep_blanks:
                blanks += 1
            continue
        vals = parse_values(text)
        if vals is None:
            if in_values:
                return label, values, text
            label.append(text)
            blanks = 0
            continue
        if not in_values:
            in_values = True
            if blanks:
                values.extend([None] * blanks)
        at = cell.start
        if len(vals) == 1:  # most cells: spare a loop
            v = vals[0]
            values.append(Read(v.value, (at + v.start, at + v.end), v.unit))
        else:
            values.extend([Read(v.value, (at + v.start, at + v.end), v.unit) for v in vals])
    return label, values, ""


def _continue_previous(out: list[Group], rows: list[Row], i: int, values: list[Read | None],
                       expected: int | None) -> bool:
    """A line of values alone, right under a text row: one value per line continues that row,
    and a word processor's text export writes an empty line for each empty cell between. True
    when the values went to the previous group."""
    prev = out[-1] if out else None
    if prev is None or prev.row != i - 1 or rows[i].grid or prev.trailing_text or rows[prev.row].grid:
        return False
    empty: list[Read | None] = [None] * rows[i].gap if expected and len(values) == 1 else []
    if expected and len(prev.values) + len(empty) + len(values) > expected:
        empty = []
    if expected is None or len(prev.values) + len(empty) + len(values) <= expected:
        # (a label alone, then one value a line, is a layout of its own: `规章` / `1` / `0` / `11`)
        chain = not prev.own_label and len(prev.values) == 1
        prev.joined = prev.joined or expected is None and prev.lines == 1 and not chain and len(values) == 1
        prev.padded = prev.padded or bool(empty)
        prev.values.extend(empty + values)
        prev.row = i
        prev.lines += 1
        return True
    return False
