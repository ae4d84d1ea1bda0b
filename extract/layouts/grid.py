"""Table grids, whatever the format: cells as the source defines them (with their spans) →
rectangular rows, the form's columns only.

Every format with real tables (HTML, Word, PDF ruling lines, OCR cell boxes) hands its tables
here as rows of `Slot`s, so the table readers get the same grid from each:

- `colspan` and `rowspan` are expanded: a spanned position is an empty cell, so the values of
  every row stay under their own column. A spanning cell is a row or column label (三、本年度办理
  结果, 申请人情况); its text is kept once, where the source put it, never copied: a value is
  never repeated into a row that did not print it.
- Phantom columns are dropped: Word keeps hidden grid columns, and a table pasted from Word
  gives some rows one more, empty `<td>` than the form has columns. A column where no cell of
  the table holds text (neither a header nor a value) is such a phantom. A column that is blank
  in every data row but named in the header (an agency that left 其他 empty) stays, and a
  table without a header row keeps every column.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xxgk.extract.document import Cell, Row
from xxgk.extract.numbers import parse_values

MAX_SPAN = 1000  # browsers cap colspan at 1000 and rowspan at 65534; a table here is never wider


@dataclass(slots=True)
class Slot:
    """One cell as the source table defines it."""
    cell: Cell
    colspan: int = 1
    rowspan: int = 1


def grid_rows(table: list[list[Slot]]) -> list[Row]:
    """The table's rows, spans expanded and phantom columns dropped (rows of empty cells only
    are dropped too: they hold nothing to read)."""
    grid = _expand(table)
    if not grid:
        return []
    keep = _real_columns(grid)
    every = len(keep) == len(grid[0])
    out = []
    for cells in grid:
        row = [cell for cell, _ in cells] if every else [cells[c][0] for c in keep]
        if any([c.text for c in row]):  # a list: cheaper than a generator over a row's few cells
            out.append(Row(row, grid=True, table=True))
    return out


def _expand(table: list[list[Slot]]) -> list[list[tuple[Cell, bool]]]:
    """Rows of (cell, is the slot's own position) with every span laid out, the way a browser
    places cells: each slot at the first position its row has free."""
    grid: list[list[tuple[Cell, bool] | None]] = []
    for r, slots in enumerate(table):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for slot in slots:
            row = grid[r]
            while c < len(row) and row[c] is not None:
                c += 1
            if slot.colspan == 1 and slot.rowspan == 1:  # most cells span nothing
                if c == len(row):
                    row.append((slot.cell, True))
                else:
                    row[c] = (slot.cell, True)
                c += 1
                continue
            colspan = max(1, min(slot.colspan, MAX_SPAN))
            rowspan = max(1, min(slot.rowspan, len(table) - r))
            spanned = [(Cell("", slot.cell.end, slot.cell.end), False)] * colspan
            for dr in range(rowspan):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                if len(target) < c + colspan:
                    target.extend([None] * (c + colspan - len(target)))
                target[c:c + colspan] = spanned
            row[c] = (slot.cell, True)  # the slot's own position, the first it covers
            c += colspan
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        if len(row) < width or None in row:  # ragged, or a hole a span left: rebuilt
            _fill(row, width)
    return cast("list[list[tuple[Cell, bool]]]", grid)  # `_fill` left no hole


def _fill(row: list[tuple[Cell, bool] | None], width: int):
    """Fill a row's holes and pad it to `width`, with empty cells at the end of its last cell."""
    row[:] = [(x if x is not None else (_gap(row), False)) for x in row] + [(_gap(row), False)] * (width - len(row))


def _gap(row: list[tuple[Cell, bool] | None]) -> Cell:
    """An empty cell where a ragged row has no cell: at the end of the row's last cell."""
    last = next((x[0] for x in reversed(row) if x is not None), None)
    return Cell("", last.end, last.end) if last else Cell("", 0, 0)


def _real_columns(grid: list[list[tuple[Cell, bool]]]) -> list[int]:
    """The columns some cell of the table names or fills. Without a header row, an empty
    column may be the table's blank values (a header printed as a separate table): kept."""
    width = len(grid[0])
    if not any(_is_header(row) for row in grid):
        return list(range(width))
    return [c for c in range(width) if any(own and cell.text for cell, own in (row[c] for row in grid))]


def _is_header(row: list[tuple[Cell, bool]]) -> bool:
    texts = [cell.text for cell, own in row if own and cell.text]
    return bool(texts) and all(parse_values(t) is None for t in texts)
