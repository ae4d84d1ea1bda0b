"""HTML pages → rows of cells, with spans into the page source.

A regular-expression tokenizer walks the page once (tags, comments, declarations, text,
entities), tolerant of Word-pasted markup, unclosed tags and site chrome, and hands each token
with its exact source offset to `_RowBuilder`; `&nbsp;` and friends are folded to spaces
without moving offsets. (The standard library's `html.parser` did the same walk ten times
slower: it was most of the time spent on a crawled page.)

Each `<table>`'s `<td>`/`<th>` texts, with their `colspan` and `rowspan`, go to `layouts.grid`,
which lays the spans out and drops Word's phantom columns, so value columns stay aligned.
Outside tables every block element (`p`, `div`, `br`, headings, `li`) ends a prose line. A
table with a table inside one of its cells lays out the page: its own cells are read as prose,
its nested tables as tables.
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right

from xxgk.extract.document import Cell, Row
from xxgk.extract.layouts import text as text_layout
from xxgk.extract.layouts.grid import MAX_SPAN, Slot, grid_rows
from xxgk.extract.layouts.text import plain_row

_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article",
          "header", "footer", "title", "ul", "ol", "center", "blockquote", "hr"}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "select"}
_RAW_TEXT = {"script", "style"}  # their content is not markup: skipped to the closing tag
# the tags that make rows, cells and lines; any other (span, font, b, a, o:p …) is inline
_HANDLED = _BLOCK | _SKIP | {"table", "tr", "td", "th", "pre"}
_IN_TABLE = _SKIP | {"table", "tr", "td", "th"}  # the ones that do in a data table (a <p> in a cell does not)

# the standard library's re: on this pattern three times faster than the regex module
_TOKEN = re.compile(r"""
      <!--.*?(?:-->|\Z)                                         # a comment
    | <[!?][^>]*>?                                              # doctype, CDATA, processing instruction
    | <(?P<end>/)?(?P<tag>[A-Za-z][A-Za-z0-9:_-]*)(?P<attrs>[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>?
    """, re.S | re.X)
_RAW_END = {tag: re.compile(rf"</{tag}\s*>", re.I) for tag in _RAW_TEXT}
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
_SPAN = {name: re.compile(rf"""\b{name}\s*=\s*["']?\s*([^\s"'>]*)""", re.I) for name in ("colspan", "rowspan")}


class _Fragment:
    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end = text, start, end


def _join(frags: list[_Fragment], at: int = 0) -> Cell:
    """The cell of these fragments; an empty one sits at `at` (right after its opening tag)."""
    text = "".join(f.text for f in frags)
    if not text.strip():
        start = frags[0].start if frags else at
        return Cell("", start, start)
    # span from the first to the last fragment holding non-space text
    solid = [f for f in frags if f.text.strip()]
    return Cell(" ".join(text.split()), solid[0].start, solid[-1].end)


class _RowBuilder:
    def __init__(self, source: str):
        self.source = source
        self.rows: list[Row] = []
        self.skip = 0
        self.tables: list[_Table] = []   # the open <table>s, innermost last
        self.row_cells: list[Slot] | None = None
        self.cell: list[_Fragment] | None = None
        self.cell_spans = (1, 1)  # the open cell's colspan and rowspan
        self.cell_at = 0   # where the open cell's content starts
        self.pos = 0       # the end of the token being handled
        self.prose: list[_Fragment] = []
        # outside any table, or inside a layout table (between its nested data tables)
        self.in_prose = True

    def feed(self, source: str):
        pos: int | None = 0
        while pos is not None:
            pos = self._walk(source, pos)

    def _walk(self, source: str, start: int) -> int | None:
        """Tokens from `start` on, to the end, or to the raw text of a script or style element:
        then the offset of its closing tag, to walk on from."""
        pos = start
        for m in _TOKEN.finditer(source, start):
            begin = m.start()
            if begin > pos:
                self._data(pos, begin)
            pos = m.end()
            end, tag, attrs = m.groups()
            if tag is None:
                continue  # comments and declarations say nothing
            tag = tag.lower()
            if tag not in (_HANDLED if self.in_prose else _IN_TABLE):
                continue  # inline markup: no row, cell or line ends here
            self.pos = pos
            if end:
                self.handle_endtag(tag)
            elif attrs.rstrip().endswith("/"):
                self.handle_startendtag(tag)
            else:
                self.handle_starttag(tag, attrs)
                if tag in _RAW_TEXT:
                    close = _RAW_END[tag].search(source, pos)
                    return close.start() if close else None
        if pos < len(source):
            self._data(pos, len(source))
        return None

    def _data(self, start: int, end: int):
        """Text between tags: plain runs and entities, each a fragment at its own offset."""
        sink = self._sink()
        if sink is None:
            return
        source = self.source
        if source.find("&", start, end) < 0:  # most text holds no entity
            sink.append(_Fragment(source[start:end], start, end))
            return
        pos = start
        for m in _ENTITY.finditer(source, start, end):
            if m.start() > pos:
                sink.append(_Fragment(source[pos:m.start()], pos, m.start()))
            sink.append(_Fragment(_entity(m.group()), m.start(), m.end()))  # covering the whole entity
            pos = m.end()
        if pos < end:
            sink.append(_Fragment(source[pos:end], pos, end))

    def _sink(self) -> list[_Fragment] | None:
        """Where text goes: the open cell, the prose line, or nowhere (a script, between cells)."""
        if self.skip:
            return None
        if self.cell is not None:
            return self.cell
        return self.prose if self.in_prose else None

    # -- prose
    def _flush_prose(self, preformatted: bool = False):
        frags, self.prose = self.prose, []
        if not frags:
            return
        text = "".join([f.text for f in frags])
        if not text.strip():
            return
        if preformatted:
            # <pre> keeps a text report's own lines, tabs and pipes: read it as text
            for row in text_layout.read_rows(_Mapped(frags)):
                row.cells = [_remap(frags, c) for c in row.cells]
                self.rows.append(row)
            return
        # Re-read the prose line as plain text so numbers in it split off like in text layers.
        joined = _join(frags)
        row = plain_row(_Mapped(frags), 0, len(text))
        row.cells = [c for c in (_remap(frags, c) for c in row.cells) if c.text]
        if row.cells:
            self.rows.append(row)
        elif joined.text:
            self.rows.append(Row([joined]))

    # -- where we are
    def _open_table(self):
        self.tables.append(_Table())
        self.in_prose = False

    def _close_table(self) -> _Table:
        table = self.tables.pop()
        self.in_prose = not self.tables or self.tables[-1].layout
        return table

    # -- handlers
    def handle_starttag(self, tag: str, attrs: str):
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            if self.tables and self.cell is not None:
                # a table inside a cell: the outer table only lays out the page
                self.prose, self.cell, self.row_cells = self.cell, None, None
                outer = self.tables[-1]
                outer.layout = True
                self.rows.extend(grid_rows(outer.rows))  # its rows before the nested table
                outer.rows = []
            self._flush_prose()
            self._open_table()
        elif self.in_prose:
            if tag in _BLOCK or tag in ("tr", "td", "th"):
                self._flush_prose()
        elif tag == "tr":
            self._end_row()
            self.row_cells = []
        elif tag in ("td", "th"):
            if self.row_cells is None:
                self.row_cells = []
            self._end_cell()
            self.cell = []
            self.cell_at = self.pos
            self.cell_spans = _spans(attrs)

    def handle_startendtag(self, tag: str):
        if tag in _BLOCK and self.in_prose and not self.skip:
            self._flush_prose()

    def handle_endtag(self, tag: str):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "table" and self.tables:
            self._end_row()
            self._flush_prose()
            self.rows.extend(grid_rows(self._close_table().rows))
        elif self.in_prose:
            if tag == "pre" and not self.tables:
                self._flush_prose(preformatted=True)
            elif tag in _BLOCK or tag in ("tr", "td", "th"):
                self._flush_prose()
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()

    def _end_cell(self):
        if self.cell is None:
            return
        if self.row_cells is None:
            self.row_cells = []
        self.row_cells.append(Slot(_join(self.cell, self.cell_at), *self.cell_spans))
        self.cell = None
        self.cell_spans = (1, 1)

    def _end_row(self):
        self._end_cell()
        if self.row_cells is not None and self.tables:
            # kept even when empty: a cell above may span into it
            self.tables[-1].rows.append(self.row_cells)
        self.row_cells = None

    def close(self):
        self._end_row()
        self._flush_prose()


class _Table:
    __slots__ = ("layout", "rows")

    def __init__(self):
        # True once a table turns up nested in one of its cells: this one only lays out the
        # page, and its cells are read as prose, not as a grid
        self.layout = False
        self.rows: list[list[Slot]] = []


def _spans(attrs: str) -> tuple[int, int]:
    """A cell's colspan and rowspan."""
    if "span" not in attrs.casefold():
        return 1, 1  # most cells span nothing
    return _span(attrs, "colspan"), _span(attrs, "rowspan")


def _span(attrs: str, name: str) -> int:
    m = _SPAN[name].search(attrs)
    span = m.group(1) if m else "1"
    # anything unreadable counts as 1, as in browsers
    return max(1, min(int(span), MAX_SPAN)) if span.isascii() and span.isdigit() else 1


def _entity(raw: str) -> str:
    text = html.unescape(raw)
    return " " if text.isspace() or text == "\u00a0" else text


class _Mapped(str):
    """The concatenated prose text; `_remap` maps its offsets back to source offsets."""

    def __new__(cls, frags):
        return super().__new__(cls, "".join(f.text for f in frags))


def _remap(frags: list[_Fragment], cell: Cell) -> Cell:
    """Turn a cell spanning concatenated-prose offsets into one spanning source offsets."""
    bounds, pos = [], 0
    for f in frags:
        bounds.append(pos)
        pos += len(f.text)

    def to_source(i: int, is_end: bool) -> int:
        k = max(0, bisect_right(bounds, i - (1 if is_end else 0)) - 1)
        f = frags[k]
        rel = i - bounds[k]
        if len(f.text) == f.end - f.start:
            return f.start + rel
        return f.end if is_end else f.start  # an entity: map to its whole span

    return Cell(" ".join(cell.text.split()), to_source(cell.start, False), to_source(cell.end, True))


def read_rows(source: str) -> list[Row]:
    builder = _RowBuilder(source)
    builder.feed(source)
    builder.close()
    return builder.rows
