"""What every table reader shares: value groups, read cells, and the reader's own report.

A *value group* is one printed row's run of values with the label text that names it. The
label is the row's own text when it has some; when the numbers stand alone (labels wrapped
onto the lines above, or detached by a PDF→markdown conversion) it is the loose text seen
since the previous group, marked as not the row's own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from xxgk.extract.document import Cell, Row
from xxgk.extract.model import CellValue, Check
from xxgk.extract.numbers import parse_values


@dataclass(slots=True)
class Read:
    """One value as printed: the number (None for a blank mark) and its span in the source."""
    value: int | float | None
    start: int
    end: int
    unit: str | None = None


@dataclass
class Group:
    values: list[Read | None]      # None: an empty cell in a real table grid
    label: str                     # the row's own label text, or loose text before it
    own_label: bool
    loose: str = ""                # loose text seen before the row, when it has its own label
    row: int = 0                   # index of the row in the document
    trailing_text: str = ""        # text that followed the values on the same row

    @property
    def blank_only(self) -> bool:
        return all(v is None or v.value is None for v in self.values)


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
        label = max((i for i, c in enumerate(row.cells) if c.text and cell_values(c) is None), default=-1)
        empty = [c for c in row.cells[label + 1:] if not c.text]  # spanned label positions are not values
        blanks = [i for i, v in enumerate(values) if v is None]
        at = dict(zip(blanks, empty, strict=True)) if len(blanks) == len(empty) else {}
        for i, (key, v) in enumerate(zip(keys, values, strict=True)):
            self.put(key, v)
            if i in at:
                self.cells[key].span = (at[i].start, at[i].end)

    def put(self, key: str, read: Read | None):
        """A cell of a row placed in the table: an empty grid cell or a blank mark is blank."""
        if read is None:
            self.cells[key] = CellValue(None, blank=True)
        else:
            self.cells[key] = CellValue(read.value, (read.start, read.end), blank=read.value is None)


def cell_values(cell: Cell) -> list[Read] | None:
    vals = parse_values(cell.text)
    if vals is None:
        return None
    return [Read(v.value, cell.start + v.start, cell.start + v.end, v.unit) for v in vals]


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
    if expected is not None and len(values) == expected:
        return values
    return [v for v in values if v is not None]


def groups(rows: list[Row], start: int = 0, end: int | None = None,
           expected: int | None = None, keep_grid_blanks: bool = False) -> list[Group]:
    """The value groups of rows[start:end], in reading order.

    `expected` is the table's width, used to tell padding from blank cells. With
    `keep_grid_blanks`, a grid row keeps every blank cell after its label, for a caller that
    trims each row to its own width.
    """
    out: list[Group] = []
    loose: list[str] = []
    for i in range(start, len(rows) if end is None else end):
        row = rows[i]
        label: list[str] = []
        values: list[Read | None] = []
        blanks = 0           # blank grid cells seen since the label, before the first value
        in_values = False
        trailing = ""
        for cell in row.cells:
            if not cell.text:
                if in_values:
                    values.append(None)
                elif keep_grid_blanks and row.grid:
                    blanks += 1
                continue
            vals = cell_values(cell)
            if vals is None:
                if in_values:
                    trailing = cell.text
                    break  # text after the values: a trailing note, not this row's values
                label.append(cell.text)
                blanks = 0
                continue
            if not in_values:
                values.extend([None] * blanks)
            in_values = True
            values.extend(vals)
        if row.grid:
            if not keep_grid_blanks:
                values = trim_grid(values, expected)
        else:
            values = _text_blanks(values, expected)
        if not any(v is not None for v in values):
            if label:
                loose.append(" ".join(label))
            continue
        own = " ".join(label)
        prev = out[-1] if out else None
        if (not own and not loose and not trailing and prev and prev.row == i - 1 and not row.grid
                and not prev.trailing_text and not rows[prev.row].grid):
            # a line of values alone, right under a row: one value per line continues that row;
            # a word processor's text export writes an empty line for each empty cell between
            empty: list[Read | None] = [None] * row.gap if expected and len(values) == 1 else []
            if expected and len(prev.values) + len(empty) + len(values) > expected:
                empty = []
            if expected is None or len(prev.values) + len(empty) + len(values) <= expected:
                prev.values.extend(empty + values)
                prev.row = i
                continue
        out.append(Group(values, own if own else " ".join(loose), bool(own),
                         loose=" ".join(loose) if own else "", row=i, trailing_text=trailing))
        loose = []
    for g in out:
        if not rows[g.row].grid:  # a row continued over lines: blanks as for a single text row
            g.values[:] = _text_blanks(g.values, expected)
    return out
