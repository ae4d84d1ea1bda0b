"""Plain text: tab-separated, pipe tables (markdown), one cell per line, PDF text exports, OCR.

A text laid out in columns of spaces (a PDF exported with its layout) is read by position
instead (`layouts.monospace`): its blank cells are spaces, which only the columns tell apart.
"""
from __future__ import annotations

from xxgk.extract.decode import decode_text
from xxgk.extract.document import Document, fold
from xxgk.extract.formats import html
from xxgk.extract.layouts import monospace
from xxgk.extract.layouts import text as text_layout

KIND = "text"


def sniff(head: bytes, name: str) -> bool:
    return True  # the last resort: whatever decodes as text


def read(data: bytes, name: str) -> Document:
    text, encoding = decode_text(data)
    if name.lower().endswith(html.MARKDOWN) and ("<table" in text or "<TABLE" in text):
        return html.read(data, name)  # its first HTML table further in than the sniffed head
    return from_text(text, encoding)


def from_text(text: str, encoding: str = "str", kind: str = KIND) -> Document:
    text = fold(text)
    if monospace.laid_out(text):
        return monospace.read(text, encoding, kind)
    return Document(text, text_layout.read_rows(text), kind, encoding)
