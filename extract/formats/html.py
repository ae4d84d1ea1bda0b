"""HTML pages: crawled report pages, Word documents saved or pasted as HTML.

A page may show its tables as pictures carried in the page itself, `<img src="data:image/png;
base64,…">` (a page saved with its pictures, a CMS that inlines them, or the crawler, which
inlines a report page's pictures: ingest/crawl.py). When the page's own rows do not hold the
report's tables (`_holds_tables`), such pictures, of a table's size, are read by OCR and their
rows placed where their tags are (`scan.embed`); a page that holds its tables never pays for
OCR. A picture that cannot be read (no Tesseract, a broken image) leaves the page read without
it, and the reason in `Document.notes`, which the report turns into a failed check.
"""
from __future__ import annotations

import base64
import binascii
import io

import regex

from xxgk.extract import tesseract
from xxgk.extract.decode import Unreadable, decode_text
from xxgk.extract.document import Document, Row, fold
from xxgk.extract.formats import scan
from xxgk.extract.layouts import html as html_layout
from xxgk.extract.numbers import parse_values
from xxgk.extract.sections import MIN_TABLE_VALUES, count_forms

KIND = "html"
_TAG = regex.compile(r"<(html|body|table|div|p|meta|!doctype)\b", regex.I)

MAX_IMAGES = 8                       # pictures OCR'd per page (a report's three tables, in parts)
MAX_IMAGE_BYTES = 10 * 1024 * 1024   # a picture's bytes, decoded
MIN_PICTURE_SIDE = 100               # pixels: smaller is an icon, a bullet, a QR code …
MIN_PICTURE_AREA = 60_000            # … and a picture of less than this (300 x 200) a logo or banner
_INLINED = regex.compile(r"""<img\b[^>]{0,2000}?\bsrc\s*=\s*["']?\s*data:image/[a-z0-9.+-]{1,20}\s*;\s*base64\s*,""",
                         regex.I)
_BASE64 = regex.compile(r"[A-Za-z0-9+/=\s]*")


def sniff(head: bytes, name: str) -> bool:
    if name.lower().endswith((".htm", ".html", ".shtml")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
        chars = head.decode("utf-16", errors="ignore")  # tags are ASCII in any other encoding
    else:
        chars = head.decode("latin-1")
    return _TAG.search(chars) is not None


def read(data: bytes, name: str) -> Document:
    text, encoding = decode_text(data)
    text = fold(text)
    doc = Document(text, html_layout.read_rows(text), KIND, encoding)
    # cheapest first: a page that inlines nothing, or holds its tables, decodes no picture
    if "base64," in text and _INLINED.search(text) and not _holds_tables(doc.rows):
        pictures = _pictures(text)
        if pictures:
            doc = _read_pictures(doc, pictures)
    return doc


def holds_tables(text: str) -> bool:
    """Whether a page's HTML (decoded) holds the report's tables in its own rows (`_holds_tables`):
    the crawler asks before it puts a page's pictures in."""
    return _holds_tables(html_layout.read_rows(fold(text)))


def _holds_tables(rows: list[Row]) -> bool:
    """The page's own rows hold the report's tables: a filled-in applications table between the
    headings of 三 and 四, or (headings not found) table cells enough for the three tables."""
    if count_forms(rows):
        return True
    values = sum(1 for r in rows if r.table for c in r.cells if c.text and parse_values(c.text))
    return values >= 3 * MIN_TABLE_VALUES


def _pictures(text: str) -> list[tuple[int, bytes | str]]:
    """The pictures the page carries in `data:` URIs, in its order: (offset of the `<img` tag,
    the image's bytes, or why it is left). Only images of a table's size, at most MAX_IMAGES."""
    from PIL import Image, UnidentifiedImageError

    limit = (MAX_IMAGE_BYTES * 4) // 3 + 4096  # base64 characters, with room for line breaks
    out: list[tuple[int, bytes | str]] = []
    for m in _INLINED.finditer(text):
        payload = _BASE64.match(text, m.end(), min(len(text), m.end() + limit + 1))
        assert payload is not None  # `*`: it matches the empty string
        if payload.end() - m.end() > limit:
            out.append((m.start(), f"a picture of more than {MAX_IMAGE_BYTES // 2**20} MB"))
            continue
        try:
            data = base64.b64decode("".join(payload.group().split()), validate=True)
        except (binascii.Error, ValueError):
            continue  # not base64 after all: no picture
        if not scan.sniff(data[:16], ""):
            continue  # an SVG, an icon format Tesseract does not take: no table
        try:
            width, height = Image.open(io.BytesIO(data)).size  # reads the header only
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
            out.append((m.start(), f"an unreadable picture ({e})"))
            continue
        if min(width, height) < MIN_PICTURE_SIDE or width * height < MIN_PICTURE_AREA:
            continue  # a logo, an icon, a QR code
        out.append((m.start(), data))
    return out


def _read_pictures(doc: Document, pictures: list[tuple[int, bytes | str]]) -> Document:
    """The page with its pictures' rows where the pictures are; what could not be read, in notes."""
    notes: list[str] = []
    readable = [(at, data) for at, data in pictures if isinstance(data, bytes)]
    notes += [f"picture at {at} left: {why}" for at, why in pictures if isinstance(why, str)]
    if len(readable) > MAX_IMAGES:
        notes.append(f"{len(readable) - MAX_IMAGES} of the page's {len(readable)} pictures left unread "
                     f"(at most {MAX_IMAGES} are read by OCR)")
        readable = readable[:MAX_IMAGES]
    try:
        from xxgk.extract.ocr import SETTINGS  # numpy and Pillow: only for a page with pictures

        tesseract.program((SETTINGS.lang, SETTINGS.check_lang))
    except Unreadable as e:
        notes.append(f"the page shows {len(readable)} picture(s) that may hold its tables, not read: {e}")
        readable = []
    # the last first: `embed` places a picture's rows before the page's first row after its tag,
    # and rows an earlier embed added (their offsets are past the page's text) would be counted
    for at, data in reversed(readable):
        try:
            doc = scan.embed(doc, at, data)
        except Unreadable as e:
            notes.append(f"picture at {at} not read: {e}")
    doc.notes = [*doc.notes, *notes]
    return doc
