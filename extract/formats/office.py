"""Word and other Office files (.docx as ZIP, .doc/.wps as OLE): recognised, not read yet."""
from __future__ import annotations

from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document

KIND = "office"


def sniff(head: bytes, name: str) -> bool:
    return head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def read(data: bytes, name: str) -> Document:
    raise Unreadable("a Word/Office document: convert it to PDF or HTML first")
