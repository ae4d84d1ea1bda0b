"""OCR of scans and pictures: pages rendered, levelled, their ink told from paper and noise,
ruled cells cut out and read by two Tesseract models, into `positions.Page`s of words with
confidences (read by `formats.scan`). Heavy (numpy, Pillow): imported only when a scan is read.
"""
from __future__ import annotations

import dataclasses
import io
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import regex

from xxgk.extract import tesseract
from xxgk.extract.decode import Unreadable
from xxgk.extract.document import fold
from xxgk.extract.layouts import image as pixels
from xxgk.extract.layouts.positions import Box, Page, Word
from xxgk.extract.layouts.rulings import RuledTable, find_tables
from xxgk.extract.numbers import parse_values
from xxgk.extract.tesseract import Read, ocr


@dataclass(frozen=True)
class Settings:
    """Every tuning constant of the OCR, in one place. Lengths are millimetres on the page, so
    they hold at any resolution; measured on the scan fixtures (tests/test_scan.py)."""
    dpi: int = 300               # pages are rendered (and images scaled) to this for finding ink
                                 # and rules; at 200 a tight table lost rules, at 250 labels
    read_dpi: int = 200          # … and read at this: Tesseract reads digits best ~29 px high (at
                                 # 300 dpi eng lost 4 of 186 fixture values, at 200 none) and the
                                 # prose as well as at 300 (better in heavy noise), in less time
    text_height_mm: float = 3.6  # an image without a resolution is scaled so its text is this high
                                 # (10.5 pt characters, what reports print)
    max_pages: int = 60          # OCR costs seconds a page; a longer scan is not one report
    max_pixels: int = 40_000_000  # an image is read at most this large (an A4 page at 300 dpi is 8.7
                                  # million pixels; each million costs ~25 MB to read)
    lang: str = "chi_sim"        # the reading of everything
    check_lang: str = "eng"      # the second reading of every value (another model: its errors differ)
    psm: int = 6                 # Tesseract's page layout for a page or a cell of several lines:
                                 # one block of lines (psm 4 and 3 read the prose worse and slower)
    line_psm: int = 7            # … for a cell of one line, and for a value's second reading
    osd_sure: float = 1.0        # a picture is turned as OSD says when it is this sure (it said
                                 # 1.6–6.6 for the table fixture each way up; 0.7–1.4 for a page
                                 # of four lines)
    max_skew: float = 2.0        # degrees searched for the page's tilt …
    skew_step: float = 0.1       # … in these steps, then ten times finer
    threshold_window_mm: float = 4.0  # ink is darker than the paper around it, over this window …
    threshold_k: float = 0.2     # … by this share (Sauvola's k: 0.1 kept shading's grain, 0.3 lost
                                 # the faint strokes of a 150 dpi scan's 三 and 一)
    piece_mm: float = 0.45       # a piece of ink smaller than this square is a speck …
    speck_reach_mm: float = 1.0  # … unless this near a larger one (a decimal point, a 、)
    rule_shrink: int = 2         # rules are looked for at 1/2 the resolution: found alike, 4x faster
    rule_mm: float = 7.0         # a dark run this long may be a rule (a character is ≤ 5 mm)
    rule_gap_mm: float = 0.2     # breaks and drift a rule may have
    rule_thick_mm: float = 2.0   # a rule is thinner
    rule_drawn: float = 0.85     # share of a rule's length in ink
    rule_tolerance_mm: float = 1.0  # rules this close are one (a double border)
    min_table_mm: float = 25.0   # a table is at least this wide or high (a big character's strokes
                                 # cross like rules, in less than 12 mm)
    inset_mm: float = 0.4        # a cell's ink is looked for this far inside its rules
    join_mm: float = 6.0         # pieces of ink this close along a line are one text (the gap in
                                 # （七） 总计 is 4 mm; a speck farther off is not) …
    join_lines_mm: float = 3.0   # … and this close across lines (a cell's lines are 1–2.5 mm apart)
    pad_mm: float = 2.0          # paper around a cut-out cell: Tesseract needs a margin
    block_lines: float = 1.6     # a cell higher than this many of the page's usual cell heights
                                 # holds several lines (read as a block, never as one value)
    max_value_chars: int = 16    # a reading longer than this is text, never a value
    unsure: float = 50.0         # a cell's lone Chinese character read less surely than this may
                                 # be a misread digit (0 as 全): read twice like a value
    doubtful: float = 0.0        # the confidence of a value the two readings disagree on
    substituted: float = 50.0    # at most this for a value read with a lookalike or a stray mark
    timeout: float = 300.0       # seconds for one Tesseract run

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in ("doubtful", "lang", "check_lang") and not value > 0:
                raise ValueError(f"Settings.{f.name} must be positive, not {value!r}")
        if not 100 <= self.read_dpi <= self.dpi <= 600:
            raise ValueError(f"Settings: need 100 <= read_dpi ({self.read_dpi}) <= dpi ({self.dpi}) <= 600")
        if self.rule_drawn > 1:
            raise ValueError("Settings.rule_drawn is a share: at most 1")
        if not 0 <= self.doubtful < self.substituted <= 100:
            raise ValueError("Settings: need 0 <= doubtful < substituted <= 100")

    def px(self, mm: float) -> int:
        """Millimetres in pixels at `dpi`, at least one."""
        return max(1, round(mm / 25.4 * self.dpi))

    def rule_shape(self) -> pixels.RuleShape:
        """A rule's shape in pixels of the page shrunk by `rule_shrink`."""
        f = self.rule_shrink
        return pixels.RuleShape(max(1, self.px(self.rule_mm) // f), max(1, self.px(self.rule_gap_mm) // f),
                                max(1, self.px(self.rule_thick_mm) // f), self.rule_drawn)


SETTINGS = Settings()
Boxes = Sequence[Box]


def pages(data: bytes, settings: Settings = SETTINGS, only: Mapping[int, Boxes | None] | None = None) -> list[Page]:
    """A scanned PDF's or an image's pages as words with boxes and confidences, and rules, in
    points; `only`: of a PDF, these pages (numbered from 1, in order), each whole (None) or only
    inside these boxes (points from its top left): a text PDF's scanned pages, and the pictures
    of its typed ones."""
    command = tesseract.program((settings.lang, settings.check_lang))
    if data.lstrip()[:4] != b"%PDF":
        return ocr_pages(_image_pages(data, command, settings), command, settings)
    parts: list[tuple[int, Box | None]] | None = None
    if only is not None:
        parts = [(n, box) for n, boxes in only.items() for box in (boxes if boxes is not None else [None])]
    placed: list[_Placed] = []
    read = ocr_pages(_pdf_pages(data, command, settings, parts, placed), command, settings)
    out: dict[int, Page] = {}
    for part, where in zip(read, placed, strict=True):
        page = out.setdefault(where.number, Page(where.number, where.width, where.height))
        page.words += [dataclasses.replace(w, x0=where.x(w.x0), top=where.y(w.top), x1=where.x(w.x1),
                                           bottom=where.y(w.bottom)) for w in part.words]
        page.rules += [(where.x(x0), where.y(top), where.x(x1), where.y(bottom)) for x0, top, x1, bottom in part.rules]
    return list(out.values())


# --- Pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placed:
    """Where an image OCR read lies on its PDF page: OCR's points (pixels at `dpi`) → the page's."""
    number: int
    width: float     # the page's size, points
    height: float
    k: float         # the page's points per OCR point: 1 but for a page rendered smaller, or a picture resized
    left: float = 0  # the image's top left on the page, points (a picture cut out of it)
    top: float = 0

    def x(self, v: float) -> float:
        return self.left + v * self.k

    def y(self, v: float) -> float:
        return self.top + v * self.k


def _pdf_pages(data: bytes, command: str, settings: Settings, parts: Sequence[tuple[int, Box | None]] | None,
               placed: list[_Placed]) -> Iterator:
    """The PDF's pages (`parts`: these pages, numbered from 1, each whole or the box of it) as
    greyscale images at `settings.dpi`, each rendered under PDFium's lock (it is not thread-safe)
    and released before its OCR, a whole page turned upright; where each lies is appended to
    `placed`."""
    from xxgk.extract.formats.pdf import opened

    with opened(data) as pdf:
        count = len(pdf)
    if parts is None:
        parts = [(n, None) for n in range(1, count + 1)]
    pages = len({n for n, _ in parts})
    if pages > settings.max_pages:
        raise Unreadable(f"a scanned PDF of {pages} pages: more than {settings.max_pages} "
                         "to OCR, not one annual report")
    for n, box in parts:
        with opened(data) as pdf:
            page = pdf[n - 1]
            try:
                width, height = page.get_size()
                x0, top, x1, bottom = box or (0, 0, width, height)
                x0, x1 = max(0.0, x0), min(width, x1)
                top, bottom = max(0.0, top), min(height, bottom)
                # a page larger than A2 (a poster, a bogus size) is rendered smaller, within memory
                scale = min(settings.dpi / 72, (settings.max_pixels / max((x1 - x0) * (bottom - top), 1.0)) ** 0.5)
                bitmap = page.render(scale=scale, grayscale=True, crop=(x0, height - bottom, width - x1, top))
                image = bitmap.to_pil().convert("L")  # a copy: the bitmap is freed here, under the lock
                bitmap.close()
            finally:
                page.close()
        if box is not None:  # a picture on a typed page: its text may be any size
            image = _text_sized(image, settings)
        # OCR's points (pixels at `dpi`) → the page's: the image spans x0..x1
        k = (x1 - x0) * settings.dpi / 72 / max(image.width, 1)
        if box is None:  # (a picture's words join the page's text: they must keep its frame)
            image, quarter = _upright_page(image, command, settings)
            if quarter:  # the page is read as it stands upright
                width, height = height, width
        placed.append(_Placed(n, width, height, k, x0, top))
        yield image


def _image_pages(data: bytes, command: str, settings: Settings) -> Iterator:
    """An image's frames (a TIFF may hold several pages) as greyscale, scaled so that its text
    is as high as on a page rendered at `settings.dpi`, and turned upright (a picture as any
    picture, a TIFF's pages as a scan's: OSD, a second a page, asked only of those that look
    turned). An image's stated resolution is not trusted (a screenshot says 72 or 96 whatever it
    shows): its text height is measured."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        frames = sum(1 for _ in ImageSequence.Iterator(img))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
        raise Unreadable(f"unreadable image: {e}") from None
    if frames > settings.max_pages:
        raise Unreadable(f"an image of {frames} pages: more than {settings.max_pages} to OCR")
    for frame in ImageSequence.Iterator(img):
        try:
            gray = frame.convert("L")  # decodes it: a truncated or damaged image fails here
        except (Image.DecompressionBombError, OSError, ValueError) as e:
            raise Unreadable(f"unreadable image: {e}") from None
        sized = _text_sized(gray, settings)
        yield _upright_picture(sized, command, settings) if frames == 1 else _upright_page(sized, command, settings)[0]


def _upright_page(gray, command: str, settings: Settings) -> tuple[object, bool]:
    """The page turned upright when its lines run up or down it (a landscape table scanned
    sideways), and whether it was turned a quarter. Which way is Tesseract's to say (OSD), asked
    only of a page that looks turned (a page costs it about a second); a page it cannot tell is
    left as it is."""
    small = np.asarray(gray.reduce(4))  # (the fixtures' pages tell apart as well at 75 dpi)
    if not pixels.sideways(small < pixels.otsu(small), max(1, settings.px(settings.rule_mm) // 4)):
        return gray, False
    said = _orientation(gray, command, settings)
    if said is None or said[0] not in (90, 270):
        return gray, False
    return gray.rotate(-said[0], expand=True), True


def _upright_picture(gray, command: str, settings: Settings):
    """A picture (an image file, a table pasted as a picture) turned upright, any way, when
    Tesseract's OSD says so surely enough. Every picture is asked: a table alone runs in rows
    and columns alike, which `pixels.sideways` cannot tell apart. Turned a quarter, its text is
    measured again: standing on its side, a run of digits is one tall piece of ink."""
    said = _orientation(gray, command, settings)
    if said is None or said[0] == 0 or said[1] < settings.osd_sure:
        return gray
    upright = gray.rotate(-said[0], expand=True)
    return _text_sized(upright, settings) if said[0] != 180 else upright


def _orientation(gray, command: str, settings: Settings) -> tuple[int, float] | None:
    """OSD's turn and confidence for a page at `settings.dpi`, judged at half that (150 dpi:
    right on every scan fixture's page and the table picture, each way up)."""
    return tesseract.orientation(gray.reduce(2), command, settings.dpi // 2, settings.timeout)


def _text_sized(gray, settings: Settings):
    """The image scaled so that its text (measured) is as high as on a page rendered at
    `settings.dpi`: a picture's own resolution says nothing of how large it shows its text."""
    from PIL import Image

    height = _text_height(np.asarray(gray))
    scale = settings.px(settings.text_height_mm) / height if height else 1.0
    # a long screenshot of tiny text is read smaller rather than grown past memory
    scale = min(scale, (settings.max_pixels / (gray.width * gray.height)) ** 0.5)
    if abs(scale - 1) > 0.1:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(size, Image.Resampling.LANCZOS)
    return gray


def _text_height(gray: np.ndarray) -> float | None:
    """The usual height of the image's characters in pixels: the median height of its pieces
    of ink that are neither specks nor rules nor punctuation. None when it shows no text."""
    ink = gray < pixels.otsu(gray)
    heights = [b - t for x0, t, x1, b, area in pixels.pieces(ink)
               if 6 <= b - t <= 400 and x1 - x0 <= 3 * (b - t) and area >= 12]
    if len(heights) < 20:
        return None
    # a Chinese character is often one piece, a word of Latin digits several of its height; the
    # upper half of the heights are whole characters, their median a character's height
    heights.sort()
    return float(statistics.median(heights[len(heights) // 2:]))


@dataclass
class _Cell:
    """A table cell's ink, cut out for Tesseract."""
    box: pixels.Box   # the ink's box on the page, in page pixels
    image: object     # greyscale Pillow image at `read_dpi`, with a margin of paper
    block: bool = False  # several lines
    reads: list[Read] = field(default_factory=list)  # in page pixels


@dataclass
class _Sheet:
    """A page made ready for Tesseract: its rules, its cells, and the rest of its text."""
    number: int
    width: int
    height: int
    rules: list[tuple[float, float, float, float]]  # centre lines, in pixels
    text: object            # greyscale Pillow image of the ink outside the tables
    cells: list[_Cell]
    words: list[Read] = field(default_factory=list)


def ocr_pages(images: Iterable, command: str, settings: Settings = SETTINGS) -> list[Page]:
    """OCR'd pages: words with their boxes and confidences, and ruling lines, in points."""
    sheets = [_prepare(gray, n, settings) for n, gray in enumerate(images, 1)]
    cells = [c for s in sheets for c in s.cells]
    blocks = [c for c in cells if c.block]
    lines = [c for c in cells if not c.block]
    reads = ocr([s.text for s in sheets] + [c.image for c in blocks], command, settings.lang, settings.psm,
                settings.timeout)
    scale = settings.read_dpi / settings.dpi
    for s, page in zip(sheets, reads, strict=False):
        s.words = [Read(r.text, r.x0 / scale, r.top / scale, r.x1 / scale, r.bottom / scale, r.confidence)
                   for r in page]
    for c, cell in zip(blocks, reads[len(sheets):], strict=True):
        c.reads = _placed(cell, c, settings)
    for c, cell in zip(lines, ocr([c.image for c in lines], command, settings.lang, settings.line_psm,
                                      settings.timeout),
                       strict=True):
        c.reads = _placed(cell, c, settings)
    return _checked(sheets, command, settings)


def _prepare(gray, number: int, settings: Settings) -> _Sheet:
    """A page straightened, its ink found, its rules and tables, its cells cut out."""
    from PIL import Image

    angle = _skew(gray, settings)
    if abs(angle) >= settings.skew_step / 10:
        gray = gray.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    ink = pixels.sauvola(np.asarray(gray), settings.px(settings.threshold_window_mm), settings.threshold_k)
    bands, tables = _tables(ink, settings)
    # specks go once the rules are erased: beside a rule, a speck would pass for part of it
    least, reach = settings.px(settings.piece_mm) ** 2, settings.px(settings.speck_reach_mm)
    text = pixels.drop_specks(pixels.erase(ink, bands, settings.px(settings.rule_gap_mm)), least, reach)
    inset = settings.px(settings.inset_mm)
    boxes = []
    outside = text.copy()
    for t in tables:
        for c in t.cells:
            x0, top, x1, bottom = (round(v) for v in c.box)
            box = pixels.ink_box(text, (x0 + inset, top + inset, x1 - inset, bottom - inset), least,
                                 (settings.px(settings.join_mm), settings.px(settings.join_lines_mm)))
            if box is not None:
                boxes.append(box)
        x0, top, x1, bottom = (round(v) for v in t.box)
        outside[max(top, 0):bottom + 1, max(x0, 0):x1 + 1] = False
    usual = statistics.median(b[3] - b[1] for b in boxes) if boxes else 0
    cells = [_Cell(b, _cutout(text, b, settings), b[3] - b[1] > settings.block_lines * usual) for b in boxes]
    h, w = text.shape
    rules = [_centre_line(b) for b in bands]
    return _Sheet(number, w, h, rules, _cutout(outside, (0, 0, w, h), settings, whole=True), cells)


def _skew(gray, settings: Settings) -> float:
    """The page's tilt, measured on a quarter of its pixels (Otsu's threshold shows the lines)."""
    small = np.asarray(gray.reduce(2))
    return pixels.skew_angle(small < pixels.otsu(small), settings.max_skew, settings.skew_step)


def _tables(ink: np.ndarray, settings: Settings) -> tuple[list[pixels.Box], list[RuledTable]]:
    """The page's ruled tables, and the bands of their rules (other rules are no table's)."""
    f = settings.rule_shrink
    bands = [(x0 * f, top * f, x1 * f, bottom * f)
             for x0, top, x1, bottom in pixels.find_rules(pixels.shrink(ink, f), settings.rule_shape())]
    near = settings.px(settings.rule_tolerance_mm)
    least = settings.px(settings.min_table_mm)
    tables = [t for t in find_tables([_centre_line(b) for b in bands], near)
              if max(t.xs[-1] - t.xs[0], t.ys[-1] - t.ys[0]) >= least]

    def in_table(b: pixels.Box) -> bool:
        return any(t.xs[0] - near <= b[0] and b[2] <= t.xs[-1] + near and
                   t.ys[0] - near <= b[1] and b[3] <= t.ys[-1] + near for t in tables)

    return [b for b in bands if in_table(b)], tables


def _centre_line(band: pixels.Box) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = band
    if x1 - x0 >= bottom - top:
        y = (top + bottom) / 2
        return float(x0), y, float(x1), y
    x = (x0 + x1) / 2
    return x, float(top), x, float(bottom)


def _cutout(mask: np.ndarray, box: pixels.Box, settings: Settings, whole: bool = False):
    """The ink inside `box` as a greyscale image, black on white: a cell with a margin of
    paper, the whole page without, both scaled to `read_dpi`."""
    from PIL import Image

    x0, top, x1, bottom = box
    image = Image.fromarray(np.where(mask[top:bottom, x0:x1], 0, 255).astype(np.uint8))
    scale = settings.read_dpi / settings.dpi
    if scale != 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BOX)
    if whole:
        return image
    pad = round(settings.px(settings.pad_mm) * scale)
    out = Image.new("L", (image.width + 2 * pad, image.height + 2 * pad), 255)
    out.paste(image, (pad, pad))
    return out


def _placed(reads: list[Read], cell: _Cell, settings: Settings) -> list[Read]:
    """A cell's reads moved from its cut-out to the page."""
    scale = settings.read_dpi / settings.dpi
    pad = round(settings.px(settings.pad_mm) * scale)
    x, y = cell.box[0], cell.box[1]
    return [Read(r.text, x + (r.x0 - pad) / scale, y + (r.top - pad) / scale, x + (r.x1 - pad) / scale,
                  y + (r.bottom - pad) / scale, r.confidence) for r in reads]


# --- Values read twice -------------------------------------------------------------------

# Letters and marks Tesseract gives for digits in a value: read as the digit, but doubtful.
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "○": "0", "l": "1", "I": "1",
                            "|": "1", "]": "1", "[": "1", "!": "1", "i": "1", "Z": "2", "z": "2", "S": "5",
                            "s": "5", "B": "8", "g": "9", "q": "9", "。": ".", "—": "-", "–": "-"})
# stray marks a speck or a rule's remnant adds around a value
_STRAY = "'\"`.,，、:;。_~"
_PLAIN = regex.compile(r"[0-9.,/\-]+")
_HAN = regex.compile(r"\p{Han}")
_DIGIT = regex.compile(r"\d")
_VALUE_CHARS = "0123456789.,-/"  # what the second reading may see: a number or a blank mark


@dataclass(frozen=True, slots=True)
class _Value:
    text: str          # the value as it will be written
    plain: bool        # read as it is written: digits and a number's marks, nothing taken for them
    confidence: float


def _as_value(text: str, confidence: float, settings: Settings) -> _Value | None:
    """The reading as a value (lookalikes taken for digits, stray marks and spaces dropped: a
    cell holds one number), None when it is text."""
    parts = fold(text).split()
    joined = "".join(parts)
    bare = joined.strip(_STRAY)
    if not bare or len(bare) > settings.max_value_chars or len(_HAN.findall(bare)) > 1:
        return None
    digits = bare.translate(_LOOKALIKE)
    if not parse_values(digits) or len(parse_values(digits) or ()) != 1:
        return None
    plain = len(parts) == 1 and bare == joined and _PLAIN.fullmatch(bare) is not None
    return _Value(digits, plain, confidence)


def _maybe_value(reads: list[Read], settings: Settings) -> bool:
    """A one-line cell whose first reading is no value may still hold one that the model misread
    as a stray mark or an unsure character (0 as 全, 1 as ]): worth the second reading. A
    confident Chinese word is a label."""
    han = [r for r in reads if _HAN.search(r.text)]
    return not han or (len(_joined(han)) == 1 and han[0].confidence < settings.unsure)


@dataclass
class _Candidate:
    """A cell or a word that may be a value, with its first reading."""
    sheet: int                 # index of its page
    box: pixels.Box
    first: _Value | None
    reads: list[Read]         # what Tesseract read there first (kept when it is text)
    image: object


def _checked(sheets: list[_Sheet], command: str, settings: Settings) -> list[Page]:
    """Pages whose values were read a second time, by the other model restricted to digits."""
    candidates: list[_Candidate] = []
    words: list[list[Word]] = [[] for _ in sheets]
    for i, s in enumerate(sheets):
        for c in s.cells:
            first = _as_value(_joined(c.reads), _least(c.reads), settings)
            if c.block:
                words[i] += _words(c.reads, settings, None if first is None else settings.doubtful)
            elif first is not None or _maybe_value(c.reads, settings):
                candidates.append(_Candidate(i, c.box, first, c.reads, c.image))
            else:
                words[i] += _words(c.reads, settings)
        for r in s.words:
            # outside the tables a value has a digit: 一 and — there are words, not blank marks
            first = _as_value(r.text, r.confidence, settings) if _DIGIT.search(r.text) else None
            if first is None:
                words[i] += _words([r], settings)
            else:
                box = (round(r.x0), round(r.top), round(r.x1), round(r.bottom))
                candidates.append(_Candidate(i, box, first, [r], _word_cutout(s.text, box, settings)))
    whitelist = ("-c", f"tessedit_char_whitelist={_VALUE_CHARS}")
    second = ocr([c.image for c in candidates], command, settings.check_lang, settings.line_psm, settings.timeout,
                 whitelist)
    checks = [[_as_value(_joined(reads), _least(reads), settings)] for reads in second]
    # the undecided get a third reading, by the second model unrestricted (its errors differ again)
    undecided = [i for i, c in enumerate(candidates) if _decide(c.first, checks[i], settings) is None]
    third = ocr([candidates[i].image for i in undecided], command, settings.check_lang, settings.line_psm,
                settings.timeout)
    for i, reads in zip(undecided, third, strict=True):
        checks[i].append(_as_value(_joined(reads), _least(reads), settings))
    for cand, check in zip(candidates, checks, strict=True):
        value = _decide(cand.first, check, settings)
        x0, top, x1, bottom = cand.box
        if value is not None:
            words[cand.sheet].append(_word(value.text, x0, top, x1, bottom, value.confidence, settings))
        elif cand.first is not None or any(check):
            # the models read different values: the first reading stands, with no confidence
            either = cand.first or next(v for v in check if v is not None)
            words[cand.sheet].append(_word(either.text, x0, top, x1, bottom, settings.doubtful, settings))
        elif any(_HAN.search(r.text) for r in cand.reads):
            words[cand.sheet] += _words(cand.reads, settings)
        # else: neither model read a value nor a word there (a speck, a smudge): nothing to write
    k = 72 / settings.dpi
    return [Page(s.number, s.width * k, s.height * k, w, [(x0 * k, t * k, x1 * k, b * k) for x0, t, x1, b in s.rules])
            for s, w in zip(sheets, words, strict=True)]


def _decide(first: _Value | None, checks: list[_Value | None], settings: Settings) -> _Value | None:
    """The value both models read alike, with the confidence it deserves; None when they did
    not. Two models erring alike is the only way an agreed value is wrong, so its confidence is
    1 - (1 - c1)(1 - c2) (a 33 and a 96 give 97); a value read with a lookalike or a stray mark
    gets at most `substituted`."""
    if first is None:
        return None
    for check in checks:
        if check is not None and check.text == first.text:
            confidence = 100 - (100 - first.confidence) * (100 - check.confidence) / 100
            if not (first.plain and check.plain):
                confidence = min(confidence, settings.substituted)
            return _Value(first.text, True, confidence)
    return None


def _least(reads: list[Read]) -> float:
    return min((r.confidence for r in reads), default=0.0)


def _joined(reads: list[Read]) -> str:
    return " ".join(r.text for r in reads)


def _word_cutout(text_image, box: pixels.Box, settings: Settings):
    """A word of the page cut out for its second reading, like a cell."""
    scale = settings.read_dpi / settings.dpi
    ink = np.asarray(text_image.crop(tuple(round(v * scale) for v in box))) < 128
    return _cutout(ink, (0, 0, ink.shape[1], ink.shape[0]), dataclasses.replace(settings, dpi=settings.read_dpi))


def _words(reads: list[Read], settings: Settings, confidence: float | None = None) -> list[Word]:
    return [_word(r.text, r.x0, r.top, r.x1, r.bottom, r.confidence if confidence is None else confidence, settings)
            for r in reads]


def _word(text: str, x0: float, top: float, x1: float, bottom: float, confidence: float, settings: Settings) -> Word:
    k = 72 / settings.dpi
    return Word(text, x0 * k, top * k, x1 * k, bottom * k, round(max(confidence, 0.0), 1))
