"""Words placed on pages (a PDF's text layer, an OCR'd scan) → rows of cells.

Formats that know where each word sits on the page hand their pages here; the row building is
the same for both:

- words → lines: words whose boxes overlap vertically, each compared with its left neighbour
  on the line (so a slightly skewed scan still gives whole lines);
- ruling lines → tables (`rulings`): each word goes to the cell its centre is in, and the
  table's rows go through the one grid model (`grid.grid_rows`), spans expanded;
- the other lines → cells as on a text line: the label's words one cell, every amount one
  (`columns`); a table printed without ruling lines takes its columns from the x-positions of
  its headers, so a row printing 2 of its 7 values keeps them under their columns;
- page numbers (`- 4 -`, `第 4 页`) and running headers repeated in the page margins dropped;
- a table continued on the next page is joined: its rows simply follow (repeated header rows
  are loose text to the table readers).

The text is synthesised (`TextBuilder`): every cell is written with an anchor to its page and
box, `page 3 (x0,top,x1,bottom)` in the page's units, and, for OCR, the least confident word's
confidence.

    pages = [Page(1, 595.0, 842.0, words=[Word("规章", 71.0, 300.2, 95.0, 312.0), ...],
                  rules=[(70.0, 298.0, 520.0, 298.0), ...])]
    doc = read_pages(pages, kind="pdf", encoding="pdf")
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import regex

from xxgk.extract.document import Cell, Document, Row, TextBuilder, fold
from xxgk.extract.layouts import columns as cols
from xxgk.extract.layouts.grid import Slot, grid_rows
from xxgk.extract.layouts.rulings import RuledTable, find_tables

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


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
    rules: list[Box] = field(default_factory=list)
    # pictures drawn on a PDF's page: what they show is not in `words`
    pictures: list[Box] = field(default_factory=list)
    rotation: int = 0  # degrees a PDF's page is turned clockwise when shown (its /Rotate)
    turn: int = 0  # quarter turns its text layer was turned by to be read level (formats.pdf._Frame)


@dataclass(frozen=True)
class Settings:
    """Every tolerance of the row building, in one place. Distances are multiples of the page's
    text height (the median word height), so a PDF in points and a scan in pixels read alike."""
    rule_tolerance: float = 0.25  # ruling lines this close are one line; line ends this close touch
    rule_cover: float = 0.5       # a line runs along at least this share of a cell side to separate two cells
    line_overlap: float = 0.5     # two words on one line overlap vertically by this share of the lower one
    cell_gap: float = 0.8         # a gap this wide parts a table row's amounts from its label (a sentence's do not)
    margin: float = 0.08          # share of the page height, top and bottom, where running headers and page numbers are
    repeated: float = 0.5         # a margin line on this share of the pages (2 at least) is a running header
    cover_pages: int = 3          # pages a report may print before its page 1 (a bare page number is up to this behind)
    header_lines: int = 6         # lines read as an unruled table's headers, above its first value row
    header_gap: float = 3.0       # a vertical gap this wide ends those headers
    spaced_header: float = 1.0    # a single character this close to the next header word is letter-spaced (`总  计`)
    straddle: float = 0.25        # an amount reaching this far into the next column is placed in neither
    skew: float = 0.001           # a page whose lines drop more than this per unit across is levelled first (0.06°)
    skew_span: float = 5.0        # lines at least this long tell the page's tilt
    skew_noise: float = 0.1       # words of a line rise and fall this much untilted (OCR boxes)
    join_tolerance: float = 1.0   # a table opening a page continues the last page's when their edges are this close

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not (value > 0 or f.name == "cover_pages" and value == 0):
                raise ValueError(f"Settings.{f.name} must be positive, not {value!r}")
        for name in ("rule_cover", "line_overlap", "margin", "repeated"):
            if getattr(self, name) > 1:
                raise ValueError(f"Settings.{name} is a share: at most 1, not {getattr(self, name)!r}")


SETTINGS = Settings()

# Page numbers, in the page margins: `- 4 -`, `— 5 —`, `第 4 页`, `第4页 共5页`, `Page 4`; and a
# bare `4` or `4 / 5` when it is about the page's own number (a cover may go unnumbered): a
# value alone on the last line of a page is not taken for one.
_PAGE_NUMBER = regex.compile(
    r"^\s*(?:[-—–]{1,2}\s*\d{1,3}\s*[-—–]{1,2}|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|(?:page|p\.)\s*\d{1,3}(?:\s*of\s*\d{1,3})?)\s*$", regex.I)
_BARE_PAGE_NUMBER = regex.compile(r"^\s*(\d{1,3})(?:\s*/\s*\d{1,3})?\s*$")
_DIGITS = regex.compile(r"\d+")
_NUMBER_END = regex.compile(r"(?<![\p{Han}\p{L}])[\d.,]+$")
_WIDE = regex.compile(r"[\p{Han}\u3000-\u303f\uff00-\uffef“”‘’、，。：；！？（）《》]")


def page_box(page: int, x0: float, top: float, x1: float, bottom: float) -> str:
    """Where a cell's words are, as a value's `where` says it: `page 3 (x0,top,x1,bottom)`."""
    return f"page {page} ({x0:.0f},{top:.0f},{x1:.0f},{bottom:.0f})"


def read_pages(pages: list[Page], kind: str, encoding: str, settings: Settings = SETTINGS,
               where: Callable[[int, float, float, float, float], str] = page_box) -> Document:
    """The pages' rows; each cell's anchor says `where(page, x0, top, x1, bottom)` of its words."""
    laid = [_lay_out(page, settings) for page in pages]
    running = _running_headers(laid, settings)
    out = _Writer(settings, where)
    carried: cols.Columns | None = None
    for page in laid:
        page.lines = [ln for ln in page.lines if not _is_furniture(page, ln, running, settings)]
        carried = _write_page(out, page, carried, settings)
    out.close_table()
    return Document(out.b.text(), out.rows, kind, encoding, out.b.anchors)


@dataclass
class _Laid:
    """A page taken apart: its ruled tables with their cells' words, and its other lines."""
    page: Page
    em: float                         # the text height everything is measured in
    tables: list[RuledTable]
    cell_words: list[list[list[Word]]]  # per table, per cell
    lines: list[list[Word]]


def _lay_out(page: Page, settings: Settings) -> _Laid:
    words = [w for w in page.words if w.text.strip()]
    em = statistics.median(w.bottom - w.top for w in words) if words else page.height / 60
    rules = page.rules
    slope = _slope(lines_of(words, settings.line_overlap), settings.skew_span * em, settings.skew_noise * em)
    if abs(slope) > settings.skew:
        words, rules = _level(page, words, rules, slope)
    tables = find_tables(rules, settings.rule_tolerance * em, settings.rule_cover)
    cell_words: list[list[list[Word]]] = [[[] for _ in t.cells] for t in tables]
    free = []
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        for t, table in enumerate(tables):
            i = table.cell_at(cx, cy)
            if i is not None:
                cell_words[t][i].append(w)
                break
        else:
            free.append(w)
    return _Laid(page, em, tables, cell_words, lines_of(free, settings.line_overlap))


def _slope(lines: list[list[Word]], span: float, noise: float) -> float:
    """How far the page's lines drop per unit to the right (a scan's tilt): the median over
    the lines at least `span` long, of the slope through their words' centres, if levelling by
    it straightens most of them (by more than `noise`, the words' own unevenness)."""
    slopes, centres = [], []
    for line in lines:
        xs = [(w.x0 + w.x1) / 2 for w in line]
        if len(line) < 2 or max(xs) - min(xs) < span:
            continue
        ys = [(w.top + w.bottom) / 2 for w in line]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
                      / sum((x - mx) ** 2 for x in xs))
        centres.append([(x - mx, y - my) for x, y in zip(xs, ys, strict=True)])
    if len(slopes) < 3:
        return 0.0
    slope = statistics.median(slopes)
    # A tilt straightens every line. Words of neighbouring table cells printed at different
    # heights (a label wrapped over two lines beside its value) give slopes too, of any sign:
    # levelling by their median would straighten some lines and bend as many others.
    better = worse = 0
    for points in centres:
        before = max(y for _, y in points) - min(y for _, y in points)
        after = max(y - slope * x for x, y in points) - min(y - slope * x for x, y in points)
        better += after + noise < before
        worse += after > before + noise
    return slope if better >= 3 and better > 2 * worse else 0.0


def _level(page: Page, words: list[Word], rules: list, slope: float) -> tuple[list[Word], list]:
    """Words and rules turned about the page's centre until its lines are level. A word keeps
    its size: its centre moves."""
    cos, sin = 1 / math.hypot(1, slope), -slope / math.hypot(1, slope)
    cx, cy = page.width / 2, page.height / 2

    def turn(x: float, y: float) -> tuple[float, float]:
        return cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos

    level = []
    for w in words:
        x, y = turn((w.x0 + w.x1) / 2, (w.top + w.bottom) / 2)
        half_w, half_h = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        level.append(Word(w.text, x - half_w, y - half_h, x + half_w, y + half_h, w.confidence))
    turned = []
    for x0, top, x1, bottom in rules:
        (ax, ay), (bx, by) = turn(x0, top), turn(x1, bottom)
        turned.append((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return level, turned


def lines_of(words: list[Word], overlap: float) -> list[list[Word]]:
    """Words grouped into lines, top to bottom, each left to right. A word joins the line whose
    last word it overlaps most vertically (at least `overlap` of the lower of the two), so a
    line may drift a little up or down across the page."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.x0, w.top)):
        best, best_share = None, overlap
        for line in lines:
            last = line[-1]  # (OCR boxes may overlap it: Tesseract boxes `信息` over all of 信息内容)
            share = (min(last.bottom, w.bottom) - max(last.top, w.top)) / max(
                min(last.bottom - last.top, w.bottom - w.top), 1e-9)
            if share >= best_share:
                best, best_share = line, share
        if best is None:
            lines.append([w])
        else:
            best.append(w)
    return sorted(lines, key=lambda ln: (statistics.median(w.top for w in ln), ln[0].x0))


def join(words: list[Word], overlap: float) -> str:
    """The words' text in reading order: lines top to bottom; Chinese runs joined as written,
    anything else apart by a space."""
    parts: list[str] = []
    above: list[Word] = []
    for line in lines_of(words, overlap):
        for i, w in enumerate(line):
            chinese = parts and _WIDE.match(parts[-1][-1]) and _WIDE.match(w.text[0])
            if parts and not chinese and not (i == 0 and _wraps(above, line)):
                parts.append(" ")
            parts.append(w.text)
        above = line
    return "".join(parts)


def _wraps(above: list[Word], line: list[Word]) -> bool:
    """A number wrapped in a narrow cell (`2` over `6`): the line above ends in digits, this one
    starts with one, and both start (or are centred) at the same place. Numbers side by side in
    one cell (a missing rule joined two) do not."""
    if not above or not _NUMBER_END.search(above[-1].text) or not line[0].text[0].isdigit():
        return False
    near = 0.5 * (line[0].bottom - line[0].top)
    a0, a1, b0, b1 = above[0].x0, above[-1].x1, line[0].x0, line[-1].x1
    return abs(a0 - b0) < near or abs((a0 + a1) - (b0 + b1)) / 2 < near


def _line_text(line: list[Word], settings: Settings) -> str:
    return fold(join(line, settings.line_overlap))


def _in_margin(laid: _Laid, line: list[Word], settings: Settings) -> bool:
    band = settings.margin * laid.page.height
    return max(w.bottom for w in line) <= band or min(w.top for w in line) >= laid.page.height - band


def _running_headers(laid: list[_Laid], settings: Settings) -> set[str]:
    """Margin lines printed on many pages (their numbers aside): the report's name, the
    agency's."""
    seen: Counter[str] = Counter()
    for page in laid:
        seen.update({_DIGITS.sub("#", _line_text(ln, settings)) for ln in page.lines if _in_margin(page, ln, settings)})
    least = max(2, settings.repeated * len(laid))
    return {text for text, n in seen.items() if n >= least}


def _is_furniture(laid: _Laid, line: list[Word], running: set[str], settings: Settings) -> bool:
    if not _in_margin(laid, line, settings):
        return False
    text = _line_text(line, settings)
    bare = _BARE_PAGE_NUMBER.match(text)
    if bare:
        return 0 <= laid.page.number - int(bare.group(1)) <= settings.cover_pages
    return bool(_PAGE_NUMBER.match(text)) or _DIGITS.sub("#", text) in running


class _Writer:
    """The document being written: its text (with anchors) and its rows. A ruled table is kept
    open until something else is written, so that its continuation on the next page joins it."""

    def __init__(self, settings: Settings, where: Callable[[int, float, float, float, float], str]):
        self.b = TextBuilder()
        self.where = where
        self.rows: list[Row] = []
        self.page = 0
        self.settings = settings
        self._started = False
        self._table: _OpenTable | None = None

    def cell(self, words: list[Word]) -> Cell:
        if not words:
            return self.b.cell("", "")
        x0, top = min(w.x0 for w in words), min(w.top for w in words)
        x1, bottom = max(w.x1 for w in words), max(w.bottom for w in words)
        where = self.where(self.page, x0, top, x1, bottom)
        confidences = [w.confidence for w in words if w.confidence is not None]
        return self.b.cell(join(words, self.settings.line_overlap), where, min(confidences) if confidences else None)

    def line(self):
        """Start a line of the text: each row is one."""
        if self._started:
            self.b.newline()
        self._started = True

    def row(self, cells: list[list[Word]], grid: bool):
        """One row of a page's lines, its cells tab-separated on a line of the text."""
        self.close_table()
        self.line()
        written = []
        for i, words in enumerate(cells):
            if i:
                self.b.tab()
            written.append(self.cell(words))
        self.rows.append(Row(written, grid=grid, table=grid))

    def table(self, table: RuledTable, words: list[list[Word]], em: float, continues: bool):
        """A ruled table's cells (`words`: each cell's), row by row. `continues`: the table
        opens its page and the previous page ended in a table: when their edges line up, this
        one carries it on."""
        near = self.settings.join_tolerance * em
        t = self._table
        if not (continues and t is not None and abs(t.xs[0] - table.xs[0]) <= near
                and abs(t.xs[-1] - table.xs[-1]) <= near):
            self.close_table()
            t = self._table = _OpenTable([], [], self.settings.rule_tolerance * em)
        t.xs.extend(table.xs)
        for r in range(len(table.ys) - 1):
            cells = [(i, c) for i, c in enumerate(table.cells) if c.row == r]
            row = []
            self.line()
            for k, (i, c) in enumerate(cells):
                if k:
                    self.b.tab()
                row.append((self.cell(words[i]), c.box[0], c.box[2], c.rowspan))
            t.rows.append(row)

    def close_table(self):
        if self._table is not None:
            self.rows.extend(self._table.grid_rows())
            self._table = None


@dataclass
class _OpenTable:
    """A ruled table's rows, perhaps from several pages: each cell with its left and right
    edge, laid on the columns of all its parts at the end."""
    rows: list[list[tuple[Cell, float, float, int]]]
    xs: list[float]
    tol: float

    def grid_rows(self) -> list[Row]:
        edges: list[float] = []
        for x in sorted(self.xs):
            if not edges or x - edges[-1] > self.tol:
                edges.append(x)

        def col(x: float) -> int:
            return min(range(len(edges)), key=lambda i: abs(edges[i] - x))

        return grid_rows([[Slot(cell, max(1, col(x1) - col(x0)), rowspan) for cell, x0, x1, rowspan in row]
                          for row in self.rows])


def _write_page(out: _Writer, laid: _Laid, carried: cols.Columns | None, settings: Settings) -> cols.Columns | None:
    """The page's ruled tables and runs of lines between them, top to bottom. `carried`: the
    columns of an unruled table the previous page ended in, for lines that open this page;
    returns those this page ends in."""
    out.page = laid.page.number
    for n, (lines, t) in enumerate(_blocks(laid)):
        if t is not None:
            out.table(laid.tables[t], laid.cell_words[t], laid.em, continues=n == 0)
            carried = None
            continue
        rows, carried = cols.table_rows(lines, laid.em, settings, carried if n == 0 else None)
        for r in rows:
            out.row(r.cells, r.grid)
    return carried


def _blocks(laid: _Laid) -> list[tuple[list[list[Word]], int | None]]:
    """The page in reading order: (lines, None) for a run of lines, ([], t) for ruled table t."""
    blocks: list[tuple[list[list[Word]], int | None]] = []
    lines = list(laid.lines)
    for t in sorted(range(len(laid.tables)), key=lambda t: laid.tables[t].ys[0]):
        top = laid.tables[t].ys[0]
        # lines are ordered by their words' median top: one reaching above the table (a tall
        # word) may come after one that does not, so the lines are parted, not sliced
        above = [ln for ln in lines if min(w.top for w in ln) < top]
        if above:
            blocks.append((above, None))
            lines = [ln for ln in lines if min(w.top for w in ln) >= top]
        blocks.append(([], t))
    if lines:
        blocks.append((lines, None))
    return blocks
