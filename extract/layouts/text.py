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

import re

import regex

from xxgk.extract.document import Cell, Row
from xxgk.extract.numbers import parse_values

_FOOTER = regex.compile(r"^\s*[-—–]{1,2}\s*\d{1,3}\s*[-—–]{1,2}\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")
_FOOTER_FIRST = frozenset("-—–第")  # a footer's first character: most lines need no match
_MD_SEPARATOR = regex.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$")
_MD_MARKS = regex.compile(r"^\s*(#{1,6}\s+|\*\*)|\*\*\s*$")
_MD_ONLY = regex.compile(r"#{1,6}|\*+")
# str.split() also splits at \x1c–\x1f, which are no whitespace to the regex module's \s: a
# line holding one is tokenized by the pattern instead (what the regex module's \S+ matches)
_WS_TOKEN = re.compile(r"[\S\x1c-\x1f]+")
_MARKED = re.compile(r"[#*\x1c-\x1f]")  # markdown marks, or those odd spaces


def read_rows(text: str) -> list[Row]:
    """The text's rows, line by line (the layouts: see above)."""
    reader = _Reader(text)
    pos = 0
    for line in text.splitlines(keepends=True):
        reader.line(line.rstrip("\r\n"), pos)
        pos += len(line)
    return reader.finish()


class _Reader:
    """What a line leaves open for the next: a one-cell-per-line row being gathered, a pipe row
    broken over lines, and the count of empty lines since the last text."""

    def __init__(self, text: str):
        self.text = text
        self.rows: list[Row] = []
        self.block: list[Cell] | None = None        # one-cell-per-line row being gathered
        self.pipe: tuple[int, int] | None = None    # a pipe row broken over lines: (start, end)
        self.blank_run = 0

    def line(self, line: str, start: int):
        stripped = line.strip()
        gap = 0
        if stripped:
            gap, self.blank_run = self.blank_run, 0
            if stripped[0] in _FOOTER_FIRST and _FOOTER.match(line):
                return
        end = start + len(line)
        if self.pipe and stripped and line[0].isspace():
            # cells broken over lines come indented; an unindented line ends the row
            self.pipe = (self.pipe[0], end)
            return
        if stripped[:1] == "|":
            self._pipe_line(line, stripped, start, end)
            return
        if self.pipe:
            self._close_pipe()
        if "\t" in line:
            self._tab_line(line, start, end)
        elif not stripped:
            self._close_block()  # a truly empty line ends a one-cell-per-line row; a lone tab is a blank cell
            self.blank_run += 1
        elif self.block is not None:
            self._wrapped(start, end)
        else:
            row = plain_row(self.text, start, end)
            row.gap = gap
            self.rows.append(row)

    def finish(self) -> list[Row]:
        self._close_block()
        self._close_pipe()
        return [r for r in self.rows if r.cells]

    def _pipe_line(self, line: str, stripped: str, start: int, end: int):
        self._close_block()
        self._close_pipe()
        if _MD_SEPARATOR.match(line):
            return
        if stripped.count("|") >= 2 and stripped.endswith("|") and stripped.strip("| "):
            self.rows.append(_pipe_row(self.text, start, end))
        else:
            self.pipe = (start, end)

    def _tab_line(self, line: str, start: int, end: int):
        if line[0] == "\t" and line.count("\t") == 1:
            self._gather(_cell(self.text, start + 1, end))  # one cell per line
            return
        # trailing tabs are padding to the widest row: no cells there
        cells = _split(self.text, start, start + len(line.rstrip()), "\t")
        if line[0] == "\t":
            filled = [c for c in cells if c.text]
            if len(filled) <= 1:  # one cell per line, the cell itself tab-separated or blank
                self._gather(filled[0] if filled else Cell("", start, start))
                return
        self._close_block()
        self.rows.append(Row(cells))

    def _gather(self, cell: Cell):
        """One cell per line: gathered until a blank line ends the row."""
        if self.block is None:
            self.block = [cell]
        else:
            self.block.append(cell)

    def _wrapped(self, start: int, end: int):
        """A line without tabs inside a one-cell-per-line row continues its last cell."""
        block = self.block
        assert block is not None
        if block and block[-1].text:
            last = block[-1]
            block[-1] = Cell(self.text[last.start:end].strip(), last.start, end)
        else:
            block.append(_cell(self.text, start, end))

    def _close_block(self):
        if self.block:
            self.rows.append(Row(self.block))
        self.block = None

    def _close_pipe(self):
        if self.pipe:
            self.rows.append(_pipe_row(self.text, *self.pipe))
        self.pipe = None


def _cell(text: str, start: int, end: int) -> Cell:
    """A cell trimmed of whitespace and markdown emphasis, its span following the trim."""
    seg = text[start:end]
    inner = seg.strip()
    if not inner:
        return Cell("", start, start)
    left = len(seg) - len(seg.lstrip())
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
    seg = text[start:end]
    marked = "#" in seg or "*" in seg
    cells, pos = [], start
    for part in seg.split(sep):
        n = len(part)
        inner = part.strip()
        if marked and inner:
            cells.append(_cell(text, pos, pos + n))
        elif len(inner) == n:  # nothing to trim
            cells.append(Cell(part, pos, pos + n))
        elif inner:
            left = n - len(part.lstrip())
            cells.append(Cell(inner, pos + left, pos + left + len(inner)))
        else:
            cells.append(Cell("", pos, pos))
        pos += n + 1
    return cells


def plain_row(text: str, start: int, end: int) -> Row:
    """A line with no tabs or pipes: numbers are whitespace-separated tokens, the rest is label."""
    line = text[start:end]
    if _MARKED.search(line):
        return _plain_row(text, _marked_tokens(text, start, end))
    tokens = line.split()
    for token in tokens:
        if parse_values(token):
            return _plain_row(text, _located(tokens, line, start))
    if not tokens:
        return Row([])
    # no number: the line is one label (prose, a heading)
    a, b = start + len(line) - len(line.lstrip()), start + len(line.rstrip())
    return Row([Cell(text[a:b], a, b)])


def _located(tokens: list[str], line: str, start: int) -> list[tuple[str, int, int]]:
    """(token, start, end) for the whitespace-separated tokens of a line starting at `start`."""
    out, pos = [], 0
    for token in tokens:
        pos = line.index(token, pos)
        out.append((token, start + pos, start + pos + len(token)))
        pos += len(token)
    return out


def _marked_tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The tokens of a line with markdown marks or odd spaces (see `_WS_TOKEN`), the marks dropped."""
    out = []
    for m in _WS_TOKEN.finditer(text, start, end):
        token, (a, b) = m.group(), m.span()
        if "#" in token or "*" in token:
            # markdown heading marks and emphasis are layout, not text
            if _MD_ONLY.fullmatch(token):
                continue
            a += len(token) - len(token.lstrip("*"))
            b -= len(token) - len(token.rstrip("*"))
            token = text[a:b]
        out.append((token, a, b))
    return out


def _plain_row(text: str, tokens: list[tuple[str, int, int]]) -> Row:
    """Number tokens are cells of their own; the text between them is label, one cell a run."""
    cells: list[Cell] = []
    label_start: int | None = None
    label_end = 0
    for token, a, b in tokens:
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


def _pipe_row(text: str, start: int, end: int) -> Row:
    seg = text[start:end]
    first = start + seg.index("|") + 1 if "|" in seg else start
    last = start + seg.rindex("|") if "|" in seg else end
    cells = _split(text, first, max(first, last), "|") if last > first else []
    for c in cells:  # cells broken over lines arrive with newlines inside: folded to spaces
        if "  " in c.text or not c.text.isprintable():  # (any other space is unprintable)
            c.text = " ".join(c.text.split())
    return Row(cells, grid=True, table=True)
