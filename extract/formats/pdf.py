"""PDF with a text layer: its words with their boxes and its ruling lines (pypdfium2), read by
position (`layouts.positions`): ruled tables from their lines, columns from x-positions.

Why PDFium and not pdfplumber: both give words and ruling lines from which every cell of the
two real PDFs and of the PDFs LibreOffice renders from the gold reports reads back, and PDFium
does it 6–9 times faster in half the memory. Words and lines of every page, one core, each in a
fresh process (`benchmarks/formats_pdf.py --compare`, this project's 2-core machine):

                                  pypdfium2             pdfplumber (pdfminer.six)
    hongze_2023/2024 (10 pages)   8.2 ms/page, 34 MB    58.3 ms/page, 78 MB
    LibreOffice PDFs (60 pages)   6.6 ms/page, 32 MB    56.1 ms/page, 60 MB

(peak resident memory of the process, imports included; the whole extraction, rows and tables
too, costs 10–11 ms/page). Its costs: PDFium is C, so the extraction's time limit (SIGALRM)
acts between its calls, not inside one (one page's text at most); it is not thread-safe, so
one lock serialises its use (`PDFIUM`); and its "loose" character boxes are unreliable (a font
of hongze_2023 gives 200-point boxes), so heights come from the font size (`_CharBox`).

A PDF without a text layer (a scan) raises `decode.Scanned`, which sends it to OCR. A PDF with
one has its pages without text that show a picture OCR'd (`formats.scan`) and read with the
others (a typed cover, the tables scanned); and when its text lacks the report's tables, on a
typed page a picture large enough for a table with no text over it (a table pasted as a
picture). Without Tesseract they are left, and said in the document's notes.
"""
from __future__ import annotations

import ctypes
import dataclasses
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xxgk.extract import sections
from xxgk.extract.decode import Scanned, Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats import scan

if TYPE_CHECKING:  # (imported where used: see formats/__init__.py)
    from xxgk.extract.layouts.positions import Box, Page, Word

KIND = "pdf"
MAX_PAGES = 300  # annual reports run to 10–40 pages; a longer PDF is not one report
PDFIUM = threading.Lock()  # PDFium must not be called from two threads at once, even on two files


@dataclass(frozen=True)
class Layer:
    """How characters become words and paths become ruling lines, in points."""
    word_gap: float = 0.25  # a gap of this share of the character height ends a word
    # a character this much smaller or larger than the word's first ends it: a superscript
    # footnote mark (`11` and a raised `1`) is no digit of the number before it (LibreOffice
    # prints one at 80% of the size, Word at two thirds)
    size_step: float = 0.85
    twin: float = 1.5       # the same character drawn again this close is one (fake bold)
    thin: float = 2.0       # a filled shape this thin is a drawn line (Word draws borders so)
    white: int = 242        # a line or fill lighter than this in every channel (0–255) is not drawn
    ascent: float = 0.85    # of the font size above the baseline, the rest below: a character's height
    widest: float = 1.5     # of the font size: no character is wider (a wider font box is the font's error)
    # a picture on a typed page at least this share of the page wide and high may be a table
    # published as a picture (a seal, a logo or a banner is smaller)
    picture_width: float = 0.3
    picture_height: float = 0.1
    # a page that is a picture over this share of it, with fewer characters of text than
    # `stamp`, is a scan the publisher stamped (a page number, a site's watermark): OCR'd whole
    scan_share: float = 0.5
    stamp: int = 60

    def __post_init__(self):
        if not (0 < self.word_gap < 2 and 0 < self.size_step < 1 and self.twin > 0 and self.thin > 0
                and 0 < self.white <= 255 and 0 < self.ascent <= 1 and self.widest > 0 and 0 < self.picture_width <= 1
                and 0 < self.picture_height <= 1 and 0 < self.scan_share <= 1 and self.stamp >= 0):
            raise ValueError(f"invalid PDF layer settings: {self}")


LAYER = Layer()


def sniff(head: bytes, name: str) -> bool:
    return head.startswith(b"%PDF")


def read(data: bytes, name: str) -> Document:
    from xxgk.extract.layouts.positions import read_pages

    pages = read_layer(data)
    wanted = _scanned(pages)
    if not any(p.words and p.number not in wanted for p in pages):  # no typed page
        raise Scanned("PDF without a text layer (scanned): needs OCR")
    doc = read_pages(pages, KIND, KIND)
    pictures = _table_pictures(pages)
    if pictures and not sections.holds_tables(doc.rows):  # a picture beside the tables is no table of the form's
        wanted |= pictures
    if not wanted:
        return doc
    try:
        return read_pages(_with_ocr(data, pages, wanted), KIND, KIND)
    except Unreadable as e:  # no Tesseract: the typed pages are read, and the report says what was not
        doc.notes += _unread(wanted, str(e))
        return doc


def _scanned(pages: list[Page]) -> dict[int, list[Box] | None]:
    """The pages without text that show a picture, or stamped scans, to be read whole (None): a
    scanned page between typed ones."""
    return {page.number: None for page in pages if page.pictures and (not page.words or _stamped(page))}


def _stamped(page: Page, layer: Layer = LAYER) -> bool:
    """Whether the page is a scan the publisher stamped with a line of text (a page number, a
    site's watermark): a picture over most of it, hardly any text. (A searchable scan's hidden
    text is the whole page's: it is read.)"""
    if sum(len(w.text) for w in page.words) >= layer.stamp:
        return False
    area = page.width * page.height
    return any((x1 - x0) * (y1 - y0) >= layer.scan_share * area for x0, y0, x1, y1 in page.pictures)


def _table_pictures(pages: list[Page], layer: Layer = LAYER) -> dict[int, list[Box] | None]:
    """On the typed pages, the pictures that could be a table and have no text over them (a
    table pasted as a picture; a searchable scan's hidden text, or a letterhead behind the text,
    lies over its picture). Not on a page turned by its /Rotate or read turned: its text layer
    and its picture would not be read the same way up."""
    out: dict[int, list[Box] | None] = {}
    for page in pages:
        if not page.words or page.rotation or page.turn:
            continue
        tables = [box for box in page.pictures if box[2] - box[0] >= layer.picture_width * page.width
                  and box[3] - box[1] >= layer.picture_height * page.height
                  and not any(_inside(w, box) for w in page.words)]
        if tables:
            out[page.number] = tables
    return out


def _inside(word: Word, box: Box) -> bool:
    x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _with_ocr(data: bytes, pages: list[Page], wanted: dict[int, list[Box] | None]) -> list[Page]:
    """The pages with what OCR reads of them: a scanned page instead of itself, a typed page's
    pictures beside its text."""
    read = {p.number: p for p in scan.read_pages_of(data, wanted)}
    out = []
    for page in pages:
        ocrd = read.get(page.number)
        if ocrd is None:
            out.append(page)
        elif wanted[page.number] is None:
            out.append(ocrd)
        else:
            out.append(dataclasses.replace(page, words=page.words + ocrd.words, rules=page.rules + ocrd.rules))
    return out


def _unread(pictured: dict[int, list[Box] | None], why: str) -> list[str]:
    scanned = [n for n, boxes in pictured.items() if boxes is None]
    typed = [n for n, boxes in pictured.items() if boxes is not None]
    return [f"{_pages_named(numbers)} of this PDF: {what}, left unread: {why}"
            for numbers, what in ((scanned, "scanned"), (typed, "a picture that may be a table")) if numbers]


def _pages_named(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


def read_layer(data: bytes, layer: Layer = LAYER) -> list[Page]:
    """The PDF's pages: words with their boxes and the ruling lines, in points from the top
    left of each page."""
    from pypdfium2 import PdfiumError

    with opened(data) as pdf:
        try:
            read = [_page(pdf, i, layer) for i in range(len(pdf))]
        except PdfiumError as e:  # a damaged page (the time limit and MemoryError go through)
            raise Unreadable(f"unreadable PDF: {type(e).__name__}: {e}") from None
    # fonts embedded without their Unicode map: the layer holds the glyphs' numbers, not text
    # (`!"# $%&`, or Chinese characters at random), and what the pages show is read by OCR.
    # PDFium flags many such characters, not all (a Latin font's codes read as ASCII): 52–88%
    # of the fixtures' stripped of their maps, none of any fixture's as published
    if sum(t.unmapped for _, t in read) > sum(t.chars for _, t in read) / 4:
        raise Scanned("PDF whose text layer maps its glyphs to no characters (fonts without a Unicode map): needs OCR")
    return [page for page, _ in read]


@contextmanager
def opened(data: bytes):
    """The PDF, opened and closed under the lock; a damaged or overlong one is Unreadable."""
    import pypdfium2 as pdfium  # only PDFs pay for importing it

    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:  # damaged, or encrypted with a password
            raise Unreadable(f"unreadable PDF: {type(e).__name__}: {e}") from None
        try:
            if len(pdf) > MAX_PAGES:
                raise Unreadable(f"a PDF of {len(pdf)} pages: more than {MAX_PAGES}, not one annual report")
            yield pdf
        finally:
            pdf.close()


def _page(pdf, i: int, layer: Layer) -> tuple[Page, _Tally]:
    from xxgk.extract.layouts.positions import Page

    page = pdf[i]
    try:
        left, bottom, right, top = page.get_bbox()
        frame = _Frame(left, bottom, right, top)
        text = page.get_textpage()
        try:
            tally = _Tally()
            words = _words(text, frame, layer, tally)
            if tally.turn:  # its text runs up, down or upside down: read it turned level
                frame = dataclasses.replace(frame, turn=tally.turn)
                words = _words(text, frame, layer, _Tally())
        finally:
            text.close()
        rules, pictures = _drawing(page, frame, layer)
        rotation = page.get_rotation()
    finally:
        page.close()
    width, height = frame.size
    return Page(i + 1, width, height, words, rules, pictures, rotation, frame.turn), tally


@dataclass
class _Tally:
    """What a page's characters were: how many run each way (`_Frame.turn`; a diagonal one, a
    watermark's or a seal's, is not counted) and how many have no Unicode map."""
    chars: int = 0
    unmapped: int = 0
    turns: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    @property
    def turn(self) -> int:
        """The way the page's text runs, when twice as many characters run so as level: a
        watermark or a turned stamp does not turn a page."""
        turned = max(range(1, 4), key=self.turns.__getitem__)
        return turned if self.turns[turned] > 2 * self.turns[0] else 0


@dataclass(frozen=True)
class _Frame:
    """PDF space (origin bottom left, y up) → the page as its text is read: origin top left, x
    along the lines, y down them. A page whose text runs up, down or upside down (a landscape
    table printed sideways on a portrait page, turned upright by its /Rotate or not) is read
    turned level by `turn`, the quarter turns counter-clockwise of its text's direction."""
    left: float
    bottom: float
    right: float
    top: float
    turn: int = 0  # 0 level, 1 running up, 2 upside down, 3 running down

    def point(self, x: float, y: float) -> tuple[float, float]:
        turn = self.turn
        if turn == 0:
            return x - self.left, self.top - y
        if turn == 1:
            return y - self.bottom, x - self.left
        if turn == 2:
            return self.right - x, y - self.bottom
        return self.top - y, self.right - x

    def box(self, x0: float, y0: float, x1: float, y1: float) -> Box:
        """The box with these two opposite corners (PDF space) as read."""
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    @property
    def size(self) -> tuple[float, float]:
        """The page's width and height as read."""
        across, up = self.right - self.left, self.top - self.bottom
        return (up, across) if self.turn % 2 else (across, up)


def _char(raw, text, k: int) -> str:
    """Character k as a string: a pair of UTF-16 surrogates joined (the second then reads as
    ""), anything unprintable a space (it ends a word)."""
    u = raw.FPDFText_GetUnicode(text, k)
    if 0xD800 <= u < 0xDC00:
        low = raw.FPDFText_GetUnicode(text, k + 1)
        return chr(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)) if 0xDC00 <= low < 0xE000 else " "
    if 0xDC00 <= u < 0xE000:
        return ""
    if u < 0x20 or u in (0xFFFE, 0xFFFF) or u > 0x10FFFF:
        return " "  # a control character or an unmapped glyph
    return chr(u)


def _words(text, frame: _Frame, layer: Layer, tally: _Tally) -> list[Word]:
    """Characters in the text layer's order, joined into words while they run on along one
    line; a space, a jump back or a gap ends a word (a character right before the word joins
    it: text upside down can come last character first). A character drawn twice at nearly the
    same place (fake bold) is read once. The characters are counted in `tally`."""
    import pypdfium2.raw as raw

    from xxgk.extract.layouts.positions import Word

    words: list[Word] = []
    seen: dict[tuple[str, int, int], list[tuple[float, float]]] = {}  # where each character was drawn
    word: list = []  # text, x0, top, x1, bottom, first character's height of the word being read

    def end():
        if word:
            words.append(Word(word[0], word[1], word[2], word[3], word[4]))
            word.clear()

    box = _CharBox(raw, layer.ascent, layer.widest)
    turns = tally.turns
    for k in range(raw.FPDFText_CountChars(text)):
        if raw.FPDFText_IsGenerated(text, k):
            # PDFium's own word breaks; on a page read turned they fall where its own reading
            # order (not ours) has gaps, inside numbers too (`7730.` `28`): our gaps decide
            if not frame.turn:
                end()
            continue
        tally.chars += 1
        tally.unmapped += raw.FPDFText_HasUnicodeMapError(text, k) == 1
        ch = _char(raw, text, k)
        if not ch:
            continue
        if not ch.strip():
            end()
            continue
        x0, top, x1, bottom = box(text, k, frame)
        if box.turn is not None:
            turns[box.turn] += 1
        if _twin(seen, ch, x0, top, layer.twin):
            continue
        height = bottom - top
        side = _side(word, x0, top, x1, bottom, layer) if word else 0
        if side == 0:
            end()
            word.extend([ch, x0, top, x1, bottom, height])
        else:
            word[0] = word[0] + ch if side > 0 else ch + word[0]
            word[1:5] = min(word[1], x0), min(word[2], top), max(word[3], x1), max(word[4], bottom)
    end()
    return words


def _side(word: list, x0: float, top: float, x1: float, bottom: float, layer: Layer) -> int:
    """Where a character goes on the word being read: 1 after it (the next on its line, the
    common case), -1 right before it, 0 neither (another line or size, a gap, a jump)."""
    height = bottom - top
    same_size = layer.size_step * word[5] <= height <= word[5] / layer.size_step
    if not (same_size and word[2] <= (top + bottom) / 2 <= word[4]):
        return 0
    gap = layer.word_gap * height
    if word[3] - height / 2 <= x0 <= word[3] + gap:
        return 1
    if word[1] - gap <= x1 <= word[1] + height / 2:
        return -1
    return 0


def _twin(seen: dict[tuple[str, int, int], list[tuple[float, float]]], ch: str, x: float, y: float,
          near: float) -> bool:
    """Whether the character was drawn already less than `near` from (x, y); noted if not."""
    gx, gy = int(x // near), int(y // near)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if any(abs(x - px) < near and abs(y - py) < near for px, py in seen.get((ch, gx + dx, gy + dy), ())):
                return True
    seen.setdefault((ch, gx, gy), []).append((x, y))
    return False


class _CharBox:
    """A character's box on the page: across, its advance (PDFium's loose box), or its ink when
    that box is absurd; up and down, its font size around its baseline, so that every character
    of a line spans the same height whatever its glyph (`一` and `、` have almost no ink
    height). PDFium's loose box follows the font's bounding box, which some fonts make 200
    points tall and wide."""

    def __init__(self, raw, ascent: float, widest: float):
        self.raw, self.ascent, self.widest = raw, ascent, widest
        self.loose = raw.FS_RECTF()
        self.l, self.r, self.b, self.t = (ctypes.c_double() for _ in range(4))
        self.x, self.y = ctypes.c_double(), ctypes.c_double()
        self.m = raw.FS_MATRIX()
        self.turn: int | None = 0  # the last character's direction (`_Frame.turn`); None: diagonal

    def __call__(self, text, k: int, frame: _Frame) -> tuple[float, float, float, float]:
        """The box as the page is read (`frame`); `turn` is then the character's direction."""
        raw = self.raw
        raw.FPDFText_GetCharBox(text, k, self.l, self.r, self.b, self.t)
        raw.FPDFText_GetCharOrigin(text, k, self.x, self.y)
        size = raw.FPDFText_GetFontSize(text, k)
        self.turn = 0
        if raw.FPDFText_GetMatrix(text, k, self.m):
            a, b = self.m.a, self.m.b
            size *= abs(a * self.m.d - b * self.m.c) ** 0.5
            self.turn = _direction(a, b)
        x0, top, x1, bottom = frame.box(self.l.value, self.b.value, self.r.value, self.t.value)
        if size <= 0:
            size = bottom - top
        # across, the character's advance (`、` inks the left quarter of a full-width box, and
        # the gap after its ink is no gap between words), unless the font's box is absurd
        if raw.FPDFText_GetLooseCharBox(text, k, self.loose):
            left, _, right, _ = frame.box(self.loose.left, self.loose.bottom, self.loose.right, self.loose.top)
            if left <= x0 + 0.5 and x1 - 0.5 <= right and right - left <= self.widest * size:
                x0, x1 = left, right
        baseline = frame.point(self.x.value, self.y.value)[1]
        return x0, baseline - self.ascent * size, x1, baseline + (1 - self.ascent) * size


def _direction(a: float, b: float) -> int | None:
    """The quarter turns of a text direction (a, b) within 15° of an axis (`_Frame.turn`);
    None for a diagonal."""
    if abs(b) <= 0.27 * abs(a):  # tan 15°
        return 0 if a > 0 else 2
    if abs(a) <= 0.27 * abs(b):
        return 1 if b > 0 else 3
    return None


def _drawing(page, frame: _Frame, layer: Layer) -> tuple[list[Box], list[Box]]:
    """What is drawn on the page besides its text, in one pass over its objects: the ruling
    lines (every straight stroke, and every filled shape thin enough to be a line; a wider fill
    is a cell's background, not a border; white ones hide nothing) and the pictures' boxes."""
    import pypdfium2.raw as raw

    rules: list[Box] = []
    pictures: list[Box] = []
    matrices: dict[int, tuple[float, ...]] = {}  # a form XObject's placement on the page
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_IMAGE)):
        m = _matrix(raw, obj.raw)
        placed = matrices.get(id(obj.container), (1, 0, 0, 1, 0, 0)) if obj.container is not None else None
        if placed is not None:
            m = _then(m, placed)
        if obj.type == raw.FPDF_PAGEOBJ_FORM:
            matrices[id(obj)] = m
        elif obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            pictures.append(_picture(obj, placed, frame))
        elif raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke):
            paths = _subpaths(raw, obj.raw, m, frame)
            if stroke.value and _drawn(raw.FPDFPageObj_GetStrokeColor, obj.raw, layer):
                rules.extend(line for path in paths for line in path)
            elif fill.value and _drawn(raw.FPDFPageObj_GetFillColor, obj.raw, layer):
                for path in paths:
                    xs = [p for line in path for p in (line[0], line[2])]
                    ys = [p for line in path for p in (line[1], line[3])]
                    if xs and min(max(xs) - min(xs), max(ys) - min(ys)) <= layer.thin:
                        rules.append((min(xs), min(ys), max(xs), max(ys)))
    return rules, pictures


def _picture(obj, placed: tuple[float, ...] | None, frame: _Frame) -> Box:
    """A picture's box on the page (its bounds are in its form's space when it is in one)."""
    left, bottom, right, top = obj.get_bounds()
    corners = [(left, bottom), (right, top), (left, top), (right, bottom)]
    if placed is not None:
        a, b, c, d, e, f = placed
        corners = [(x * a + y * c + e, x * b + y * d + f) for x, y in corners]
    points = [frame.point(x, y) for x, y in corners]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _matrix(raw, obj) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return (1, 0, 0, 1, 0, 0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _then(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """The transformation m followed by n (PDF matrices, row vectors)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _subpaths(raw, obj, m: tuple[float, ...], frame: _Frame) -> list[list[tuple[float, float, float, float]]]:
    """The path's straight pieces, per subpath, on the page: curves are skipped (a rounded
    corner is no ruling line)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    paths: list[list[tuple[float, float, float, float]]] = []
    start = last = None
    for k in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        if not raw.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        kind = raw.FPDFPathSegment_GetType(seg)
        point = frame.point(x.value * m[0] + y.value * m[2] + m[4], x.value * m[1] + y.value * m[3] + m[5])
        if kind == raw.FPDF_SEGMENT_MOVETO or last is None:
            paths.append([])
            start = point
        elif kind == raw.FPDF_SEGMENT_LINETO:
            paths[-1].append(_segment(last, point))
        last = point
        if raw.FPDFPathSegment_GetClose(seg) and start is not None and start != point:
            paths[-1].append(_segment(point, start))
            last = start
    return paths


def _segment(p, q) -> tuple[float, float, float, float]:
    return min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])


def _drawn(get_color, obj, layer: Layer) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get_color(obj, r, g, b, a):
        return True  # a pattern or shading: drawn
    return a.value > 0 and min(r.value, g.value, b.value) < layer.white
