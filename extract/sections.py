"""Splitting a report's rows into its six sections by their headings.

A heading is a short row that reads like a heading (numbered `二、`, `2、`, `（二）`, a markdown
`#`, or standing alone) and names its section. Reports renumber (tables numbered 一/二/三 after
a narrative 一…六), repeat headings, split them with spaces, and drop some; so each section
takes the best-looking candidate, preferring its official numeral, then the first one (a
mention in the preamble is a long sentence, not a heading; a repeat comes later).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

import regex

from xxgk.extract.document import Row
from xxgk.extract.numbers import parse_values

NUMERALS = "一二三四五六"
# (the standard library's re: faster than regex on these, and reads them alike)
TITLES = {
    1: re.compile(r"总体情况|概述"),
    2: re.compile(r"主动公开政府信息"),
    3: re.compile(r"收到和处理政府信息公开申请|收到和处理.{0,6}申请情况"),
    4: re.compile(r"行政复议.{0,12}行政诉讼|复议.{0,4}诉讼情况"),
    5: re.compile(r"存在的?主要问题|改进情况"),
    6: re.compile(r"其他需要报告的事项"),
}
# any of them, to pass over the many rows that name none: as one flat alternation, re looks
# for the alternatives' first characters before trying any
_ANY_TITLE = re.compile("|".join(p.pattern for p in TITLES.values()))
_NUMBERED = regex.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?P<num>[一二三四五六七八九十]|\d{1,2})\s*[、.．]")
_HEADING_MAX = 40
_TITLE_END = regex.compile(r"(情况|事项|问题|措施|概述)[。.:：)）]*$")


@dataclass(frozen=True)
class Section:
    number: int        # 1..6, the official section
    start: int         # index of the heading row
    end: int           # index one past the section's last row
    title: str


def _heading_text(row: Row) -> str | None:
    # a heading may sit in a table (a whole report laid out in one), but then alone in its row
    if len(row.cells) == 1:  # most rows: prose, a heading
        text = row.cells[0].text
        return text if text and len(text) <= _HEADING_MAX else None
    most = 1 if row.table else 2
    cells: list[str] = []
    for c in row.cells:
        if c.text:
            if len(cells) == most:
                return None
            cells.append(c.text)
    if not cells:
        return None
    text = " ".join(cells)
    if len(text) > _HEADING_MAX:
        return None
    return text


Candidates = dict[int, list[tuple[float, int]]]  # section → (how heading-like, row index) of its headings


def find_sections(rows: list[Row], candidates: Candidates | None = None) -> dict[int, Section]:
    """The sections by their headings; `candidates`: `heading_candidates(rows)`, if at hand."""
    if candidates is None:
        candidates = heading_candidates(rows)
    chosen = {}
    for n, cands in candidates.items():
        if cands:
            # the first of the best: a later repeat (`（续表）`, a mention in section 五) must
            # not cut the section short
            chosen[n] = min((-score, i) for score, i in cands)[1]
    ordered = sorted((i, n) for n, i in chosen.items())
    out = {}
    for k, (i, n) in enumerate(ordered):
        end = ordered[k + 1][0] if k + 1 < len(ordered) else len(rows)
        out[n] = Section(n, i, end, rows[i].text)
    return out


MIN_TABLE_VALUES = 40  # value cells between the headings of 三 and 四 that make a filled-in form


def count_forms(rows: list[Row], candidates: Candidates | None = None) -> int:
    """How many filled-in forms the rows hold: runs of numbered headings 二 → 三 → 四 with the
    applications table's values between 三 and 四. Two reports in one file (two years pasted
    together, a page quoting several) give two; a report that renumbers its tables after a
    narrative 一…六 gives one, as its narrative holds no table."""
    return len(form_starts(rows, candidates))


def form_starts(rows: list[Row], candidates: Candidates | None = None) -> list[int]:
    """Where each filled-in form of `count_forms` starts: the index of its heading 二."""
    if candidates is None:
        candidates = heading_candidates(rows)
    headings = sorted((i, n) for n, cands in candidates.items() if n in (2, 3, 4)
                      for score, i in cands if score >= 2)
    starts: list[int] = []
    expect, second, third = 2, 0, 0
    for i, n in headings:
        if n == expect == 2:
            expect, second = 3, i
        elif n == expect == 3:
            expect, third = 4, i
        elif n == expect == 4:
            if _holds_a_table(rows[third:i]):
                starts.append(second)
            expect = 2
    return starts


def holds_tables(rows: list[Row]) -> bool:
    """Whether a document's own rows hold the report's tables: a filled-in applications table
    between the headings of 三 and 四, or (headings not found) table cells enough for the
    three tables. A document that does not may show them as pictures (`formats.scan.embed_all`)."""
    if count_forms(rows):
        return True
    values = sum(1 for r in rows if r.table for c in r.cells if c.text and parse_values(c.text))
    return values >= 3 * MIN_TABLE_VALUES


def _holds_a_table(rows: list[Row]) -> bool:
    """Whether the rows hold MIN_TABLE_VALUES value cells: counted up to there, not beyond."""
    values = (c for row in rows for c in row.cells if c.text and parse_values(c.text))
    return next(islice(values, MIN_TABLE_VALUES - 1, None), None) is not None


def heading_candidates(rows: list[Row]) -> Candidates:
    """Each section's heading candidates: (how heading-like, row index)."""
    candidates: Candidates = {n: [] for n in TITLES}
    short = [(i, text) for i, row in enumerate(rows) if (text := _heading_text(row)) is not None]
    squashed = ["".join(text.split()) for _, text in short]
    for k in _naming_a_section(squashed):  # most short rows name none
        (i, text), squashed_text = short[k], squashed[k]
        numbered = _NUMBERED.match(text)
        for n, pattern in TITLES.items():
            if pattern.search(squashed_text):
                score: float
                if numbered and numbered.group("num") in (NUMERALS[n - 1], str(n)):
                    score = 3      # numbered as the official form numbers it
                elif numbered:
                    score = 2      # numbered otherwise (tables renumbered after a narrative)
                elif text.lstrip().startswith("#"):
                    score = 1.5    # a markdown heading
                elif _TITLE_END.search(squashed_text):
                    score = 1      # a bare line naming the section, ending like a heading
                else:
                    continue       # a wrapped line of prose that happens to name it
                candidates[n].append((score, i))
    return candidates


def _naming_a_section(texts: list[str]) -> list[int]:
    """The indices of the texts (without whitespace) that name some section, in order: one
    search through them all, a line each, as no title holds a line break."""
    lines = "\n".join(texts)
    out: list[int] = []
    line = counted = 0
    for m in _ANY_TITLE.finditer(lines):
        line += lines.count("\n", counted, m.start())
        counted = m.start()
        if not out or out[-1] != line:
            out.append(line)
    return out
