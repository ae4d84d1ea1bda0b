"""Bytes of a text or HTML file → text, or a reason why not.

Text and HTML reports come as UTF-8 (with or without BOM), UTF-16, GBK/GB18030, and HTML that
declares its charset (sometimes wrongly). A BOM wins; then strict UTF-8; then the page's own
`<meta charset>` if it decodes; then whichever of GB18030/UTF-16 reads as a disclosure report;
then charset-normalizer's guess.
"""
from __future__ import annotations

import codecs

import regex

_META_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", regex.I)
_DOMAIN = regex.compile(r"信息公开|年度报告|政务公开")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class Unreadable(ValueError):
    """The file is not a report we can read; the message says why, for the user."""


class Scanned(Unreadable):
    """The file holds pictures of its text, no text layer: only OCR can read it."""


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a text or HTML file, and the encoding it was read in."""
    if not data.strip():
        raise Unreadable("empty file")
    return _decode_text(data)


def _decode_text(data: bytes) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc.replace("-sig", "") + " (BOM)"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        if e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            # a file cut off inside its last character is still UTF-8
            return data[: e.start].decode("utf-8"), "utf-8 (truncated)"
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace").lower()
        enc = "gb18030" if declared in ("gbk", "gb2312", "gb18030", "x-gbk") else declared
        try:
            return data.decode(enc), enc
        except (UnicodeError, LookupError):  # a wrong or bogus declaration (`charset=undefined`)
            pass
    # Without a BOM, GB18030 and UTF-16 both decode most byte strings; the one that reads as
    # a disclosure report is the right one.
    for enc in ("gb18030", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _DOMAIN.search(text[:20000]):
            return text, enc
    if b"\x00" in data[:4096]:
        raise Unreadable("binary file (NUL bytes), not text")
    from charset_normalizer import from_bytes  # the last resort: most files never load it

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_8"]).best()
    if best is None:
        raise Unreadable("cannot decode: not UTF-8, UTF-16 or a Chinese encoding")
    return str(best), best.encoding
