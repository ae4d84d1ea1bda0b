"""Ruling lines drawn on a page → the tables they rule: a grid of cells, each a box with its
row and column span.

Only the lines are used, never the text, so a PDF's drawn borders and lines found in a scan
give the same tables. A table is a set of horizontal and vertical lines that touch one another;
its rows and columns lie between the distinct y and x positions of its lines, and two
neighbouring grid slots are one cell unless a line is drawn between them (a spanning cell is a
label: 申请人情况 over seven columns, 三、本年度办理结果 down sixteen rows).

All distances are in the page's units, `tol` apart counting as the same position: the caller
scales it to the text size (points for a PDF, pixels for a scan).
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

_T = TypeVar("_T")
Segment = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class RuledCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    box: Segment


@dataclass
class RuledTable:
    xs: list[float]   # column boundaries, left to right
    ys: list[float]   # row boundaries, top to bottom
    cells: list[RuledCell]  # in reading order of their top-left slot

    slots: list[list[int]] = field(init=False, repr=False)  # [row][col] → index in `cells`

    def __post_init__(self):
        self.slots = [[0] * (len(self.xs) - 1) for _ in range(len(self.ys) - 1)]
        for i, cell in enumerate(self.cells):
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    self.slots[r][c] = i

    @property
    def box(self) -> Segment:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_at(self, x: float, y: float) -> int | None:
        """Index in `cells` of the cell holding the point, None outside the table."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        c = min(bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        r = min(bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return self.slots[r][c]


@dataclass(frozen=True, slots=True)
class _Line:
    at: float     # y of a horizontal line, x of a vertical one
    start: float  # its extent along the other axis
    end: float


def find_tables(rules: list[Segment], tol: float, cover: float = 0.5) -> list[RuledTable]:
    """The tables the lines rule, top to bottom. A group of lines with fewer than two columns
    (a box around a paragraph, an underline) is no table; one row is (a table's last row, on
    the next page). `cover` is the share of a slot's side a line must run along to separate it
    from its neighbour."""
    horizontal, vertical = _split(rules, tol)
    horizontal, vertical = _merge(horizontal, tol), _merge(vertical, tol)
    tables = []
    for hs, vs in _touching(horizontal, vertical, tol):
        table = _table(hs, vs, tol, cover)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: (t.ys[0], t.xs[0]))


def _split(rules: list[Segment], tol: float) -> tuple[list[_Line], list[_Line]]:
    """Horizontal and vertical lines; slanted strokes and dots rule nothing."""
    horizontal, vertical = [], []
    for x0, top, x1, bottom in rules:
        x0, x1 = min(x0, x1), max(x0, x1)
        top, bottom = min(top, bottom), max(top, bottom)
        width, height = x1 - x0, bottom - top
        if height <= tol < width:
            horizontal.append(_Line((top + bottom) / 2, x0, x1))
        elif width <= tol < height:
            vertical.append(_Line((x0 + x1) / 2, top, bottom))
    return horizontal, vertical


def _merge(lines: list[_Line], tol: float) -> list[_Line]:
    """Collinear pieces that touch or overlap as one line (borders are often drawn cell by
    cell, and a double border is one line)."""
    out: list[_Line] = []
    for group in _groups(sorted(lines, key=lambda ln: ln.at), tol, lambda ln: ln.at):
        at = sum(ln.at for ln in group) / len(group)
        current: _Line | None = None
        for ln in sorted(group, key=lambda ln: ln.start):
            if current is not None and ln.start <= current.end + tol:
                current = _Line(at, current.start, max(current.end, ln.end))
            else:
                if current is not None:
                    out.append(current)
                current = _Line(at, ln.start, ln.end)
        if current is not None:
            out.append(current)
    return out


def _groups(items: list[_T], tol: float, at: Callable[[_T], float]) -> list[list[_T]]:
    """Items sorted by position (`at`), grouped where consecutive positions are within `tol`."""
    groups: list[list[_T]] = []
    for item in items:
        if groups and at(item) - at(groups[-1][-1]) <= tol:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _root(parent: list[int], i: int) -> int:
    """The group `i` is in (union-find, halving the path on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _touching(horizontal: list[_Line], vertical: list[_Line], tol: float):
    """Groups of lines connected by crossings or touching ends: one group per table."""
    parent = list(range(len(horizontal) + len(vertical)))
    for i, h in enumerate(horizontal):
        for j, v in enumerate(vertical):
            if h.start - tol <= v.at <= h.end + tol and v.start - tol <= h.at <= v.end + tol:
                parent[_root(parent, i)] = _root(parent, len(horizontal) + j)
    groups: dict[int, tuple[list[_Line], list[_Line]]] = {}
    for i, h in enumerate(horizontal):
        groups.setdefault(_root(parent, i), ([], []))[0].append(h)
    for j, v in enumerate(vertical):
        groups.setdefault(_root(parent, len(horizontal) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if g[0] and g[1]]


def _positions(values: list[float], tol: float) -> list[float]:
    """The distinct positions among `values`: each group of near ones, averaged."""
    return [sum(g) / len(g) for g in _groups(sorted(values), tol, lambda v: v)]


def _table(hs: list[_Line], vs: list[_Line], tol: float, cover: float) -> RuledTable | None:
    # an open-sided table (no outer verticals) still ends where its horizontal lines end
    xs = _positions([v.at for v in vs] + [min(h.start for h in hs), max(h.end for h in hs)], tol)
    ys = _positions([h.at for h in hs] + [min(v.start for v in vs), max(v.end for v in vs)], tol)
    if len(xs) < 3 or len(ys) < 2:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1

    def drawn(lines: list[_Line], at: float, start: float, end: float) -> bool:
        run = sum(max(0.0, min(ln.end, end) - max(ln.start, start)) for ln in lines if abs(ln.at - at) <= tol)
        return run >= cover * (end - start)

    # union of the slots no line separates
    parent = list(range(rows * cols))
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not drawn(vs, xs[c + 1], ys[r], ys[r + 1]):
                parent[_root(parent, r * cols + c)] = _root(parent, r * cols + c + 1)
            if r + 1 < rows and not drawn(hs, ys[r + 1], xs[c], xs[c + 1]):
                parent[_root(parent, r * cols + c)] = _root(parent, (r + 1) * cols + c)
    boxes = _rectangles(parent, rows, cols)
    cells = [RuledCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
             for r0, c0, r1, c1 in sorted(boxes)]
    return RuledTable(xs, ys, cells)


def _rectangles(parent: list[int], rows: int, cols: int) -> list[tuple[int, int, int, int]]:
    """The merged slots as rectangles (r0, c0, r1, c1). A line missing from a corner leaves an
    L-shaped group: it is widened to its bounding box, swallowing the slots inside."""
    while True:
        box: dict[int, list[int]] = {}
        for r in range(rows):
            for c in range(cols):
                b = box.setdefault(_root(parent, r * cols + c), [r, c, r, c])
                b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c)
        changed = False
        for root, (r0, c0, r1, c1) in box.items():
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    other = _root(parent, r * cols + c)
                    if other != _root(parent, root):
                        parent[other] = _root(parent, root)
                        changed = True
        if not changed:
            return [tuple(b) for b in box.values()]  # type: ignore[misc]
