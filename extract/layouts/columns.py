"""Lines of placed words → cells, and tables printed without ruling lines → columns from the
x-positions of their headers, so an empty cell stays an empty cell.

A line's cells, as on a text line: the words between amounts are one label cell, every amount
is a cell of its own (and keeps a unit written right after it: `75394432.52 元`).

An unruled table is a run of *value rows* (a label, then amounts, apart by wide gaps). Its
columns are the leaf headers printed above its first value row (a header printed between its
rows, as 第二十条第（五）项's under 第（一）项's, starts new ones): a header over several others
(申请人情况, 法人或其他组织) is a group, not a column. Each amount is placed under the header it
sits under, so a row printing 2 of its 7 values reads `26 _ _ _ _ _ 26`. When an amount sits
under no header, shares one, or straddles two, the columns are in doubt and the table's rows
stay text rows (their empty cells are then padding, as in a PDF's text layer, and the readers
flag what they cannot place): better unplaced than misplaced.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import regex

from xxgk.extract.document import fold
from xxgk.extract.numbers import money, parse_values

if TYPE_CHECKING:
    from xxgk.extract.layouts.positions import Settings, Word

Line = list["Word"]           # words on one line, left to right
Cells = list[list["Word"]]    # a row's cells, each the words it holds ([] for an empty cell)

_UNIT_WORD = regex.compile(rf"[(（]?\s*(?:{money('money')}|件|个|项|条|次)\s*[)）]?")


@dataclass
class Columns:
    """An unruled table's columns, carried to its continuation on the next page."""
    spans: list[tuple[float, float]]  # each column's x extent, left to right
    label_right: float                # the label column ends here


@dataclass
class RowCells:
    cells: Cells
    grid: bool = False  # the cells are the table's columns: an empty one is a blank value


def is_value(words: list[Word]) -> bool:
    return bool(parse_values(fold(" ".join(w.text for w in words))))


def cells_of(line: Line, gap: float) -> Cells:
    """The line's cells: runs of label words, each amount alone (with a unit written less than
    `gap` after it), as a text line's (`二、 主动公开…`: OCR boxes the ink, so the gap after `、`
    looks wide, but it is one label)."""
    cells: Cells = []
    for w in line:
        if cells:
            last = cells[-1]
            if not is_value([w]) and not is_value(last):
                last.append(w)  # the label goes on
                continue
            if w.x0 - last[-1].x1 < gap and is_value(last) and _UNIT_WORD.fullmatch(fold(w.text)):
                last.append(w)  # a unit written after its amount
                continue
        cells.append([w])
    return cells


def _chunks(line: Line, gap: float) -> int:
    """How many runs of words wide gaps split the line into."""
    return 1 + sum(1 for a, b in zip(line, line[1:], strict=False) if b.x0 - a.x1 >= gap)


def is_value_row(line: Line, gap: float) -> bool:
    """A table row: amounts apart from the rest by wide gaps (a sentence's numbers are not)."""
    return _chunks(line, gap) >= 2 and any(is_value(c) for c in cells_of(line, gap))


def table_rows(lines: list[Line], em: float, settings: Settings,
               carried: Columns | None) -> tuple[list[RowCells], Columns | None]:
    """The lines (free of ruled tables, in reading order) as rows; value rows of a table whose
    columns are known as grid rows. `em`: the page's text height. `carried`: the columns of a
    table the previous page ended in, for value rows that open this page. Returns the rows and
    the columns the lines end in."""
    gap = settings.cell_gap * em
    out = [RowCells(cells_of(line, gap)) for line in lines]
    rows = [i for i, line in enumerate(lines) if is_value_row(line, gap)]
    columns: Columns | None = None
    for b, block in enumerate(_blocks(rows, settings.header_lines)):
        labels = [c for i in block for c in _label_cells(out[i].cells)]
        label_right = max((w.x1 for c in labels for w in c), default=-math.inf)
        opening = carried if b == 0 and block[0] <= settings.header_lines else None
        for columns, part in _parts(lines, block, label_right, opening, settings, em):
            placed = [_place(out[i].cells, columns, settings.straddle) for i in part] if columns else [None]
            grid = [cells for cells in placed if cells is not None]
            if len(grid) == len(part):  # every row of the part, or none: one misfit puts the columns in doubt
                for i, cells in zip(part, grid, strict=True):
                    out[i] = RowCells(cells, grid=True)
            else:
                columns = None
    if rows and rows[-1] != len(lines) - 1:
        columns = None  # prose after the table: nothing continues onto the next page
    return out, columns


def _parts(lines: list[Line], block: list[int], label_right: float, opening: Columns | None,
           settings: Settings, em: float) -> list[tuple[Columns | None, list[int]]]:
    """A table's value rows by the headers they sit under: those above its first row (or, on
    a page it continues onto, the previous page's), then each header printed between rows
    (第二十条第（五）项's 本年处理决定数量 after 第（一）项's three columns) starting a part."""
    parts: list[tuple[Columns | None, list[int]]] = []
    for k, i in enumerate(block):
        header = (_header(lines, i, settings.header_lines, settings.header_gap * em) if k == 0
                  else lines[block[k - 1] + 1:i])
        found = _columns(header, label_right, settings.spaced_header) if header else None
        if k == 0 or found is not None:
            parts.append((found or (opening if k == 0 else None), [i]))
        else:
            parts[-1][1].append(i)
    return parts


def _blocks(rows: list[int], max_apart: int) -> list[list[int]]:
    """Value rows grouped into tables: a table ends where more than `max_apart` other lines
    (a paragraph) come before the next value row."""
    blocks: list[list[int]] = []
    for i in rows:
        if blocks and i - blocks[-1][-1] <= max_apart:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    return blocks


def _header(lines: list[Line], first: int, most: int, gap: float) -> list[Line]:
    """The lines right above a table's first value row, up to `most`, until a wide vertical
    gap."""
    header: list[Line] = []
    below = lines[first]
    for i in range(first - 1, max(-1, first - 1 - most), -1):
        line = lines[i]
        if _top(below) - _bottom(line) > gap:
            break
        header.insert(0, line)
        below = line
    return header


def _top(line: Line) -> float:
    return min(w.top for w in line)


def _bottom(line: Line) -> float:
    return max(w.bottom for w in line)


def _label_cells(cells: Cells) -> Cells:
    out = []
    for c in cells:
        if is_value(c):
            break
        out.append(c)
    return out


def _columns(header: list[Line], label_right: float, spaced: float) -> Columns | None:
    """Leaf column headers right of the label column, narrowest first: a header over two or
    more others is a group; one over a single other is the same column (wrapped text)."""
    spans: list[tuple[float, float]] = []
    runs = [run for line in header for run in _runs(line, spaced)]
    pieces = [(run[0].x0, run[-1].x1) for run in runs if (run[0].x0 + run[-1].x1) / 2 > label_right]
    for x0, x1 in sorted(pieces, key=lambda p: p[1] - p[0]):
        under = [i for i, (a, b) in enumerate(spans) if min(b, x1) > max(a, x0)]
        if len(under) >= 2:
            continue  # a group header
        if under:
            a, b = spans[under[0]]
            spans[under[0]] = (min(a, x0), max(b, x1))
        else:
            spans.append((x0, x1))
    return Columns(sorted(spans), label_right) if spans else None


def _runs(line: Line, spaced: float) -> list[Line]:
    """A header line's separate headers: each word, but a letter-spaced header (`总  计`, one
    character apart by less than `spaced` character heights from the next) is one. Neighbouring
    headers may nearly touch (`社会公益组织法律服务机构` in a tight table), so closeness alone
    does not join words."""
    runs: list[Line] = []
    for w in line:
        if runs:
            last = runs[-1][-1]
            single = len(last.text.strip()) == 1 or len(w.text.strip()) == 1
            if single and w.x0 - last.x1 < spaced * (w.bottom - w.top):
                runs[-1].append(w)
                continue
        runs.append([w])
    return runs


def _place(cells: Cells, columns: Columns, straddle: float) -> Cells | None:
    """The row as label cells then one cell per column; None when a cell sits under no column,
    shares one, or reaches more than `straddle` text heights into the next (a skewed or
    misaligned row: better unplaced than misplaced)."""
    labels = _label_cells(cells)
    slots: Cells = [[] for _ in columns.spans]
    areas = _areas(columns)
    for cell in cells[len(labels):]:
        x0, x1 = min(w.x0 for w in cell), max(w.x1 for w in cell)
        slack = straddle * max(w.bottom - w.top for w in cell)
        mid = (x0 + x1) / 2
        at = next((i for i, (a, b) in enumerate(areas) if a <= mid < b), None)
        if at is None or slots[at] or x0 < areas[at][0] - slack or x1 > areas[at][1] + slack:
            return None
        slots[at] = cell
    return labels + slots


def _areas(columns: Columns) -> list[tuple[float, float]]:
    """Each column's share of the line: from the label column's end, split halfway between
    neighbouring headers, to a header's width past the last."""
    spans = columns.spans
    edges = [columns.label_right, *((b + a) / 2 for (_, b), (a, _) in zip(spans, spans[1:], strict=False)),
             spans[-1][1] + (spans[-1][1] - spans[-1][0])]
    return list(zip(edges, edges[1:], strict=False))
