"""Word .docx files, read through python-docx: the body's paragraphs and tables in document
order (`layouts.word`), with its list numbering; headers and footers left out. When those do
not hold the report's tables, its pictures of a table's size are read by OCR (as a web page's:
`scan.embed_all`)."""
from __future__ import annotations

import io
import zipfile

from xxgk.extract import sections
from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats import containers, scan
from xxgk.extract.limits import TimeLimit

KIND = "docx"
MAX_UNZIPPED = 256 * 1024 * 1024  # a report's parts unpack to a few MB; more is a ZIP bomb
_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")
_DRAWINGS = {"image/x-emf", "image/emf", "image/x-wmf", "image/wmf"}


def sniff(head: bytes, name: str) -> bool:
    if not head.startswith(containers.ZIP_MAGIC):
        return False
    kind = containers.zip_kind(containers.zip_names(head), head)
    return kind == "docx" or (kind is None and name.lower().endswith(_SUFFIXES))


def read(data: bytes, name: str) -> Document:
    kind = containers.kind_of(data)
    if kind in containers.DESCRIPTIONS:  # named .docx, but an .xlsx or an archive inside
        raise Unreadable(containers.DESCRIPTIONS[kind])
    return read_docx(data, KIND)


def read_docx(data: bytes, kind: str) -> Document:
    """The document of a .docx file; `kind` says what it was before conversion, if it was.
    A document whose own rows lack the report's tables has its pictures of a table's size read
    by OCR, their rows placed where they stand (a table pasted as a picture, scanned pages)."""
    from xxgk.extract.layouts import word as word_layout

    main, body, numbers, styles = _open(data)
    text, rows, anchors, pictures = word_layout.read_body(body, numbers, styles)
    doc = Document(text, rows, kind, kind, anchors)
    if pictures and not sections.holds_tables(rows):
        shown = [(at, _image(main, image)) for at, image in pictures]
        doc = scan.embed_all(doc, [(at, picture) for at, picture in shown if picture is not None])
    if not doc.text.strip():
        raise Unreadable(f"a Word document without text ({kind}): scanned pages pasted as pictures?"
                         + "".join(f" {note}" for note in doc.notes))
    return doc


def _image(main, image: str) -> bytes | str | None:
    """The picture of this relationship id as `scan.table_picture` takes it; a drawing (EMF,
    WMF: a table pasted from Excel often is one), why it is not read."""
    part = main.related_parts.get(image)
    if part is None or not hasattr(part, "blob"):
        return "a picture the document points to but does not hold (linked from outside the file?)"
    if part.content_type in _DRAWINGS:
        return f"a drawing ({part.content_type}), which OCR does not read"
    return scan.table_picture(part.blob)


def _open(data: bytes):
    """The main document part, its body, its list numbering and its styles part."""
    _check_size(data)
    from docx.opc.constants import RELATIONSHIP_TYPE as RT  # only Word files pay for importing it
    from docx.package import Package

    from xxgk.extract.layouts.list_numbers import ListNumbers, W

    try:
        main = Package.open(io.BytesIO(data)).main_document_part
        body = _element(main).find(W + "body")
        numbering, styles = _related(main, RT.NUMBERING), _related(main, RT.STYLES)
    except (TimeLimit, MemoryError):
        raise
    except Exception as e:  # noqa: BLE001 - python-docx, zipfile and lxml raise many types on damaged files
        raise Unreadable(f"damaged Word file: {type(e).__name__}: {e}") from None
    if body is None:
        raise Unreadable("damaged Word file: the document has no body")
    # our own code, outside the try: a bug in it must raise, not pass for a damaged file
    return main, body, ListNumbers(numbering, styles), styles


def _check_size(data: bytes):
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except containers.ZIP_ERRORS as e:
        raise Unreadable(f"damaged Word file: not a readable ZIP archive ({e})") from None
    unzipped = sum(e.file_size for e in entries)
    if unzipped > MAX_UNZIPPED:
        raise Unreadable(f"a Word file that unpacks to {unzipped} bytes (over {MAX_UNZIPPED}): refused as a ZIP bomb")


def _element(part):
    """A part's XML: python-docx parses the parts it knows; a macro-enabled or template main
    part (.docm, .dotx) it keeps as bytes, parsed here with its safe parser."""
    from docx.opc.part import XmlPart
    from docx.oxml.parser import parse_xml

    return part.element if isinstance(part, XmlPart) else parse_xml(part.blob)


def _related(part, reltype: str):
    try:
        return _element(part.part_related_by(reltype))
    except KeyError:
        return None
