"""Scans: image-only PDFs and images (PNG, JPEG, TIFF, GIF, WebP), read by OCR with Tesseract
and its simplified-Chinese data, then by position like a PDF's text layer (`layouts.positions`).

Each page is rendered, straightened, its ink told from paper and noise, and its ruling lines
found (`layouts.image`). The tables those lines rule (`layouts.rulings`) are read one cell at a
time, each cut out and scaled to the size Tesseract reads best; the rest of the page is read as
one block. Tesseract runs four times per document whatever its length (`tesseract.ocr` reads
every page's cells in one run).

Every value is read twice, by two different models: chi_sim (which reads everything), then
eng restricted to digits, and eng unrestricted where those two differ. A value is kept only
when chi_sim and an eng reading agree: two models erring alike is the only way it can be wrong,
so its confidence is 1 - (1 - c1)(1 - c2) of theirs. A value only one model read, or that they
read differently, is written with confidence `doubtful` (0); one read with a lookalike taken for
a digit (O for 0, ] for 1) or a stray mark dropped gets at most `substituted`. The report nulls
and flags a value below its threshold, so a misread never stands as a number.

The OCR itself is `extract/ocr.py` (numpy, Pillow): imported only when a scan is read, so
reading text, HTML, PDF and Word files never pays for it.

    doc = read(data, "report.pdf")          # every page OCR'd
    doc = read_image(png_bytes)             # an image's tables
    doc = embed(html_doc, at, png_bytes)    # a web page's table published as an <img>
"""
from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Anchor, Cell, Document

if TYPE_CHECKING:  # (imported where used: see formats/__init__.py)
    from xxgk.extract.layouts.positions import Box, Page

KIND = "ocr"
MAX_IMAGES = 8                       # pictures OCR'd per document (a report's three tables, in parts)
MAX_IMAGE_BYTES = 10 * 1024 * 1024   # a picture's bytes
MIN_PICTURE_SIDE = 100               # pixels: smaller is an icon, a bullet, a QR code …
MIN_PICTURE_AREA = 60_000            # … and a picture of less than this (300 x 200) a logo or banner
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a")


def sniff(head: bytes, name: str) -> bool:
    """Images. PDFs come through `formats.pdf`, which hands over those without a text layer."""
    return head.startswith(_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def read(data: bytes, name: str = "", settings=None) -> Document:
    """A scanned PDF or an image, OCR'd page by page (`settings`: an `ocr.Settings`)."""
    from xxgk.extract import ocr
    from xxgk.extract.layouts.positions import read_pages

    return read_pages(ocr.pages(data, settings or ocr.SETTINGS), KIND, KIND)


def read_pages_of(data: bytes, pages: Mapping[int, Sequence[Box] | None], settings=None) -> list[Page]:
    """These pages of a PDF (numbered from 1), OCR'd whole (None) or only inside these boxes
    (points): a text PDF's scanned pages, and the pictures of its typed ones."""
    from xxgk.extract import ocr

    return ocr.pages(data, settings or ocr.SETTINGS, only=pages)


def read_image(data: bytes, settings=None) -> Document:
    """An image's text and tables, such as a table published as an <img> in an HTML page."""
    return read(data, "", settings)


def embed(doc: Document, at: int, data: bytes, settings=None) -> Document:
    """`doc` with the text and tables of an image it shows read by OCR and placed where the image
    is: a web page publishing a table as an `<img>`. `at` is the offset in `doc.text` of the
    image's tag; the image's rows go before the first row that starts after it. The image's
    text is appended to `doc.text` (the page's own spans stay as they are) and its values keep
    their anchors and confidences, so a doubtful one is flagged as in a scan. Raises
    `Unreadable` when the image cannot be read (no Tesseract, not an image)."""
    image = read_image(data, settings)
    shift = len(doc.text) + 1
    moved = [dataclasses.replace(r, cells=[Cell(c.text, c.start + shift, c.end + shift) for c in r.cells])
             for r in image.rows]
    i = sum(1 for r in doc.rows if r.start < at)
    anchors = doc.anchors + [Anchor(a.start + shift, a.end + shift, f"image at {at}, {a.where}", a.confidence)
                             for a in image.anchors]
    return Document(doc.text + "\n" + image.text, doc.rows[:i] + moved + doc.rows[i:], doc.kind, doc.encoding,
                    sorted(anchors, key=lambda a: a.start))


def table_picture(data: bytes) -> bytes | str | None:
    """A picture a web page or a Word file shows, as what may be a table: its bytes; why it
    cannot be read; or None, no table (an icon, a logo, a QR code, an SVG, not an image)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        return f"a picture of more than {MAX_IMAGE_BYTES // 2**20} MB"
    if not sniff(data[:16], ""):
        return None  # an SVG, an icon format Tesseract does not take
    try:
        width, height = Image.open(io.BytesIO(data)).size  # reads the header only
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
        return f"an unreadable picture ({e})"
    if min(width, height) < MIN_PICTURE_SIDE or width * height < MIN_PICTURE_AREA:
        return None
    return data


def embed_all(doc: Document, pictures: list[tuple[int, bytes | str]]) -> Document:
    """`doc` with its pictures' rows where the pictures are (`embed`); `pictures`: (offset in
    `doc.text`, the picture's bytes or why it is left), in the document's order. What could not
    be read goes into the document's notes."""
    from xxgk.extract import tesseract
    from xxgk.extract.ocr import SETTINGS  # numpy and Pillow: only for a document with pictures

    notes: list[str] = []
    readable = [(at, data) for at, data in pictures if isinstance(data, bytes)]
    notes += [f"picture at {at} left: {why}" for at, why in pictures if isinstance(why, str)]
    if len(readable) > MAX_IMAGES:
        notes.append(f"{len(readable) - MAX_IMAGES} of the {len(readable)} pictures left unread "
                     f"(at most {MAX_IMAGES} are read by OCR)")
        readable = readable[:MAX_IMAGES]
    try:
        tesseract.program((SETTINGS.lang, SETTINGS.check_lang))
    except Unreadable as e:
        notes.append(f"the document shows {len(readable)} picture(s) that may hold its tables, not read: {e}")
        readable = []
    # the last first: `embed` places a picture's rows before the first row after its offset,
    # and rows an earlier embed added (their offsets are past the text) would be counted
    for at, data in reversed(readable):
        try:
            doc = embed(doc, at, data)
        except Unreadable as e:
            notes.append(f"picture at {at} not read: {e}")
    doc.notes = [*doc.notes, *notes]
    return doc
