"""PDF with a text layer, read as a text stream (pypdf) by the text layout's row reader."""
from __future__ import annotations

import io
import logging

from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats.text import from_text

KIND = "pdf"
MAX_PAGES = 300  # annual reports run to 10–40 pages; a longer PDF is not one report


def sniff(head: bytes, name: str) -> bool:
    return head.startswith(b"%PDF")


def read(data: bytes, name: str) -> Document:
    return from_text(_text_layer(data), "pdf", KIND)


def _text_layer(data: bytes) -> str:
    """The PDF's text layer, pages joined by newlines (as pypdf gives it)."""
    from pypdf import PdfReader  # only PDFs pay for importing it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it logs every repaired xref
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise Unreadable(f"a PDF of {pages} pages: more than {MAX_PAGES}, not one annual report")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Unreadable:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise Unreadable(f"unreadable PDF: {type(e).__name__}: {e}") from None
    if not text.strip():
        raise Unreadable("PDF without a text layer (scanned): needs OCR")
    return text
