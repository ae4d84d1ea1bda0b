"""Bytes → text, or a reason why not.

Reports come as UTF-8 (with or without BOM), UTF-16, GBK/GB18030 pages, HTML that declares
its charset (sometimes wrongly), and PDFs. A BOM wins; then strict UTF-8; then the page's own
`<meta charset>` if it decodes; then charset-normalizer's guess among Chinese encodings.
"""
from __future__ import annotations

import codecs
import io
from dataclasses import dataclass

import regex
from charset_normalizer import from_bytes

_META_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", regex.I)
_HTML = regex.compile(r"<(html|body|table|div|p|meta|!doctype)\b", regex.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    kind: str  # text | html | pdf


class Unreadable(ValueError):
    """The file is not a report we can read; the message says why, for the user."""


def decode(data: bytes, name: str = "") -> Decoded:
    if not data.strip():
        raise Unreadable("empty file")
    if data.startswith(b"%PDF"):
        return Decoded(_pdf_text(data), "pdf", "pdf")
    if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise Unreadable("a Word/Office document: convert it to PDF or HTML first")
    text, encoding = _decode_text(data)
    kind = "html" if _HTML.search(text[:5000]) or name.lower().endswith((".htm", ".html", ".shtml")) else "text"
    return Decoded(text, encoding, kind)


def _decode_text(data: bytes) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc.replace("-sig", "") + " (BOM)"
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise Unreadable("binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace").lower()
        enc = "gb18030" if declared in ("gbk", "gb2312", "gb18030", "x-gbk") else declared
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_8", "utf_16"]).best()
    if best is None:
        raise Unreadable("cannot decode: not UTF-8, UTF-16 or a Chinese encoding")
    return str(best), best.encoding


def _looks_utf16(data: bytes) -> bool:
    head = data[:2000]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > len(odd) * 0.3) != (even.count(0) > len(even) * 0.3)


def _pdf_text(data: bytes) -> str:
    """The PDF's text layer, pages joined by newlines (as pypdf gives it)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as e:
        raise Unreadable(f"unreadable PDF: {e}") from None
    if not text.strip():
        raise Unreadable("PDF without a text layer (scanned): needs OCR")
    return text
