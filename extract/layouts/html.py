"""HTML pages → rows of cells, with spans into the page source.

A regular-expression tokenizer walks the page once (tags, comments, declarations, text,
entities), tolerant of Word-pasted markup, unclosed tags and site chrome. Python sees only the
tags that make rows, cells and lines (`_up_to_tag`): the regex steps over inline tags (span,
font, o:p …) and comments itself and hands `_RowBuilder` each tag with the run of text before
it, whose one piece of text (the common case) it has already found; a run of several pieces is
split at its inline tags and entities (`_PIECE`), each piece at its exact source offset.
`&nbsp;` and friends are folded to spaces without moving offsets. (The standard library's
`html.parser` did the same walk ten times slower.)

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
from collections.abc import Iterator

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
# elements that hold others, which a style or an attribute may hide (`read_rows(shown_only=True)`)
_CONTAINERS = (_BLOCK - {"br", "hr"}) | {"table", "tr", "td", "th", "pre"}
_HIDES = re.compile(r"""display\s*:\s*none|visibility\s*:\s*hidden
                      | (?:^|\s)hidden(?=[\s=/]|$)                                   # the attribute
                      | \bclass\s*=\s*["'][^"']*?(?<![\w-])hidden(?![\w-])""",   # a class named so
                    re.I | re.X)

# The tokenizer's parts. Every token starts with "<"; a "<" that starts none is text.
_COMMENT = r"<!--.*?(?:-->|\Z)"
_DECLARATION = r"<[!?][^>]*+>?"  # doctype, CDATA, processing instruction
_TAG_REST = r"""[A-Za-z][A-Za-z0-9:_-]*+[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+>?"""  # name, attributes
_TOKEN_AHEAD = r"(?=<(?:[!?A-Za-z]|/[A-Za-z])|\Z)"
_STRAY_LT = r"<(?![!?A-Za-z]|/[A-Za-z])"  # a "<" that starts no token
_ENTITY = r"&(?:[#][0-9]{1,7};?|[#][xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)"
_RAW_END = {tag: re.compile(rf"</{tag}\s*>", re.I) for tag in _RAW_TEXT}


def _any_case(names: set[str]) -> str:
    """A pattern of these tag names in any case, grouped by first letter (the regex engine
    skips a group at its first letter)."""
    def letters(name: str) -> str:
        return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in name)

    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        groups.setdefault(name[0], []).append(letters(name[1:]))
    return "(?:" + "|".join(f"{letters(first)}(?:{'|'.join(rests)})" for first, rests in groups.items()) + ")"


def _up_to_tag(names: set[str]) -> re.Pattern:
    """The page from a position to the next tag named in `names` (or to its end): the run of
    text and inline markup before the tag (group 1), then the tag's `end` slash, `tag` name
    and `attrs`. The regex steps over inline tags and comments itself, so Python sees only the
    tags that matter here; every repetition is possessive, so the tokens are those a
    token-by-token walk finds. In the run, `p0` is where its first piece of text starts;
    `solid` is its first piece of text with more than ASCII spaces, the only one unless `more`
    matched."""
    inline = rf"<(?!/?{_any_case(names)}(?![A-Za-z0-9:_-]))/?{_TAG_REST} | {_COMMENT} | {_DECLARATION}"
    blank = rf"[ \t\r\n]++{_TOKEN_AHEAD}"
    return re.compile(rf"""
        ( (?: {inline} )*+ (?P<p0>)
          (?: {inline} | {blank} )*+ (?P<solid>[^<]++)? (?: {inline} | {blank} )*+
          (?P<more> (?: {inline} | [^<]++ | {_STRAY_LT} )++ )? )
        (?: <(?P<end>/)?(?P<tag>[A-Za-z][A-Za-z0-9:_-]*+)(?P<attrs>[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+)>?
          | \Z)""", re.S | re.X)


_UP_TO_HANDLED, _UP_TO_IN_TABLE, _UP_TO_SKIP = (_up_to_tag(names) for names in (_HANDLED, _IN_TABLE, _SKIP))

# A run's text a piece at a time: the markup before a piece is stepped over; a piece is an
# entity or plain text up to the next token or entity (none at the end: the run ends in markup).
_PIECE = re.compile(rf"""
    (?: {_COMMENT} | {_DECLARATION} | </?{_TAG_REST} )*+
    (?: (?P<entity>{_ENTITY}) | (?P<plain>(?: [^<&]++ | {_STRAY_LT} | &(?!{_ENTITY[1:]}) )++) | \Z)""", re.S | re.X)
# A superscript or subscript in a cell (a footnote mark, `11<sup>1</sup>`, `<sub>注</sub>`): its
# element, up to its closing tag across a few inline tags. In a cell that holds other text it
# is stepped over as markup: the digit of a mark glued on is a wrong number (111) no check sees.
_SU = "[sS][uU][pPbB](?![A-Za-z0-9:_-])"  # sup or sub, in any case
_RAISED = rf"<{_SU}[^>]*+>(?:[^<]{{1,24}}+|<(?!/?{_SU})[^>]*+>){{0,16}}?</{_SU}\s*+>"
_SU_TAG = re.compile("<" + _SU)
_PIECE_UNRAISED = re.compile(rf"""
    (?: {_RAISED} | {_COMMENT} | {_DECLARATION} | </?{_TAG_REST} )*+
    (?: (?P<entity>{_ENTITY}) | (?P<plain>(?: [^<&]++ | {_STRAY_LT} | &(?!{_ENTITY[1:]}) )++) | \Z)""", re.S | re.X)
_SPAN = {name: re.compile(rf"""\b{name}\s*=\s*["']?\s*([^\s"'>]*)""", re.I) for name in ("colspan", "rowspan")}


# A piece of a run's text and its span in the source: (text, start, end). An entity's text is
# what it stands for and its span covers all of it. (Tuples: a page has hundreds.)
_Fragment = tuple[str, int, int]


def _join(frags: list[_Fragment], at: int = 0) -> Cell:
    """The cell of these fragments; an empty one sits at `at` (right after its opening tag)."""
    text = "".join([t for t, _, _ in frags])
    if not text.strip():
        start = frags[0][1] if frags else at
        return Cell("", start, start)
    # span from the first to the last fragment holding non-space text
    solid = [(a, b) for t, a, b in frags if t.strip()]
    return Cell(" ".join(text.split()), solid[0][0], solid[-1][1])


def _pieces(source: str, pieces: re.Pattern, start: int, end: int) -> Iterator[_Fragment]:
    """The fragments of source[start:end]: each piece of plain text and each entity."""
    for m in pieces.finditer(source, start, end):
        kind = m.lastgroup
        if kind is not None:
            a, b = m.span(kind)
            yield (source[a:b] if kind == "plain" else _entity(source[a:b])), a, b


class _RowBuilder:
    def __init__(self, source: str, shown_only: bool = False, markdown: bool = False):
        self.source = source
        # markdown with HTML tables in it (what PDF→markdown tools write): its text between
        # the tables keeps its lines, pipes and marks, as a <pre> does
        self.markdown = markdown
        self.rows: list[Row] = []
        self.skip = 0
        # with `shown_only`, the hidden element being stepped over: its tag, and how deep in
        # elements of that tag we are (0: none)
        self.shown_only = shown_only
        self.hiding = ""
        self.hidden = 0
        self.tables: list[_Table] = []   # the open <table>s, innermost last
        self.row_cells: list[Slot] | None = None
        self.cell: list[re.Match] | None = None  # the open cell's runs of text (matches of _up_to_tag)
        self.cell_spans = (1, 1)  # the open cell's colspan and rowspan
        # the spans by cell attributes: a table's cells repeat a few sets (Word's per-column
        # widths and styles), and looking one up is cheaper than reading it
        self.spans: dict[str, tuple[int, int]] = {}
        self.cell_at = 0   # where the open cell's content starts
        self.tag_at = 0    # the start of the tag being handled
        self.pos = 0       # its end
        self.prose: list[re.Match] = []  # the prose line's runs
        # outside any table, or inside a layout table (between its nested data tables)
        self.in_prose = True

    def feed(self, source: str, pos: int = 0, end: int | None = None):
        """Walk source[pos:end] (to its end by default)."""
        end = len(source) if end is None else end
        while True:
            m = self._next_tag().match(source, pos, end)
            assert m is not None  # it matches anywhere: at worst an empty run, then the page's end
            # the run's text goes to the open cell, the prose line, or nowhere (a script,
            # between cells)
            if m.end(1) > pos and not self.skip and not self.hidden:
                if self.cell is not None:
                    self.cell.append(m)
                elif self.in_prose:
                    self.prose.append(m)
            tag = m["tag"]
            if tag is None:
                return  # the end of the page
            pos = self.pos = m.end()
            tag = tag.lower()
            self.tag_at = m.end(1)
            if m["end"]:
                self.handle_endtag(tag)
                continue
            attrs = m["attrs"]
            if attrs.rstrip().endswith("/"):
                self.handle_startendtag(tag)
                continue
            self.handle_starttag(tag, attrs)
            if tag in _RAW_TEXT:  # not markup: skipped to the closing tag
                close = _RAW_END[tag].search(source, pos, end)
                if close is None:
                    return
                pos = close.start()

    def _next_tag(self) -> re.Pattern:
        """The tags that matter where we are: in a script, a data table or prose."""
        if self.skip:
            return _UP_TO_SKIP
        return _UP_TO_HANDLED if self.in_prose or self.hidden else _UP_TO_IN_TABLE

    def _fragments(self, runs: list[re.Match], start: int | None = None) -> list[_Fragment]:
        """The runs' text: each piece of plain text and each entity a fragment at its offset;
        from `start` in the first run if given, else from its first piece."""
        frags: list[_Fragment] = []
        for run in runs:
            # the markup before a run's first piece is stepped over by the match already
            begin = run.start("p0") if start is None else start
            start = None
            frags.extend(_pieces(self.source, _PIECE, begin, run.end(1)))
        return frags

    def _unraised(self, runs: list[re.Match]) -> list[_Fragment] | None:
        """The runs' text without their superscripts and subscripts (`_RAISED`), when they have
        some and other text besides; else None."""
        if not any(_SU_TAG.search(self.source, r.start(1), r.end(1)) for r in runs):
            return None
        # from each run's start: the match may have stepped over a superscript's opening tag
        frags = [f for r in runs for f in _pieces(self.source, _PIECE_UNRAISED, r.start(1), r.end(1))]
        return frags if any(t.strip() for t, _, _ in frags) else None

    def _cell_of(self, runs: list[re.Match], at: int) -> Cell:
        """The open cell's Cell; an empty one sits at its first piece of text, else at `at`."""
        if not runs:
            return Cell("", at, at)
        first = runs[0]
        a, b = first.span("solid")
        text = self.source[a:b] if a >= 0 else ""
        # its first piece with more than ASCII spaces holds text as it stands (an entity
        # there may stand for a space)
        holds_text = bool(text) and not text.isspace() and "&" not in text
        if _solid(runs, self.source):
            if holds_text:
                return Cell(" ".join(text.split()), a, b)
            p0 = first.start("p0")
            start = p0 if p0 < first.end(1) else at
            return Cell("", start, start)
        if (unraised := self._unraised(runs)) is not None:
            return _join(unraised)
        if holds_text:
            # the blank pieces before that one add nothing to a cell that holds text
            return _join(self._fragments(runs, a))
        return _join(self._fragments(runs), at)

    # -- prose
    def _flush_prose(self, preformatted: bool = False):
        preformatted = preformatted or self.markdown
        runs, self.prose = self.prose, []
        if not runs:
            return
        # spaces around the text are no matter to a line, but are to <pre>
        if not preformatted and _solid(runs, self.source):
            a, b = runs[0].span("solid")
            frags = [(self.source[a:b], a, b)] if a >= 0 else []
        else:  # (a table typed as lines of text has its footnote marks too: `规章 0 0 11<sup>1</sup>`)
            frags = self._unraised(runs) or self._fragments(runs)
        if not frags:
            return
        text = "".join([t for t, _, _ in frags])
        if not text.strip():
            return
        if preformatted:
            # <pre> keeps a text report's own lines, tabs and pipes: read it as text
            remap = _remapper(frags)
            for row in text_layout.read_rows(_Mapped(frags)):
                row.cells = [remap(c) for c in row.cells]
                self.rows.append(row)
            return
        if text_layout.page_footer(text):  # a page's number between two parts of a table
            return
        # Re-read the prose line as plain text so numbers in it split off like in text layers:
        # in place when it is one piece of the source as it stands (most lines), else mapped
        if len(frags) == 1 and frags[0][2] - frags[0][1] == len(text):
            row = plain_row(self.source, frags[0][1], frags[0][2])
            row.cells = [Cell(" ".join(c.text.split()), c.start, c.end) for c in row.cells]
        else:
            row = plain_row(_Mapped(frags), 0, len(text))
            remap = _remapper(frags)
            row.cells = [remap(c) for c in row.cells]
        row.cells = [c for c in row.cells if c.text]
        if row.cells:
            self.rows.append(row)
        else:
            joined = _join(frags)
            if joined.text:
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
        if self.skip or self._hidden_start(tag, attrs):
            return
        if tag == "table":
            if self.tables and self.cell is not None:
                # a table inside a cell: the outer table only lays out the page
                outer = self.tables[-1]
                outer.layout = True
                self.rows.extend(grid_rows(outer.rows))  # its rows before the nested table
                outer.rows = []
                # the cell so far read again as prose: in a data table its paragraphs and line
                # breaks were stepped over (a page's whole text before its first table, there)
                self.rows.extend(_prose_rows(self.source, self.cell_at, self.tag_at, self.shown_only, self.markdown))
                self.cell = self.row_cells = None
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
            spans = self.spans.get(attrs)
            if spans is None:
                spans = self.spans[attrs] = _spans(attrs)
            self.cell_spans = spans

    def handle_startendtag(self, tag: str):
        if tag in _BLOCK and self.in_prose and not self.skip and not self.hidden:
            self._flush_prose()

    def _hidden_start(self, tag: str, attrs: str) -> bool:
        """Whether the tag opens or lies in a hidden element (only with `shown_only`)."""
        if self.hidden:
            self.hidden += tag == self.hiding
            return True
        if self.shown_only and tag in _CONTAINERS and _HIDES.search(attrs):
            self._flush_prose()  # (it ends the line before it, as any block does)
            self.hiding, self.hidden = tag, 1
            return True
        return False

    def handle_endtag(self, tag: str):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.hidden:
            self.hidden -= tag == self.hiding
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
        self.row_cells.append(Slot(self._cell_of(self.cell, self.cell_at), *self.cell_spans))
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


def _solid(runs: list[re.Match], source: str) -> bool:
    """Whether the runs are one run of one piece of text and ASCII spaces (the common case):
    its `solid` group holds all their text."""
    if len(runs) != 1 or runs[0]["more"] is not None:
        return False
    a, b = runs[0].span("solid")
    # an entity would be a piece of its own; only the solid text, not the markup, can hold one
    return a < 0 or source.find("&", a, b) < 0


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
    """The concatenated prose text; `_remapper` maps its offsets back to source offsets."""

    def __new__(cls, frags):
        return super().__new__(cls, "".join([t for t, _, _ in frags]))


def _remapper(frags: list[_Fragment]):
    """A function turning a cell spanning concatenated-prose offsets into one spanning source
    offsets (the fragments' bounds worked out once: a markdown file's prose between two tables
    is one run of thousands of fragments)."""
    bounds, pos = [], 0
    for text, _, _ in frags:
        bounds.append(pos)
        pos += len(text)

    def to_source(i: int, is_end: bool) -> int:
        k = max(0, bisect_right(bounds, i - (1 if is_end else 0)) - 1)
        text, start, end = frags[k]
        rel = i - bounds[k]
        if len(text) == end - start:
            return start + rel
        return end if is_end else start  # an entity: map to its whole span

    def remap(cell: Cell) -> Cell:
        return Cell(" ".join(cell.text.split()), to_source(cell.start, False), to_source(cell.end, True))

    return remap


def _prose_rows(source: str, start: int, end: int, shown_only: bool, markdown: bool) -> list[Row]:
    """The rows of source[start:end], a stretch of a page with no table in it."""
    builder = _RowBuilder(source, shown_only, markdown)
    builder.feed(source, start, end)
    builder.close()
    return builder.rows


def read_rows(source: str, shown_only: bool = False, markdown: bool = False) -> list[Row]:
    """The page's rows; with `shown_only`, not those of elements hidden by their style or
    attribute (`display:none`, `visibility:hidden`, `hidden`); with `markdown`, the text between
    its tags read as lines of text."""
    builder = _RowBuilder(source, shown_only, markdown)
    builder.feed(source)
    builder.close()
    return builder.rows
