"""Plain text and markdown → rows of cells.

One pass over the lines recognises, line by line, the layouts real reports reach us in:

- pipe rows (`| a | b |`), including rows whose cells are broken over several lines
  (a row that opens with a lone `|` runs until the next line that starts with `|`);
- tab-separated rows;
- one cell per line, each cell a tab-prefixed line, rows separated by blank lines
  (a following line with no tab continues the cell: wrapped headers);
- plain lines, such as PDF text layers: whitespace splits the numbers from the label.

Page footers (`- 4 -`, `— 5 —`) are dropped: they sit inside tables and look like values.
"""
from __future__ import annotations

import regex

from xxgk.extract.document import Cell, Row
from xxgk.extract.numbers import parse_values

_FOOTER = regex.compile(r"^\s*[-—–]{1,2}\s*\d{1,3}\s*[-—–]{1,2}\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")
_MD_SEPARATOR = regex.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$")
_MD_MARKS = regex.compile(r"^\s*(#{1,6}\s+|\*\*)|\*\*\s*$")
_WS_TOKEN = regex.compile(r"\S+")
_MD_ONLY = regex.compile(r"#{1,6}|\*+")


def _lines(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield body, pos
        pos += len(line)


def _cell(text: str, start: int, end: int) -> Cell:
    """A cell trimmed of whitespace and markdown emphasis, its span following the trim."""
    seg = text[start:end]
    inner = seg.strip()
    if not inner:
        return Cell("", start, start)
    left = seg.find(inner[0])
    if "#" in inner or "*" in inner:
        m = _MD_MARKS.search(inner)
        while m and inner:
            if m.start() == 0:
                left += m.end()
                inner = inner[m.end():]
            else:
                inner = inner[: m.start()]
            m = _MD_MARKS.search(inner)
        stripped = inner.lstrip()
        left += len(inner) - len(stripped)
        inner = stripped.rstrip()
    return Cell(inner, start + left, start + left + len(inner))


def _split(text: str, start: int, end: int, sep: str) -> list[Cell]:
    cells, pos = [], start
    for part in text[start:end].split(sep):
        if part and not part.isspace():
            cells.append(_cell(text, pos, pos + len(part)))
        else:
            cells.append(Cell("", pos, pos))
        pos += len(part) + 1
    return cells


def plain_row(text: str, start: int, end: int) -> Row:
    """A line with no tabs or pipes: numbers are whitespace-separated tokens, the rest is label."""
    cells: list[Cell] = []
    label_start: int | None = None
    label_end = start
    for m in _WS_TOKEN.finditer(text, start, end):
        a, b = m.span()
        token = m.group()
        if "#" in token or "*" in token:
            # markdown heading marks and emphasis are layout, not text
            if _MD_ONLY.fullmatch(token):
                continue
            a += len(token) - len(token.lstrip("*"))
            b -= len(token) - len(token.rstrip("*"))
            token = text[a:b]
        if parse_values(token):
            if label_start is not None:
                cells.append(Cell(text[label_start:label_end], label_start, label_end))
                label_start = None
            cells.append(Cell(token, a, b))
        else:
            if label_start is None:
                label_start = a
            label_end = b
    if label_start is not None:
        cells.append(Cell(text[label_start:label_end], label_start, label_end))
    return Row(cells)


def read_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    block: list[Cell] | None = None       # one-cell-per-line row being gathered
    pipe_open: tuple[int, int] | None = None  # a pipe row broken over lines: (start, end)

    def close_block():
        nonlocal block
        if block:
            rows.append(Row(block))
        block = None

    def close_pipe():
        nonlocal pipe_open
        if pipe_open:
            s, e = pipe_open
            rows.append(_pipe_row(text, s, e))
        pipe_open = None

    blank_run = 0
    for line, start in _lines(text):
        end = start + len(line)
        stripped = line.strip()
        gap = 0
        if stripped:
            gap, blank_run = blank_run, 0
        if _FOOTER.match(line):
            continue
        if pipe_open and line[:1].isspace() and stripped:
            # cells broken over lines come indented; an unindented line ends the row
            pipe_open = (pipe_open[0], end)
            continue
        if stripped.startswith("|"):
            close_block()
            close_pipe()
            if _MD_SEPARATOR.match(line):
                continue
            if stripped.count("|") >= 2 and stripped.endswith("|") and stripped.strip("| "):
                rows.append(_pipe_row(text, start, end))
            else:
                pipe_open = (start, end)
            continue
        close_pipe()
        if not stripped and "\t" not in line:
            close_block()  # a truly empty line ends a one-cell-per-line row; a lone tab is a blank cell
            blank_run += 1
            continue
        if line.startswith("\t") and line.count("\t") == 1:
            # one cell per line: gather until a blank line ends the row
            if block is None:
                block = []
            block.append(_cell(text, start + 1, end))
            continue
        if "\t" in line:
            # trailing tabs are padding to the widest row: no cells there
            cells = _split(text, start, start + len(line.rstrip()), "\t")
            filled = [c for c in cells if c.text]
            if line.startswith("\t") and len(filled) <= 1:
                # one cell per line: gather until a blank line ends the row
                if block is None:
                    block = []
                block.extend(filled or [Cell("", start, start)])
                continue
            close_block()
            rows.append(Row(cells))
            continue
        if block is not None:
            # a wrapped cell: the line continues the block's last cell
            if block and block[-1].text:
                last = block[-1]
                block[-1] = Cell(text[last.start:end].strip(), last.start, end)
            else:
                block.append(_cell(text, start, end))
            continue
        row = plain_row(text, start, end)
        row.gap = gap
        rows.append(row)
    close_block()
    close_pipe()
    return [r for r in rows if r.cells]


def _pipe_row(text: str, start: int, end: int) -> Row:
    seg = text[start:end]
    first = start + seg.index("|") + 1 if "|" in seg else start
    last = start + seg.rindex("|") if "|" in seg else end
    cells = _split(text, first, max(first, last), "|") if last > first else []
    # Cells broken over lines arrive with newlines inside: fold them to spaces via strip.
    cells = [Cell(" ".join(c.text.split()), c.start, c.end) for c in cells]
    return Row(cells, grid=True, table=True)
