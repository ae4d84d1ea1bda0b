"""HTML pages: crawled report pages, Word documents saved or pasted as HTML."""
from __future__ import annotations

import regex

from xxgk.extract.decode import decode_text
from xxgk.extract.document import Document, fold
from xxgk.extract.layouts import html as html_layout

KIND = "html"
_TAG = regex.compile(r"<(html|body|table|div|p|meta|!doctype)\b", regex.I)


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
    return Document(text, html_layout.read_rows(text), KIND, encoding)
