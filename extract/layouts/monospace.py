"""Text laid out on a grid of characters → words on pages, read by position like a PDF.

A PDF exported to text with its layout kept (`pdftotext -layout` and its like) places each word
at the column of the page it stood in, padding with spaces, and ends each page with a form
feed. Its tables keep their columns but lose their blank cells: a row printing 2 of its 7
values (`26` under 自然人, `26` under 总计) is, read as a line, two numbers with no column
of their own. Read as words on a page, one character a column and one line a line, it is a
PDF text layer again, and `positions` takes each value's column from the headers above it.

Such a text is told by its lines with numbers: most of them space their words apart by runs of
three spaces or more, and it has no tabs (a tab-separated text is read by its tabs).

    if laid_out(text):
        doc = read(text, encoding)
"""
from __future__ import annotations

import re

from xxgk.extract.document import Document

# A character's width and a line's height, in the units of the words' boxes. `positions`
# measures its gaps in text heights, so only the ratio matters: a character half as wide as
# a line is tall parts cells at two spaces, not at the one between the words of a label.
_WIDTH, _HEIGHT = 6.0, 12.0
_WORD_HEIGHT = 10.0
_WORD = re.compile(r"\S+")
_GAP = re.compile(r"\S {3,}\S")
MIN_LINES = 10       # lines with numbers a text needs to be told laid out
LAID_OUT_SHARE = 0.5  # share of those lines whose words are spaced apart


def laid_out(text: str) -> bool:
    """Whether the text is laid out in columns of spaces (see above)."""
    if "\t" in text or "   " not in text:  # most texts: at once
        return False
    numbered = [line for line in text.split("\n") if any(c.isdigit() for c in line)]
    if len(numbered) < MIN_LINES or sum(line.lstrip().startswith("|") for line in numbered) > len(numbered) // 10:
        return False  # (a markdown table padded with spaces is read by its bars)
    return sum(_GAP.search(line.strip()) is not None for line in numbered) >= LAID_OUT_SHARE * len(numbered)


def read(text: str, encoding: str, kind: str = "text") -> Document:
    """The text's rows, read by position; a value's `where` is its line and columns in the text."""
    # here, not at the top: `laid_out` runs on every text, and `positions` costs start-up ~20 ms
    from xxgk.extract.layouts.positions import Page, Word, read_pages

    pages, first_lines = [], []
    line_no = 0
    for number, page_text in enumerate(text.split("\f"), 1):
        lines = page_text.split("\n")
        words = [Word(m.group(), m.start() * _WIDTH, i * _HEIGHT, m.end() * _WIDTH, i * _HEIGHT + _WORD_HEIGHT)
                 for i, line in enumerate(lines) for m in _WORD.finditer(line)]
        pages.append(Page(number, (max((len(line) for line in lines), default=0) + 1) * _WIDTH,
                          max(len(lines), 1) * _HEIGHT, words))
        first_lines.append(line_no)
        line_no += len(lines) - 1  # a form feed ends a page, not a line

    def where(page: int, x0: float, top: float, x1: float, bottom: float) -> str:
        line = first_lines[page - 1] + round(top / _HEIGHT) + 1
        last = first_lines[page - 1] + round((bottom - _WORD_HEIGHT) / _HEIGHT) + 1
        lines = f"line {line}" if last == line else f"lines {line}–{last}"
        return f"{lines}, columns {round(x0 / _WIDTH) + 1}–{round(x1 / _WIDTH)}"

    return read_pages([p for p in pages if p.words], kind, encoding, where=where)
