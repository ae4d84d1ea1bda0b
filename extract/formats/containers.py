"""What a ZIP or OLE file holds, told from the names of its entries: a Word document, a
spreadsheet, an OFD, an encrypted package, an archive.

Office files are containers: .docx, .xlsx, .odt and OFD are ZIP archives, .doc, .wps, .xls
and password-protected Office files are OLE compound files. Their magic numbers say only
"container"; the entry names say what is inside. A reader's `sniff` sees the file's head,
where a ZIP's first local headers (and often a small OLE file's directory) are; `kind_of`
looks at the whole file.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the first four of its eight bytes: a cut header still counts
RTF_MAGIC = b"{\\rtf"

# what zipfile raises on a damaged archive (an unknown "version" field: NotImplementedError)
ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError, KeyError, struct.error)

_LOCAL_HEADER = re.compile(re.escape(ZIP_MAGIC))
_ODF_TEXT = b"application/vnd.oasis.opendocument.text"

# OLE streams that say what the file is, in the order they are tested
_OLE_STREAMS = (("EncryptedPackage", "encrypted"), ("WordDocument", "doc"), ("Workbook", "xls"),
                ("Book", "xls"), ("PowerPoint Document", "ppt"))

# what each kind is, for a user told why a file was not read
DESCRIPTIONS = {
    "xlsx": "an Excel workbook (.xlsx), not a report document",
    "xls": "an Excel workbook (.xls), not a report document",
    "pptx": "a PowerPoint presentation (.pptx), not a report document",
    "ppt": "a PowerPoint presentation (.ppt), not a report document",
    "ofd": "an OFD document (GB/T 33190): not read; save it as PDF first",
    "odf": "an OpenDocument file that is not a text document (.ods, .odp), not a report document",
    "ooxml": "an Office Open XML package without a Word document in it",
    "encrypted": "a password-protected Office document: save it without the password first",
    "ole": "an Office 97–2003 (OLE) file with no Word document found in it: an .xls or .ppt, or a damaged .doc",
    "zip": "a ZIP archive, not a document: unpack it and give its files one by one",
    "damaged zip": "a damaged ZIP file (a .docx or other Office file cut short?): its entries cannot be read",
}


def is_rtf(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(RTF_MAGIC)


def kind_of(data: bytes) -> str | None:
    """docx, odt, doc (Word's OLE format, and WPS's), rtf, or one of `DESCRIPTIONS`; None for
    a file that is none of these containers."""
    if data.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except ZIP_ERRORS:
            # a damaged archive: its local headers may still tell what it was
            return zip_kind(zip_names(data), data[:4096]) or "damaged zip"
        return zip_kind(names, data[:4096]) or "zip"
    if data.startswith(OLE_MAGIC):
        return ole_kind(data) or "ole"
    if is_rtf(data[:64]):
        return "rtf"
    return None


def zip_names(head: bytes) -> list[str]:
    """Names of the ZIP entries whose local headers are in `head`."""
    names = []
    for m in _LOCAL_HEADER.finditer(head):
        at = m.start()
        if at + 30 > len(head):
            break
        (length,) = struct.unpack_from("<H", head, at + 26)
        names.append(head[at + 30:at + 30 + length].decode("utf-8", "replace"))
    return names


def zip_kind(names: list[str], head: bytes) -> str | None:
    """What a ZIP with these entries is; None when the names do not tell (yet)."""
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    if "mimetype" in names:
        return "odt" if _ODF_TEXT in head else "odf"
    if "[Content_Types].xml" in names and len(names) > 2:
        return "ooxml"
    return None


def ole_kind(data: bytes) -> str | None:
    """What an OLE file is, by the streams its directory names (found where the directory is
    in `data`; None when it is not)."""
    for stream, kind in _OLE_STREAMS:
        if _directory_entry(stream) in data:
            return kind
    return None


def _directory_entry(stream: str) -> bytes:
    # a directory entry: the name in UTF-16LE, zero-padded to 64 bytes, then its length in
    # bytes with the terminator: precise enough never to match a document's own text
    name = (stream + "\0").encode("utf-16-le")
    return name + b"\0" * (64 - len(name)) + struct.pack("<H", len(name))
