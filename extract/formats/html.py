"""HTML pages: crawled report pages, Word documents saved or pasted as HTML.

A page may show its tables as pictures carried in the page itself, `<img src="data:image/png;
base64,…">` (a page saved with its pictures, a CMS that inlines them, or the crawler, which
inlines a report page's pictures: ingest/crawl.py). When the page's own rows do not hold the
report's tables (`sections.holds_tables`), such pictures, of a table's size, are read by OCR and their
rows placed where their tags are (`scan.embed_all`); a page that holds its tables never pays for
OCR. A picture that cannot be read (no Tesseract, a broken image) leaves the page read without
it, and the reason in `Document.notes`, which the report turns into a failed check.
"""
from __future__ import annotations

import base64
import binascii

import regex

from xxgk.extract import sections
from xxgk.extract.decode import decode_text
from xxgk.extract.document import Document, fold
from xxgk.extract.formats import scan

KIND = "html"
# markdown files holding HTML tables (PDF→markdown tools write them so) come here by their tags
MARKDOWN = (".md", ".markdown")
_TAG = regex.compile(r"<(html|body|table|div|p|meta|!doctype)\b", regex.I)

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
    from xxgk.extract.layouts import html as html_layout

    text = fold(text)
    markdown = name.lower().endswith(MARKDOWN)
    rows = html_layout.read_rows(text, markdown=markdown)
    if sections.count_forms(rows) > 1:
        # two reports: one may be a copy the page hides (a stale one), not what it shows. (Hidden
        # elements are read otherwise: a script may show the only report a page holds in a tab.)
        shown = html_layout.read_rows(text, shown_only=True, markdown=markdown)
        if sections.count_forms(shown) == 1:
            rows = shown
    doc = Document(text, rows, KIND, encoding)
    # cheapest first: a page that inlines nothing, or holds its tables, decodes no picture
    if "base64," in text and _INLINED.search(text) and not sections.holds_tables(doc.rows):
        pictures = _pictures(text)
        if pictures:
            doc = scan.embed_all(doc, pictures)
    return doc


def holds_tables(text: str) -> bool:
    """Whether a page's HTML (decoded) holds the report's tables in its own rows
    (`sections.holds_tables`): the crawler asks before it puts a page's pictures in."""
    from xxgk.extract.layouts import html as html_layout

    return sections.holds_tables(html_layout.read_rows(fold(text)))


def _pictures(text: str) -> list[tuple[int, bytes | str]]:
    """The pictures the page carries in `data:` URIs, in its order: (offset of the `<img` tag,
    the image's bytes, or why it is left). Only images of a table's size (`scan.table_picture`)."""
    limit = (scan.MAX_IMAGE_BYTES * 4) // 3 + 4096  # base64 characters, with room for line breaks
    out: list[tuple[int, bytes | str]] = []
    for m in _INLINED.finditer(text):
        payload = _BASE64.match(text, m.end(), min(len(text), m.end() + limit + 1))
        assert payload is not None  # `*`: it matches the empty string
        if payload.end() - m.end() > limit:
            out.append((m.start(), f"a picture of more than {scan.MAX_IMAGE_BYTES // 2**20} MB"))
            continue
        try:
            data = base64.b64decode("".join(payload.group().split()), validate=True)
        except (binascii.Error, ValueError):
            continue  # not base64 after all: no picture
        picture = scan.table_picture(data)
        if picture is not None:
            out.append((m.start(), picture))
    return out
