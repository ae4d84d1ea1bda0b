"""Plain text: tab-separated, pipe tables (markdown), one cell per line, PDF text exports, OCR."""
from __future__ import annotations

from xxgk.extract.decode import decode_text
from xxgk.extract.document import Document, fold
from xxgk.extract.layouts import text as text_layout

KIND = "text"


def sniff(head: bytes, name: str) -> bool:
    return True  # the last resort: whatever decodes as text


def read(data: bytes, name: str) -> Document:
    text, encoding = decode_text(data)
    return from_text(text, encoding)


def from_text(text: str, encoding: str = "str", kind: str = KIND) -> Document:
    text = fold(text)
    return Document(text, text_layout.read_rows(text), kind, encoding)
