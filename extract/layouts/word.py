"""A Word document's body (WordprocessingML) → rows of cells, and the text they are spans of.

Word has no text of its own to point into, so the walk writes one with `TextBuilder`: every
paragraph line and every table cell is appended with where it came from ("paragraph 12",
"table 2 row 5 cell 3"), rows separated by newlines and cells by tabs.

The body is walked once in document order. A paragraph is a prose line (one per line break),
re-read by `layouts.text.plain_row` so its numbers split off as in a text layer; its automatic
list number (一、 （三）) is written before it, as Word shows it. Text boxes are read after the
paragraph that anchors them, and its pictures noted where they stand (`formats.word` has OCR
read those that may be tables). A table's cells become `Slot`s with Word's spans (`w:gridSpan`,
`w:vMerge` restart/continue, `w:gridBefore`) and go to `layouts.grid`. A table with a table in
one of its cells only lays out the page: its cells are read as prose, the inner tables as
tables, as `layouts.html` does; so is a table of one cell per row (a box around the text).

What Word does not show is not read: deleted revisions, field codes, the VML copy of a shape
that also has a DrawingML one, hidden text (`w:vanish`, on the run or through its styles:
`_RunStyles`). Headers and footers are other parts, never walked.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from xxgk.extract.document import Anchor, Cell, Row, TextBuilder
from xxgk.extract.layouts.grid import MAX_SPAN, Slot, grid_rows
from xxgk.extract.layouts.list_numbers import ListNumbers, W
from xxgk.extract.layouts.text import plain_row

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

_P, _TBL, _TR, _TC = W + "p", W + "tbl", W + "tr", W + "tc"
_TEXT = W + "t"
_TABS = {W + "tab", W + "ptab"}
_BREAKS = {W + "br", W + "cr"}
_HYPHEN = W + "noBreakHyphen"
_TEXT_BOX = W + "txbxContent"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# a picture (DrawingML's blip, VML's imagedata) → the attribute naming its image part
_PICTURES = {"{http://schemas.openxmlformats.org/drawingml/2006/main}blip": _R + "embed",
             "{urn:schemas-microsoft-com:vml}imagedata": _R + "id"}
_VAL = W + "val"
_RUN, _RUN_PROPS, _VANISH, _SPEC_VANISH = W + "r", W + "rPr", W + "vanish", W + "specVanish"
_VERT_ALIGN = W + "vertAlign"
# wrappers a table's rows or a row's cells may sit in
_ROW_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins"}
# Subtrees holding text Word does not show, or no text at all: never descended into.
_HIDDEN = {W + "del", W + "moveFrom", W + "delText", W + "instrText", W + "delInstrText",
           _MC + "Fallback",  # the VML copy of a DrawingML shape: its text box would be read twice
           W + "pPr", W + "rPr", W + "tblPr", W + "tblGrid", W + "trPr", W + "tcPr", W + "sdtPr",
           W + "sectPr", W + "footnoteReference", W + "endnoteReference", W + "commentReference"}


def read_body(body, numbers: ListNumbers | None = None,
              styles=None) -> tuple[str, list[Row], list[Anchor], list[tuple[int, str]]]:
    """The synthesised text, the rows in reading order, the text's anchors, and the pictures:
    (offset in the text where each stands, the relationship id of its image). `styles` is the
    styles part (`w:styles`), for the text its styles hide."""
    walk = _Walk(numbers or ListNumbers(), _RunStyles(styles))
    walk.blocks(body)
    text = walk.builder.text()
    rows = [_prose_row(text, x) if isinstance(x, tuple) else x for x in walk.out]
    return text, rows, walk.builder.anchors, walk.pictures


def _prose_row(text: str, span: tuple[int, int]) -> Row:
    """A paragraph line read as a text layer reads it: numbers split off the label."""
    row = plain_row(text, *span)
    row.cells = [c for c in row.cells if c.text]
    return row if row.cells else Row([Cell(text[span[0]:span[1]], *span)])


class _Walk:
    def __init__(self, numbers: ListNumbers, run_styles: _RunStyles):
        self.builder = TextBuilder()
        self.numbers = numbers
        self.run_styles = run_styles
        # rows in reading order; a prose line is its span until the whole text is written
        self.out: list[Row | tuple[int, int]] = []
        self.paragraphs = 0
        self.tables = 0
        self.pictures: list[tuple[int, str]] = []

    def blocks(self, parent):
        """Paragraphs and tables under `parent`, through content controls, custom XML and
        inserted revisions."""
        for child in parent:
            tag = child.tag
            if tag == _P:
                self.paragraph(child)
            elif tag == _TBL:
                self.table(child)
            elif isinstance(tag, str) and tag not in _HIDDEN:  # comments and PIs have no str tag
                self.blocks(child)

    def paragraph(self, p):
        self.paragraphs += 1
        where = f"paragraph {self.paragraphs}"
        text, anchored = paragraph_text(p, self.numbers, self.run_styles)
        for line in text.split("\n"):
            cell = self.builder.cell(line, where)
            if cell.text:
                self.out.append((cell.start, cell.end))
                self.builder.newline()
        for element in anchored:
            if element.tag == _TEXT_BOX:
                self.blocks(element)
            else:
                self.picture(element)

    def picture(self, element):
        """A picture stands where the text has got to: its rows, if OCR reads a table in it, go
        there (`formats.scan.embed`)."""
        image = element.get(_PICTURES[element.tag])
        if image:  # (a picture linked from outside the file has none)
            self.pictures.append((self.builder.end, image))

    def table(self, tbl):
        self.tables += 1
        if _lays_out(tbl):
            for tr in _own(tbl, _TR):
                for tc in _own(tr, _TC):
                    self.blocks(tc)
            return
        where = f"table {self.tables} row {{}} cell {{}}"
        table: list[list[Slot]] = []
        for r, row in enumerate(_word_grid(tbl), 1):
            # cells Word skips at the row's start (w:gridBefore) hold the row's first columns
            slots = [Slot(self.builder.cell("", ""), row.before)] if row.before else []
            for k, pos in enumerate(p for p in row.cells if not p.covered):
                if k:
                    self.builder.tab()
                cell = self.builder.cell(self.cell_text(pos.tc), where.format(r, pos.index))
                slots.append(Slot(cell, pos.colspan, pos.rowspan))
            self.builder.newline()
            table.append(slots)
        self.out.extend(grid_rows(table))

    def cell_text(self, tc) -> str:
        """All the cell's paragraphs (and its text boxes') on one line."""
        parts = []
        for p in _own(tc, _P):
            text, anchored = paragraph_text(p, self.numbers, self.run_styles)
            parts.append(text)
            for element in anchored:
                if element.tag == _TEXT_BOX:
                    parts.append(self.cell_text(element))
                else:
                    self.picture(element)
        return " ".join(parts).replace("\n", " ")


def _lays_out(tbl) -> bool:
    """A table that frames the page rather than holding a table: one with a table in a cell,
    or with one cell per row (a box around the narrative, a column of boxes). The form's
    tables have a label column and value columns."""
    if next(tbl.iterdescendants(_TBL), None) is not None:
        return True
    return all(sum(1 for _ in _own(tr, _TC)) <= 1 for tr in _own(tbl, _TR))


def paragraph_text(p, numbers: ListNumbers, run_styles: _RunStyles) -> tuple[str, list]:
    """The paragraph as Word shows it (its list number first, a newline for each line break),
    and the text boxes and pictures anchored in it."""
    out = _Inline(run_styles.runs_of(p), run_styles.raised)
    label = numbers.label(p)
    if label:
        out.parts.append(label + " ")
    _inline(p, out)
    parts = out.parts
    if out.raised:  # a footnote mark (`11` and a superscript `1`) glued on would be a wrong number
        drop = set(out.raised)
        rest = [t for i, t in enumerate(parts) if i not in drop]
        if "".join(rest).strip():
            parts = rest
    return "".join(parts), out.anchored


@dataclass
class _Inline:
    """A paragraph's text being gathered: its pieces, the indexes among them of the text of
    superscript and subscript runs, and the text boxes and pictures anchored in it."""
    hidden: Callable[[object], bool]   # whether a run of the paragraph is hidden text
    is_raised: Callable[[object], bool]
    parts: list[str] = field(default_factory=list)
    raised: list[int] = field(default_factory=list)
    anchored: list = field(default_factory=list)


def _inline(parent, out: _Inline):
    parts = out.parts
    for child in parent:
        tag = child.tag
        if tag == _TEXT:
            parts.append(child.text or "")
        elif tag in _TABS:
            parts.append("\t")
        elif tag in _BREAKS:
            parts.append("\n")
        elif tag == _HYPHEN:
            parts.append("-")
        elif tag == _TEXT_BOX or tag in _PICTURES:
            out.anchored.append(child)
        elif tag == _RUN and out.hidden(child):
            continue  # hidden text (w:vanish): a hidden 8 before a shown 13 is no 813
        elif tag == _RUN and out.is_raised(child):
            before = len(parts)
            _inline(child, out)
            out.raised.extend(range(before, len(parts)))
        elif isinstance(tag, str) and tag not in _HIDDEN:
            _inline(child, out)  # runs, hyperlinks, fields, content controls, insertions


class _RunStyles:
    """What a document's styles make of its runs: hidden text, which Word neither shows nor
    prints (`runs_of`), and superscripts and subscripts (`raised`). A run is hidden by its
    own `w:vanish`, its character style's, its paragraph style's (each style's followed through
    `w:basedOn`) or the document defaults' (`w:docDefaults`): the nearest that says wins (run >
    character style > paragraph style > defaults), so `w:vanish w:val="0"` on a run shows it in
    a hidden paragraph style. This simplifies OOXML, where vanish toggles between styles (set
    by both a paragraph and a character style, it cancels out and Word shows the text): here
    the nearest says, so that rare case is read as hidden, a value left out rather than one
    made up. A paragraph or run naming no style (or one not defined) has its kind's default
    style. Table styles' run properties are not looked at.

    `w:specVanish` hides a run even where Word is set to show hidden text. `w:webHidden` is no
    hidden text: it hides a run in Word's web layout view only, and a report is read as it
    prints. The styles are resolved once per document, not per run."""

    def __init__(self, styles=None):
        self.default: bool | None = None             # w:docDefaults
        self.hides: dict[str, bool | None] = {}      # styleId → hidden, shown, or None: not said
        self.defaults: dict[str, str] = {}           # w:type → its default style's id
        self.raising: set[str] = set()               # the styles of superscript or subscript text
        if styles is not None:
            self._read(styles)
        self.hiding = bool(self.default) or any(self.hides.values())

    def _read(self, styles):
        self.default = _hides(styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr"))
        hides: dict[str, bool | None] = {}
        raises: dict[str, bool | None] = {}
        based_on: dict[str, str] = {}
        for style in styles.iterchildren(W + "style"):
            style_id = style.get(W + "styleId", "")
            props = style.find(_RUN_PROPS)
            hides[style_id], raises[style_id] = _hides(props), _raises(props)
            parent = _val(style.find(W + "basedOn"))
            if parent:
                based_on[style_id] = parent
            if style.get(W + "default") in ("1", "true", "on"):
                self.defaults.setdefault(style.get(W + "type", "paragraph"), style_id)
        self.hides = _inherited(hides, based_on)
        self.raising = {style_id for style_id, raised in _inherited(raises, based_on).items() if raised}

    def raised(self, run) -> bool:
        """Whether a run is superscript or subscript (a footnote mark): its own `w:vertAlign`,
        else its character style's (Word's own footnote marks are in one, FootnoteReference)."""
        props = run.find(_RUN_PROPS)
        if props is None:
            return False
        direct = _raises(props)
        return direct if direct is not None else _val(props.find(W + "rStyle")) in self.raising

    def runs_of(self, p) -> Callable[[object], bool]:
        """Whether a run of paragraph `p` is hidden."""
        if not self.hiding:
            return _vanished  # most documents: no style hides text, the run alone says
        props = p.find(W + "pPr")
        paragraph = self._style(_val(props.find(W + "pStyle")) if props is not None else "", "paragraph")
        if paragraph is None:
            paragraph = self.default
        return lambda run: self._run(run, bool(paragraph))

    def _run(self, run, paragraph: bool) -> bool:
        props = run.find(_RUN_PROPS)
        direct = _hides(props)
        if direct is not None:
            return direct
        character = self._style(_val(props.find(W + "rStyle")) if props is not None else "", "character")
        return paragraph if character is None else character

    def _style(self, style_id: str, kind: str) -> bool | None:
        """What the style says; a style id not defined (or none) is the kind's default style."""
        if style_id not in self.hides:
            style_id = self.defaults.get(kind, "")
        return self.hides.get(style_id)


def _inherited(says: dict[str, bool | None], based_on: dict[str, str]) -> dict[str, bool | None]:
    """What each style says of a property, or else the nearest style it is based on."""
    out = {}
    for style_id in says:
        seen, current = set(), style_id
        while says.get(current) is None and current in based_on and current not in seen:
            seen.add(current)  # (a basedOn cycle ends where it comes round: not said)
            current = based_on[current]
        out[style_id] = says.get(current)
    return out


def _raises(props) -> bool | None:
    """Whether run properties make their text superscript or subscript (`w:vertAlign`), or None
    when they do not say."""
    align = props.find(_VERT_ALIGN) if props is not None else None
    return None if align is None else align.get(_VAL) in ("superscript", "subscript")


def _vanished(run) -> bool:
    """Whether a run's own properties hide it."""
    return bool(_hides(run.find(_RUN_PROPS)))


def _hides(props) -> bool | None:
    """Whether run properties (a `w:rPr`) hide their text: True, False (`w:vanish w:val="0"`:
    shown, whatever the styles say), or None when they do not say."""
    if props is None:
        return None
    if _switch(props.find(_SPEC_VANISH)):
        return True
    return _switch(props.find(_VANISH))


def _switch(element) -> bool | None:
    """An on/off property: None when absent, on unless its `w:val` says off."""
    return None if element is None else element.get(_VAL, "true") not in ("false", "0", "off")


def _val(element) -> str:
    return element.get(_VAL, "") if element is not None else ""


def _own(parent, tag: str) -> Iterator:
    """`parent`'s children with this tag, through the wrappers Word may put around them
    (content controls, custom XML, inserted revisions); a nested table's are not its own."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _ROW_WRAPPERS:
            yield from _own(child, tag)


# --------------------------------------------------------------------------------------------
# Word's spans → rowspans


@dataclass(slots=True)
class _Position:
    tc: object
    index: int      # the cell's number in its row, as Word counts (1-based, merged ones too)
    column: int     # its first grid column
    colspan: int
    merge: str      # w:vMerge: "" (none), "restart" or "continue"
    rowspan: int = 1
    covered: bool = False  # a continuation: its position belongs to the cell above


@dataclass(slots=True)
class _WordRow:
    before: int     # grid columns skipped at the row's start
    cells: list[_Position]


def _word_grid(tbl) -> list[_WordRow]:
    """The table's rows with each cell's grid column and spans. Word marks a vertical merge on
    every cell it covers (`continue` under a `restart`); here the restart cell gets a rowspan
    and the continuations are covered, as HTML would write it."""
    rows = [_word_row(tr) for tr in _own(tbl, _TR)]
    for r, row in enumerate(rows):
        for pos in row.cells:
            if pos.merge == "restart":
                for below in rows[r + 1:]:
                    under = next((x for x in below.cells if x.column == pos.column and x.merge == "continue"), None)
                    if under is None:
                        break
                    under.covered = True
                    pos.rowspan += 1
    return rows


def _word_row(tr) -> _WordRow:
    props = tr.find(W + "trPr")
    before = _int(props.find(W + "gridBefore") if props is not None else None)
    column = before
    cells: list[_Position] = []
    for index, tc in enumerate(_own(tr, _TC), 1):
        props = tc.find(W + "tcPr")
        span, vmerge, hmerge = (None, None, None) if props is None else (
            props.find(W + "gridSpan"), props.find(W + "vMerge"), props.find(W + "hMerge"))
        colspan = max(1, _int(span))
        if hmerge is not None and hmerge.get(_VAL) != "restart" and cells:
            cells[-1].colspan += colspan  # Word 97's horizontal merge: part of the cell before
        else:
            merge = "" if vmerge is None else ("restart" if vmerge.get(_VAL) == "restart" else "continue")
            cells.append(_Position(tc, index, column, colspan, merge))
        column += colspan
    return _WordRow(before, cells)


def _int(element) -> int:
    """A span's `w:val`; 0 when missing or unreadable."""
    value = element.get(_VAL, "") if element is not None else ""
    return min(int(value), MAX_SPAN) if value.isascii() and value.isdigit() else 0
