"""The layout-neutral form every reader produces: rows of cells, each cell with its span.

Whatever a report arrived as (tab-separated text, one cell per line, pipe rows, PDF text
layers, HTML tables), the table readers only ever see `Row`s. A cell's `start`/`end` are
character offsets in the decoded source, so every number can be traced back to where it was
read.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

# Full-width digits, signs and spaces folded to ASCII one-for-one, so offsets stay valid.
_FOLD = tuple(zip("０１２３４５６７８９＋－．，：　\u00a0\u2002\u2003\u200b\ufeff",
                  "0123456789+-.,:      ", strict=True))


def fold(text: str) -> str:
    """Same-length normalisation applied to the whole decoded text before reading."""
    # One str.replace per character: each is a fast scan in C, where str.translate with a
    # mapping looks up every character of the text in a dict (10x slower on these texts).
    for a, b in _FOLD:
        if a in text:
            text = text.replace(a, b)
    return text


@dataclass(slots=True)
class Cell:
    text: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    # True when the cells are real table columns (HTML <td>, pipe-table cells): a blank cell
    # between values is then a blank value. In text layouts blanks are only padding.
    grid: bool = False
    # True for rows that came from a table structure (HTML/pipe), False for prose lines.
    table: bool = False
    # empty lines just before this row: in a text export with one cell per line, an empty
    # cell is an empty line
    gap: int = 0

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text)

    @property
    def start(self) -> int:
        return self.cells[0].start if self.cells else 0


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a stretch of a synthesised text came from in the file: formats without a text of
    their own (Word, PDF read by positions, OCR) write one, and say here what each piece was."""
    start: int
    end: int
    where: str                       # "page 3 (x0,top,x1,bottom)", "table 2 row 5 cell 3"
    confidence: float | None = None  # OCR: the least confident word's confidence, 0–100


@dataclass
class Document:
    """A decoded report: its text (what spans point into) and its rows in reading order."""
    text: str
    rows: list[Row] = field(default_factory=list)
    kind: str = "text"  # text | html | pdf | docx | ocr ...
    encoding: str = "utf-8"
    anchors: list[Anchor] = field(default_factory=list)  # sorted by start; empty for text and HTML
                                                          # (but for a page's pictures read by OCR)
    # what the reader could not read and the report should say (an HTML page's pictures left
    # unread: no Tesseract); each becomes a failed check of the report
    notes: list[str] = field(default_factory=list)

    def anchor(self, span: tuple[int, int]) -> Anchor | None:
        """The anchor holding this span, if the text was synthesised."""
        i = bisect_right(self.anchors, span[0], key=lambda a: a.start) - 1
        if i >= 0 and self.anchors[i].start <= span[0] and span[1] <= self.anchors[i].end:
            return self.anchors[i]
        return None


class TextBuilder:
    """Writes the text of a format that has none (Word, PDF by positions, OCR) and its rows:
    every cell's text is appended with its source location, so spans stay exact and each
    value can be traced back to its page and box or its table cell.

        b = TextBuilder()
        cell = b.cell("12", "page 2 (71,300,90,312)", confidence=91.0)
        b.tab(); ...; b.newline()
        Document(b.text(), rows, "pdf", "pdf", b.anchors)
    """

    def __init__(self):
        self._parts: list[str] = []
        self._pos = 0
        self.anchors: list[Anchor] = []

    def cell(self, text: str, where: str, confidence: float | None = None) -> Cell:
        text = " ".join(fold(text).split())
        start = self._pos
        if text:
            self._parts.append(text)
            self._pos += len(text)
            self.anchors.append(Anchor(start, self._pos, where, confidence))
        return Cell(text, start, self._pos)

    @property
    def end(self) -> int:
        """The length of the text written so far."""
        return self._pos

    def tab(self):
        self._write("\t")

    def newline(self):
        self._write("\n")

    def _write(self, s: str):
        self._parts.append(s)
        self._pos += len(s)

    def text(self) -> str:
        return "".join(self._parts)
