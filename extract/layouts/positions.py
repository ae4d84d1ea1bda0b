"""Words placed on pages (a PDF's text layer, an OCR'd scan) → rows of cells.

Formats that know where each word sits on the page hand their pages here; the row building
(lines from word positions, columns from x-positions and ruling lines, tables joined over page
breaks, running headers and page numbers dropped) is the same for both.

    pages = [Page(1, 595.0, 842.0, words=[Word("规章", 71.0, 300.2, 95.0, 312.0), ...],
                  rules=[(70.0, 298.0, 520.0, 298.0), ...])]
    doc = read_pages(pages, kind="pdf", encoding="pdf")
"""
from __future__ import annotations

from dataclasses import dataclass, field

from xxgk.extract.document import Document


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float | None = None  # OCR: 0–100; None for a text layer


@dataclass
class Page:
    number: int     # 1-based
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    # ruling lines drawn on the page, each a horizontal or vertical segment (x0, top, x1, bottom)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)


def read_pages(pages: list[Page], kind: str, encoding: str) -> Document:
    raise NotImplementedError  # being written: see formats/pdf.py and formats/scan.py
