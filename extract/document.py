"""The layout-neutral form every reader produces: rows of cells, each cell with its span.

Whatever a report arrived as (tab-separated text, one cell per line, pipe rows, PDF text
layers, HTML tables), the table readers only ever see `Row`s. A cell's `start`/`end` are
character offsets in the decoded source, so every number can be traced back to where it was
read.
"""
from __future__ import annotations

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


@dataclass
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


@dataclass
class Document:
    """A decoded report: its text (what spans point into) and its rows in reading order."""
    text: str
    rows: list[Row] = field(default_factory=list)
    kind: str = "text"  # text | html | pdf
    encoding: str = "utf-8"
