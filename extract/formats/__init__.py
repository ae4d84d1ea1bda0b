"""Input formats: bytes → `Document` (the decoded text and its rows of cells), one module each.

A format reader is a module with

    KIND: str                                   # recorded on the report: "pdf", "html", ...
    def sniff(head: bytes, name: str) -> bool   # is this mine? (first HEAD bytes, file name)
    def read(data: bytes, name: str) -> Document  # raises Unreadable with a reason for the user

To support a new format, add a module here and one line to READERS. The first reader whose
`sniff` says yes reads the file; `text` comes last and takes whatever is left. Word files:
`word` (.docx), `converted` (.doc, .wps, .rtf, .odt through LibreOffice), and `office` for the
ZIP and OLE files whose head did not say what they hold; `containers` (no reader) tells them
apart by their entries. Scans: `scan` OCRs images, and the PDFs without a text layer that
`pdf` hands it.

Every file is sniffed by every reader, so a reader module imports its layout and libraries in
the functions that read, not at its top: a text report's extraction loads none of the PDF,
Word and HTML layouts (start-up; `tests/test_cli.py` holds it to that).
"""
from __future__ import annotations

from typing import Protocol

from xxgk.extract.decode import Scanned, Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats import converted, html, office, pdf, scan, text, word

HEAD = 16384  # enough bytes to sniff a format: magic numbers, <html>, a charset declaration


class FormatReader(Protocol):
    KIND: str

    def sniff(self, head: bytes, name: str) -> bool: ...

    def read(self, data: bytes, name: str) -> Document: ...


READERS: tuple[FormatReader, ...] = (pdf, scan, word, converted, office, html, text)


def reader_for(data: bytes, name: str = "") -> FormatReader:
    head = data[:HEAD]
    return next(r for r in READERS if r.sniff(head, name))


def read_document(data: bytes, name: str = "") -> Document:
    if not data.strip():
        raise Unreadable("empty file")
    try:
        return reader_for(data, name).read(data, name)
    except Scanned:  # a PDF of pictures (its reader found no text layer): OCR reads it
        return scan.read(data, name)
