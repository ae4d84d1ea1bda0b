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
_FOOTER_FIRST = "-—–第"  # what a footer starts with: most lines start otherwise
_MD_SEPARATOR = regex.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$")
_MD_MARKS = regex.compile(r"^\s*(#{1,6}\s+|\*\*)|\*\*\s*$")
_MD_ONLY = regex.compile(r"#{1,6}|\*+")
# a pipe table's delimiter row without its outer bars (`--- | --- | ---`, as GFM allows): its
# rows then have none either
_BARE_SEPARATOR = re.compile(r"^[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+$", re.M)
# str.split() also splits at \x1c–\x1f, which are no whitespace to the regex module's \s: a
# line holding one is tokenized by the pattern instead (what the regex module's \S+ matches)
_WS_TOKEN = re.compile(r"[\S\x1c-\x1f]+")
_MARKED = re.compile(r"[#*\x1c-\x1f]")  # markdown marks, or those odd spaces
_ODD_SPACES = "\x1c\x1d\x1e\x1f"
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # where splitlines ends a line, but \n


def page_footer(line: str) -> bool:
    """Whether the line is a page's footer (`- 4 -`, `第 5 页`), which no table holds."""
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] in _FOOTER_FIRST and _FOOTER.match(line) is not None


def read_rows(text: str) -> list[Row]:
    """The text's rows, line by line (the layouts: see above)."""
    reader = _Reader(text)
    pos = 0
    if any(b in text for b in _OTHER_BREAKS):
        for line in text.splitlines(keepends=True):
            reader.line(line.rstrip("\r\n"), pos)  # other breaks stay in the line, as spaces
            pos += len(line)
    else:  # most texts: every line ends at a \n
        for line in text.splitlines():
            reader.line(line, pos)
            pos += len(line) + 1
    return reader.finish()


class _Reader:
    """What a line leaves open for the next: a one-cell-per-line row being gathered, a pipe row
    broken over lines, and the count of empty lines since the last text."""

    def __init__(self, text: str):
        self.text = text
        self.rows: list[Row] = []
        self.block: list[Cell] = []                 # one-cell-per-line row being gathered
        self.pipe: tuple[int, int] | None = None    # a pipe row broken over lines: (start, end)
        self.blank_run = 0
        # Which layouts the text can hold at all: most texts have no tabs, or no markdown marks,
        # and their lines need not be searched for them.
        self.tabs = "\t" in text
        self.marks = "#" in text or "*" in text
        self.odd_spaces = any(c in text for c in _ODD_SPACES)
        self.bare_pipes = ("-|" in text or "- |" in text) and _BARE_SEPARATOR.search(text) is not None

    def line(self, line: str, start: int):
        stripped = line.strip()
        if not stripped:
            self._blank(line, start)
            return
        gap, self.blank_run = self.blank_run, 0
        first = stripped[0]
        if first in _FOOTER_FIRST and _FOOTER.match(line):
            return
        if self.pipe:
            if line[0].isspace():  # cells broken over lines come indented: the row goes on
                self.pipe = (self.pipe[0], start + len(line))
                return
            self._close_pipe()  # an unindented line ends it
        if first == "|" and not (self.bare_pipes and stripped[-1] != "|"):
            self._pipe_line(line, stripped, start)
        elif self.bare_pipes and "|" in line:  # (one starting with a bar: its first cell empty)
            self._bare_pipe_line(line, start)
        elif self.tabs and "\t" in line:
            self._tab_line(line, start)
        elif self.block:
            self._wrapped(line, stripped, start)
        else:
            if self.marks and ("#" in line or "*" in line) or self.odd_spaces and _MARKED.search(line):
                row = _marked_row(self.text, start, start + len(line))
            else:
                row = _plain_row(self.text, line, stripped, start)
            row.gap = gap
            self.rows.append(row)

    def finish(self) -> list[Row]:
        self._close_block()
        self._close_pipe()
        return [r for r in self.rows if r.cells]

    def _blank(self, line: str, start: int):
        """A line of whitespace: a lone tab is a blank cell, a truly empty line ends a
        one-cell-per-line row."""
        if self.pipe:
            self._close_pipe()
        if "\t" in line:
            self._tab_line(line, start)
        else:
            if self.block:
                self._close_block()
            self.blank_run += 1

    def _pipe_line(self, line: str, stripped: str, start: int):
        if self.block:
            self._close_block()
        if "--" in line and _MD_SEPARATOR.match(line):
            return
        # the line starts with a bar: ending with another, it is a whole row
        if stripped[-1] == "|" and stripped.strip("| "):
            self.rows.append(_pipe_row(self.text, line, start))
        else:
            self.pipe = (start, start + len(line))

    def _bare_pipe_line(self, line: str, start: int):
        """A row of a pipe table without outer bars: its cells from the line's start to its end."""
        if self.block:
            self._close_block()
        if "--" in line and _MD_SEPARATOR.match(line):
            return
        self.rows.append(_pipe_row(self.text, f"|{line}|", start - 1))

    def _tab_line(self, line: str, start: int):
        if line[0] == "\t" and line.count("\t") == 1:  # one cell per line
            self.block.append(_cell(self.text, start + 1, start + len(line)))
            return
        # trailing tabs are padding to the widest row: no cells there
        cells = _split(self.text, line.rstrip(), start, "\t")
        if line[0] == "\t":
            filled = [c for c in cells if c.text]
            if len(filled) <= 1:  # one cell per line, the cell itself tab-separated or blank
                self.block.append(filled[0] if filled else Cell("", start, start))
                return
        if self.block:
            self._close_block()
        self.rows.append(Row(cells))

    def _wrapped(self, line: str, stripped: str, start: int):
        """A line without tabs inside a one-cell-per-line row continues its last cell (a blank
        one: starts a cell). A number does not: every value of this layout comes after its tab,
        so it is a page number, more likely, which no cell may take. After the row's values it
        is a line of its own; before them it stays with the label, which no row then matches."""
        end = start + len(line)
        if parse_values(stripped):
            if any(parse_values(c.text) for c in self.block):
                self._close_block()
                self.rows.append(_plain_row(self.text, line, stripped, start))
                return
            label = next((c for c in reversed(self.block) if c.text), None)
            if label is not None:
                label.text, label.end = self.text[label.start:end].strip(), end
                return
        last = self.block[-1]
        if last.text:
            last.text, last.end = self.text[last.start:end].strip(), end
        else:
            self.block.append(_cell(self.text, start, end))

    def _close_block(self):
        if self.block:
            self.rows.append(Row(self.block))
            self.block = []

    def _close_pipe(self):
        if self.pipe:
            start, end = self.pipe
            self.rows.append(_pipe_row(self.text, self.text[start:end], start))
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


def _split(text: str, seg: str, start: int, sep: str) -> list[Cell]:
    """The cells of `seg` (text[start:start + len(seg)]) between the separators, trimmed."""
    if "#" in seg or "*" in seg:  # markdown marks: trimmed cell by cell
        return _marked_split(text, start, seg.split(sep))
    cells, pos = [], start
    for part in seg.split(sep):
        lead = part.lstrip()
        if not lead:
            cells.append(Cell("", pos, pos))
        else:
            inner = lead.rstrip()
            a = pos + len(part) - len(lead)  # past the leading whitespace
            cells.append(Cell(inner, a, a + len(inner)))
        pos += len(part) + 1
    return cells


def _marked_split(text: str, start: int, parts: list[str]) -> list[Cell]:
    cells, pos = [], start
    for part in parts:
        cells.append(_cell(text, pos, pos + len(part)))
        pos += len(part) + 1
    return cells


def _pipe_row(text: str, seg: str, start: int) -> Row:
    """The row of `seg` (text[start:start + len(seg)]): its cells between the outer bars."""
    bar = seg.find("|")
    first, last = (bar + 1, seg.rfind("|")) if bar >= 0 else (0, len(seg))
    if last <= first:
        return Row([], True, True)
    inner = seg[first:last]
    cells = _split(text, inner, start + first, "|")
    if "  " in inner or not inner.isprintable():
        for c in cells:  # cells broken over lines arrive with newlines inside: folded to spaces
            if "  " in c.text or not c.text.isprintable():  # (any other space is unprintable)
                c.text = " ".join(c.text.split())
    return Row(cells, True, True)  # grid, table (by keyword, the call takes four times as long)


def plain_row(text: str, start: int, end: int) -> Row:
    """A line with no tabs or pipes: numbers are whitespace-separated tokens, the rest is label."""
    line = text[start:end]
    if _MARKED.search(line):
        return _marked_row(text, start, end)
    stripped = line.strip()
    return _plain_row(text, line, stripped, start) if stripped else Row([])


def _plain_row(text: str, line: str, stripped: str, start: int) -> Row:
    """`plain_row` of a line without marks that is not blank: `line` is
    text[start:start + len(line)], `stripped` its strip()."""
    words = stripped.split()
    if len(words) > 1:
        values = list(map(parse_values, words))
        if any(values):
            return Row(_numbers_apart(text, words, _starts(words, line, start), values))
    # no number, or one word: the line is one cell (prose, a heading, a lone value)
    a = start if len(stripped) == len(line) else start + len(line) - len(line.lstrip())
    return Row([Cell(stripped, a, a + len(stripped))])


def _marked_row(text: str, start: int, end: int) -> Row:
    """`plain_row` of a line with markdown marks or odd spaces."""
    words, starts = _marked_words(text, start, end)
    return Row(_numbers_apart(text, words, starts, list(map(parse_values, words))))


def _starts(words: list[str], line: str, start: int) -> list[int]:
    """Where the whitespace-separated words of a line starting at `start` start."""
    out, pos = [], 0
    for word in words:
        pos = line.index(word, pos)
        out.append(start + pos)
        pos += len(word)
    return out


def _marked_words(text: str, start: int, end: int) -> tuple[list[str], list[int]]:
    """The words of a line with markdown marks or odd spaces (see `_WS_TOKEN`), the marks
    dropped, and where they start."""
    words, starts = [], []
    for m in _WS_TOKEN.finditer(text, start, end):
        word, a = m.group(), m.start()
        if "#" in word or "*" in word:
            # markdown heading marks and emphasis are layout, not text
            if _MD_ONLY.fullmatch(word):
                continue
            lead = len(word) - len(word.lstrip("*"))
            a += lead
            word = word[lead:].rstrip("*")
        words.append(word)
        starts.append(a)
    return words, starts


def _numbers_apart(text: str, words: list[str], starts: list[int], values: list) -> list[Cell]:
    """Words with `values` (numbers) are cells of their own; the text between them is label,
    one cell a run."""
    cells: list[Cell] = []
    label = end = -1  # the label being gathered: text[label:end]; -1, none
    for word, a, value in zip(words, starts, values, strict=True):
        if value:
            if label >= 0:
                cells.append(Cell(text[label:end], label, end))
                label = -1
            cells.append(Cell(word, a, a + len(word)))
        else:
            if label < 0:
                label = a
            end = a + len(word)
    if label >= 0:
        cells.append(Cell(text[label:end], label, end))
    return cells
